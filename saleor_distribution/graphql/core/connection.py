"""Relay connections with `totalCount`, paginated by keyset (cursor = the sort key of the
last row), so page 1,000 of a team of a million costs the same as page 1. Offsets would
make the database count and skip every earlier row."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import graphene
from django.db.models import Q, QuerySet
from graphql import GraphQLError

from saleor_distribution.graphql.core.validation import MAX_PAGE_SIZE


class CountableConnection(graphene.relay.Connection):
    class Meta:
        abstract = True

    total_count = graphene.Int(required=True, description="How many items the list has.")

    @staticmethod
    def resolve_total_count(root: Any, info: Any) -> int:
        return int(root.total_count())


class OrderDirection(graphene.Enum):
    # Saleor's enum of the same name, value for value and word for word, so the two
    # compose in one supergraph.
    ASC = "asc"
    DESC = "desc"

    @property
    def description(self) -> str:
        return {
            "ASC": "Specifies an ascending sort order.",
            "DESC": "Specifies a descending sort order.",
        }[self.name]


@dataclass(frozen=True)
class SortKey:
    """Ordering as model field names (unique together: always end with "pk")."""

    fields: tuple[str, ...]
    descending: bool = False


def _encode(values: Sequence[Any]) -> str:
    def plain(value: Any) -> Any:
        if isinstance(value, datetime):
            return {"dt": value.isoformat()}
        if isinstance(value, Decimal):
            return {"dec": str(value)}
        return value

    raw = json.dumps([plain(v) for v in values], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str, size: int) -> list[Any]:
    def typed(value: Any) -> Any:
        if isinstance(value, dict) and "dt" in value:
            return datetime.fromisoformat(value["dt"])
        if isinstance(value, dict) and "dec" in value:
            return Decimal(value["dec"])
        return value

    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError) as exc:
        raise GraphQLError("Invalid cursor.") from exc
    if not isinstance(values, list) or len(values) != size:
        raise GraphQLError("Invalid cursor.")
    return [typed(v) for v in values]


def _after(fields: Sequence[str], values: Sequence[Any], descending: bool) -> Q:
    """Rows strictly after `values` in the (fields) order."""
    condition = Q()
    for index, field in enumerate(fields):
        lookup = "lt" if descending else "gt"
        step = Q(**{f"{field}__{lookup}": values[index]})
        for earlier, value in zip(fields[:index], values[:index], strict=True):
            step &= Q(**{earlier: value})
        condition |= step
    return condition


def _value(row: Any, field: str) -> Any:
    value: Any = row
    for part in field.split("__"):
        value = getattr(value, part)
    return value


def paginate(
    queryset: QuerySet[Any],
    connection_type: type[graphene.relay.Connection],
    *,
    sort: SortKey,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
    total_count: Callable[[], int] | None = None,
) -> Any:
    """One page of `queryset` as a connection. `total_count` is computed only if asked for."""
    if first is not None and last is not None:
        raise GraphQLError("Use either `first` or `last`, not both.")
    size = first if first is not None else last
    if size is None:
        size = 20
    if size < 0 or size > MAX_PAGE_SIZE:
        raise GraphQLError(f"Page size must be between 0 and {MAX_PAGE_SIZE}.")
    backwards = last is not None
    fields = sort.fields
    descending = sort.descending != backwards
    ordering = [f"-{f}" if descending else f for f in fields]
    rows = queryset.order_by(*ordering)
    cursor = before if backwards else after
    if cursor:
        rows = rows.filter(_after(fields, _decode(cursor, len(fields)), descending))
    page = list(rows[: size + 1])
    has_more = len(page) > size
    page = page[:size]
    if backwards:
        page.reverse()
    return connection_from_page(
        connection_type,
        [(row, [_value(row, f) for f in fields]) for row in page],
        has_next_page=has_more if not backwards else bool(before),
        has_previous_page=has_more if backwards else bool(after),
        total_count=total_count or queryset.count,
    )


def page_size(first: int | None, default: int = 20) -> int:
    """`first` checked against the page-size limit (forward-only connections)."""
    size = default if first is None else first
    if size < 0 or size > MAX_PAGE_SIZE:
        raise GraphQLError(f"Page size must be between 0 and {MAX_PAGE_SIZE}.")
    return size


def decode_cursor(cursor: str | None, size: int) -> list[Any] | None:
    """The sort-key values an `after` cursor carries (None without a cursor)."""
    return _decode(cursor, size) if cursor else None


def connection_from_page(
    connection_type: type[graphene.relay.Connection],
    rows: Sequence[tuple[Any, Sequence[Any]]],
    *,
    has_next_page: bool,
    has_previous_page: bool,
    total_count: Callable[[], int],
) -> Any:
    """A connection from one page already read: (node, its sort-key values) per row, in
    order. For pages a domain read helper returns (teams, rankings)."""
    edge_type = connection_type.Edge
    edges = [edge_type(node=node, cursor=_encode(values)) for node, values in rows]
    page_info = graphene.relay.PageInfo(
        has_next_page=has_next_page,
        has_previous_page=has_previous_page,
        start_cursor=edges[0].cursor if edges else None,
        end_cursor=edges[-1].cursor if edges else None,
    )
    connection = connection_type(edges=edges, page_info=page_info)
    connection.total_count = total_count
    return connection
