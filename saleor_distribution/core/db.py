"""Small database helpers for hot paths."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, TypeVar

from django.conf import settings
from django.db import connections, router
from django.db.models import DateTimeField, Field, Model, signals
from django.db.models.base import ModelState

M = TypeVar("M", bound=Model)

# SQLite allows 32,766 parameters in one statement.
MAX_PARAMS = 30_000


@lru_cache(maxsize=64)
def _insert_sql(
    model: type[Model],
    alias: str,
    rows: int,
    skip_conflicts: bool = False,
    also_return: str | None = None,
) -> tuple[str, tuple[Field, ...]]:
    quote = connections[alias].ops.quote_name
    meta = model._meta
    fields = tuple(f for f in meta.concrete_fields if not f.primary_key)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    returning = quote(meta.pk.column)
    if also_return is not None:
        key_field = meta.get_field(also_return)
        assert isinstance(key_field, Field)
        returning += ", " + quote(key_field.column)
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)})"  # noqa: S608
        f" VALUES {', '.join([row] * rows)}"
        f"{' ON CONFLICT DO NOTHING' if skip_conflicts else ''}"
        f" RETURNING {returning}"
    )
    return sql, fields


def insert_unless_conflicting_many(objs: Sequence[M], key: str) -> list[M]:
    """INSERT new instances of one model in one statement, skipping any that conflicts with
    a unique constraint (`ON CONFLICT DO NOTHING`). `key` names a field whose value tells
    the instances apart (what RETURNING maps back); returns the instances inserted, primary
    keys set. The others stay unsaved."""
    if not objs:
        return []
    model = type(objs[0])
    assert all(type(obj) is model and obj._state.adding for obj in objs)
    alias = router.db_for_write(model)
    connection = connections[alias]
    by_key = {getattr(obj, key): obj for obj in objs}
    assert len(by_key) == len(objs), "the key tells the instances apart"
    sql, fields = _insert_sql(model, alias, len(objs), skip_conflicts=True, also_return=key)
    assert len(objs) * len(fields) <= MAX_PARAMS, "insert fewer rows at once"
    params = [
        field.get_db_prep_save(field.pre_save(obj, True), connection)
        for obj in objs
        for field in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        returned = cursor.fetchall()
    inserted = []
    for pk, value in returned:
        obj = by_key[value]
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = alias
        inserted.append(obj)
    return inserted


def insert_returning_pks(objs: Sequence[Model]) -> None:
    """INSERT new model instances of one model and set their primary keys. What
    `bulk_create` does, without its per-batch machinery: the order sync writes about 30 rows
    per order. No signals, no conflict handling (a unique violation raises IntegrityError);
    values go through each field's `get_db_prep_save`, as with `bulk_create`.

    On PostgreSQL, more than a few rows go in by COPY, their keys drawn from the table's
    sequence first: a multi-row INSERT of hundreds of rows is a statement of thousands of
    parameters that psycopg re-parses and quotes in Python on every call (it caches only
    short statements), which cost more than PostgreSQL's work. COPY formats rows in C."""
    if not objs:
        return
    model = type(objs[0])
    assert all(type(obj) is model and obj._state.adding for obj in objs)
    alias = router.db_for_write(model)
    connection = connections[alias]
    if connection.vendor == "postgresql" and len(objs) >= COPY_FROM_ROWS:
        _copy_in(objs, model, alias)
        return
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
        _mark_saved(chunk, pks, alias)


# From this many rows on, `insert_returning_pks` uses COPY on PostgreSQL.
COPY_FROM_ROWS = 8


