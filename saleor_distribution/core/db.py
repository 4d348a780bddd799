"""Small database helpers for hot paths."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from django.db import connections, router
from django.db.models import Field, Model

# SQLite allows 32,766 parameters in one statement.
MAX_PARAMS = 30_000


@lru_cache(maxsize=64)
def _insert_sql(
    model: type[Model], alias: str, rows: int, skip_conflicts: bool = False
) -> tuple[str, tuple[Field, ...]]:
    quote = connections[alias].ops.quote_name
    meta = model._meta
    fields = tuple(f for f in meta.concrete_fields if not f.primary_key)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)})"  # noqa: S608
        f" VALUES {', '.join([row] * rows)}"
        f"{' ON CONFLICT DO NOTHING' if skip_conflicts else ''}"
        f" RETURNING {quote(meta.pk.column)}"
    )
    return sql, fields


def insert_unless_conflicting(obj: Model) -> bool:
    """INSERT one new model instance unless it conflicts with a unique constraint
    (`ON CONFLICT DO NOTHING`). Sets its primary key and returns True if the row was
    inserted; returns False, leaving the instance unsaved, if a row already held its key."""
    assert obj._state.adding
    model = type(obj)
    alias = router.db_for_write(model)
    connection = connections[alias]
    sql, fields = _insert_sql(model, alias, 1, skip_conflicts=True)
    params = [field.get_db_prep_save(field.pre_save(obj, True), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return False
    obj.pk = row[0]
    obj._state.adding = False
    obj._state.db = alias
    return True


def insert_returning_pks(objs: Sequence[Model]) -> None:
    """INSERT new model instances of one model in a single statement and set their primary
    keys. What `bulk_create` does for a handful of rows, without its per-batch machinery:
    the order sync writes about 30 rows per order. No signals, no conflict handling; values
    go through each field's `get_db_prep_save`, as with `bulk_create`."""
    if not objs:
        return
    model = type(objs[0])
    assert all(type(obj) is model and obj._state.adding for obj in objs)
    alias = router.db_for_write(model)
    connection = connections[alias]
    per_statement = MAX_PARAMS // len(model._meta.concrete_fields)
    for start in range(0, len(objs), per_statement):
        chunk = objs[start : start + per_statement]
        sql, fields = _insert_sql(model, alias, len(chunk))
        params = [
            field.get_db_prep_save(field.pre_save(obj, True), connection)
            for obj in chunk
            for field in fields
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            pks = [row[0] for row in cursor.fetchall()]
        # PostgreSQL and SQLite return the rows of INSERT ... VALUES in order (bulk_create
        # relies on the same).
        for obj, pk in zip(chunk, pks, strict=True):
            obj.pk = pk
            obj._state.adding = False
            obj._state.db = alias
