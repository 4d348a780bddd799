"""Per-request batching, so a list of N rows costs a fixed number of queries, not N.

graphql-core resolves a list depth-first, item by item, so a loader cannot wait for all the
keys of a list the way an asynchronous DataLoader does. Instead, whatever lists rows
(a connection, a team page) first `remember`s them; a loader that misses a key then loads
that key together with every remembered row it has not loaded yet. Each field thus costs
one query per request for all rows listed so far, and nothing for rows never listed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, ClassVar, Generic, TypeVar

from django.db import models

M = TypeVar("M", bound=models.Model)
V = TypeVar("V")


def _remembered(info: Any, model: type[models.Model]) -> dict[Any, models.Model]:
    store: dict[Any, models.Model] = info.context.dataloaders.setdefault(("rows", model), {})
    return store


def remember(info: Any, rows: Iterable[models.Model]) -> None:
    """Rows this request lists; loaders batch over them."""
    for row in rows:
        _remembered(info, type(row))[row.pk] = row


class RowLoader(Generic[M, V]):
    """Values per row of `model`, loaded in batches over the remembered rows.

    Subclasses set `model` and `default` and implement `batch_load`. `for_request(info, *args)`
    gives one loader per request and argument tuple (e.g. a currency)."""

    model: ClassVar[type[models.Model]]
    default: ClassVar[Any] = None

    def __init__(self, info: Any, *args: Any) -> None:
        self.info = info
        self.args = args
        self.cache: dict[Any, V] = {}

    @classmethod
    def for_request(cls, info: Any, *args: Any) -> RowLoader[M, V]:
        loaders = info.context.dataloaders
        key = (cls, args)
        if key not in loaders:
            loaders[key] = cls(info, *args)
        loader: RowLoader[M, V] = loaders[key]
        return loader

    def batch_load(self, rows: Sequence[M]) -> dict[Any, V]:
        raise NotImplementedError

    def load(self, row: M) -> V:
        if row.pk not in self.cache:
            remembered = _remembered(self.info, self.model)
            batch = [r for pk, r in remembered.items() if pk not in self.cache]
            if row.pk not in remembered:
                batch.append(row)
            found = self.batch_load(batch)  # type: ignore[arg-type]
            for r in batch:
                self.cache[r.pk] = found.get(r.pk, self.default)
        return self.cache[row.pk]