def _mark_saved(objs: Sequence[Model], pks: Sequence[Any], alias: str) -> None:
    for obj, pk in zip(objs, pks, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = alias


@lru_cache(maxsize=64)
def _copy_sql(model: type[Model], alias: str) -> tuple[str, str, tuple[Field, ...]]:
    quote = connections[alias].ops.quote_name
    meta = model._meta
    fields = tuple(f for f in meta.concrete_fields if not f.primary_key)
    keys = "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)"
    columns = ", ".join(quote(f.column) for f in (meta.pk, *fields))
    copy = f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN"
    return keys, copy, fields


# Field types whose value psycopg takes as the attribute holds it: on PostgreSQL Django's
# `get_db_prep_save` returns these unchanged (bar conversions of values of the wrong type,
# which the app's code does not assign), and calling it per field and row was most of the
# cost of preparing a COPY.
_PASSED_AS_IS = frozenset(
    {
        "AutoField", "BigAutoField", "BigIntegerField", "BooleanField", "CharField",
        "DateTimeField", "DecimalField", "ForeignKey", "IntegerField",
        "PositiveIntegerField", "PositiveSmallIntegerField", "SmallIntegerField", "TextField",
    }
)


def _copy_values(field: Field, connection: Any) -> Any:
    """How `_copy_in` reads `field` of an instance."""
    as_is = field.get_internal_type() in _PASSED_AS_IS and not (
        getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
    )
    if as_is:
        return lambda obj: getattr(obj, field.attname)
    return lambda obj: field.get_db_prep_save(field.pre_save(obj, True), connection)


def _copy_in(objs: Sequence[Model], model: type[Model], alias: str) -> None:
    connection = connections[alias]
    keys_sql, copy_sql, fields = _copy_sql(model, alias)
    readers = [_copy_values(field, connection) for field in fields]
    rows = [[read(obj) for read in readers] for obj in objs]
    with connection.cursor() as cursor:
        cursor.execute(keys_sql, [model._meta.db_table, model._meta.pk.column, len(objs)])
        pks = [row[0] for row in cursor.fetchall()]
        # The driver's own cursor (Django's wrapper has no COPY); its errors are translated
        # to Django's (IntegrityError on a unique violation) as the wrapper's would be.
        with connection.wrap_database_errors, cursor.cursor.copy(copy_sql) as copy:
            for pk, row in zip(pks, rows, strict=True):
                copy.write_row([pk, *row])
    _mark_saved(objs, pks, alias)


def update_rows(objs: Sequence[Model], field_names: Sequence[str]) -> None:
    """Write `field_names` of saved instances of one model back, as `bulk_update` does.
    On PostgreSQL in one `UPDATE ... FROM (VALUES ...)`: `bulk_update` builds a CASE WHEN
    per field and row, and compiling those expressions cost the order sync more than all
    its SQL. Elsewhere (SQLite) `bulk_update` itself."""
    if not objs:
        return
    model = type(objs[0])
    assert all(type(obj) is model and obj.pk is not None for obj in objs)
    alias = router.db_for_write(model)
    connection = connections[alias]
    if connection.vendor != "postgresql":
        model._default_manager.using(alias).bulk_update(objs, field_names)
        return
    fields = [model._meta.get_field(name) for name in field_names]
    per_statement = MAX_PARAMS // (len(fields) + 1)
    for start in range(0, len(objs), per_statement):
        chunk = objs[start : start + per_statement]
        sql = _update_sql(model, alias, tuple(field_names), len(chunk))
        params: list[Any] = []
        for obj in chunk:
            params.append(obj.pk)
            params += [
                field.get_db_prep_save(getattr(obj, field.attname), connection)  # type: ignore[union-attr]
                for field in fields
            ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


@lru_cache(maxsize=64)
def _update_sql(model: type[Model], alias: str, field_names: tuple[str, ...], rows: int) -> str:
    connection = connections[alias]
    quote = connection.ops.quote_name
    meta = model._meta
    fields = [meta.get_field(name) for name in field_names]
    assert all(isinstance(field, Field) for field in fields)
    # Every value cast to its column's type: a VALUES list has no column types of its own.
    casts = [f"CAST(%s AS {meta.pk.db_type(connection)})"] + [
        f"CAST(%s AS {field.db_type(connection)})"
        for field in fields
        if isinstance(field, Field)
    ]
    row = "(" + ", ".join(casts) + ")"
    columns = [quote(meta.pk.column)] + [quote(f.column) for f in fields if isinstance(f, Field)]
    assignments = ", ".join(f"{c} = v.{c}" for c in columns[1:])
    return (
        f"UPDATE {quote(meta.db_table)} AS t SET {assignments}"  # noqa: S608 - names from the model
        f" FROM (VALUES {', '.join([row] * rows)}) AS v ({', '.join(columns)})"
        f" WHERE t.{columns[0]} = v.{columns[0]}"
    )


# --- reading model instances from hand-written SELECTs ---------------------------------------

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@lru_cache(maxsize=32)
def _row_shape(model: type[Model]) -> tuple[tuple[str, ...], tuple[str, ...], tuple[bool, ...]]:
    fields = model._meta.concrete_fields
    return (
        tuple(f.attname for f in fields),
        tuple(f.column for f in fields),
        tuple(isinstance(f, DateTimeField) for f in fields),
    )


def select_columns(model: type[Model], table: str) -> str:
    """`model`'s columns, as `table.column, ...`, for a hand-written PostgreSQL SELECT whose
    rows `instance_from_row` reads. Timestamps come as whole microseconds since the epoch:
    psycopg reads an integer in C, where Django's timestamptz loader parses text in Python
    (about 4 µs a value, the most of what reading a list page's rows costs)."""
    _, columns, timestamps = _row_shape(model)
    return ", ".join(
        f"(EXTRACT(EPOCH FROM {table}.{column}) * 1000000)::bigint" if is_timestamp
        else f"{table}.{column}"
        for column, is_timestamp in zip(columns, timestamps, strict=True)
    )


def instance_from_row(model: type[M], row: Sequence[Any], start: int = 0) -> M:
    """An instance of `model`, as the ORM's `from_db` makes it, from the values of a row
    read with `select_columns(model, ...)`, starting at `start`."""
    assert settings.USE_TZ, "timestamps are read as aware datetimes"
    attnames, _, timestamps = _row_shape(model)
    values = [
        EPOCH + timedelta(microseconds=value) if is_timestamp and value is not None else value
        for value, is_timestamp in zip(row[start : start + len(attnames)], timestamps,
                                       strict=True)
    ]
    alias = router.db_for_read(model)
    if signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model):
        return model.from_db(alias, attnames, values)
    # What `Model.__init__` does for a full row of field values, less its per-field
    # descriptor lookups (a third of the cost): the values go straight into the
    # instance's dict, where the fields' non-data descriptors read them.
    instance = model.__new__(model)
    instance._state = ModelState()
    instance.__dict__.update(zip(attnames, values, strict=True))
    instance._state.adding = False
    instance._state.db = alias
    return instance


def row_width(model: type[Model]) -> int:
    return len(_row_shape(model)[0])
