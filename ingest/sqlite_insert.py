"""The SQLite write path of `ingest.services` (the embedded default).

The ORM's `bulk_create` builds a model instance per record and runs every
value through its field's preparation: most of the embedded mode's time per
message went there (issue 9). Here each column gets one converter, chosen once
per table, and each chunk of rows is one multi-row `INSERT … ON CONFLICT
DO NOTHING RETURNING digest` (SQLite ≥ 3.35): already stored digests are
skipped by the unique (time, digest) index itself, without a SELECT first, and RETURNING
names exactly the rows that were added.
"""
from __future__ import annotations

import operator
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from typing import Any, NamedTuple

from django.db import connection, models

# Fields whose database value on SQLite is the Python value the parsers give
# (str, int, bool or None); any other field goes through its own
# get_db_prep_save. tests/ingest/test_sqlite_insert.py checks the shortcut.
PLAIN_FIELDS = frozenset({
    "CharField", "TextField", "IntegerField", "BigIntegerField", "SmallIntegerField",
    "PositiveIntegerField", "PositiveSmallIntegerField", "PositiveBigIntegerField",
    "BooleanField", "FloatField",
})


class InsertRow(NamedTuple):
    """One record ready for its table."""

    record: Any  # the parser's frozen dataclass
    gateway_pk: int
    digest: bytes


class Added(NamedTuple):
    """A row the INSERT added: its gateway and record time."""

    gateway_pk: int
    at: datetime


def datetime_value(value: datetime | None) -> str | None:
    """What Django's SQLite backend stores for an aware datetime (USE_TZ):
    naive UTC as `str()` writes it, so the ORM's lookups compare equal."""
    if value is None:
        return None
    if value.tzinfo is UTC:
        # What the parsers give: isoformat is one C call, and without its
        # "+00:00" it is str() of the naive value (8 % of the embedded
        # mode's CPU went into the general conversion, issue 9).
        return value.isoformat(" ")[:-6]
    return str(value.astimezone(UTC).replace(tzinfo=None))


class TableShape(NamedTuple):
    columns: tuple[str, ...]  # quoted, in record-field order, then digest
    converters: tuple[Callable[[Any], Any] | None, ...]  # None: the value as it is
    gateway_index: int


@cache
def table_shape(model: type[models.Model], names: tuple[str, ...]) -> TableShape:
    """Column names and per-column converters for the record fields `names`."""
    columns, converters = [], []
    for name in names:
        field = model._meta.get_field(name)
        columns.append(connection.ops.quote_name(field.column))
        kind = field.get_internal_type()
        if kind == "DateTimeField":
            converters.append(datetime_value)
        elif kind in PLAIN_FIELDS or name == "gateway_id":
            converters.append(None)
        else:
            converters.append(_prep_save(field))
    columns.append(connection.ops.quote_name(model._meta.get_field("digest").column))
    return TableShape(tuple(columns), tuple(converters), names.index("gateway_id"))


def _prep_save(field: models.Field) -> Callable[[Any], Any]:
    return lambda value: field.get_db_prep_save(value, connection)


def max_variables() -> int:
    """Bound parameters one statement may carry on this connection."""
    connection.ensure_connection()
    raw = connection.connection
    try:
        return raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    except AttributeError:  # Python < 3.11
        return 999


def insert_new(model: type[models.Model], names: tuple[str, ...], rows: list[InsertRow],
               time_column: str) -> list[Added]:
    """Insert the rows whose digest is not stored yet; returns those added."""
    shape = table_shape(model, names)
    width = len(shape.columns)
    per_statement = max(1, max_variables() // width)
    convert = [(i, fn) for i, fn in enumerate(shape.converters) if fn is not None]
    gw = shape.gateway_index
    values_of = operator.attrgetter(*names)
    by_digest = {row.digest: row for row in rows}
    added: list[Added] = []
    table = connection.ops.quote_name(model._meta.db_table)
    digest_column = shape.columns[-1]
    with connection.cursor() as cur:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start:start + per_statement]
            params: list = []
            for record, gateway_pk, digest in chunk:
                values = list(values_of(record))
                for i, fn in convert:
                    values[i] = fn(values[i])
                values[gw] = gateway_pk
                values.append(digest)
                params += values
            one = "(" + ", ".join(["%s"] * width) + ")"
            cur.execute(
                f"INSERT INTO {table} ({', '.join(shape.columns)}) "
                f"VALUES {', '.join([one] * len(chunk))} "
                f"ON CONFLICT DO NOTHING RETURNING {digest_column}",
                params)
            for (digest,) in cur.fetchall():
                row = by_digest[bytes(digest)]
                added.append(Added(row.gateway_pk, getattr(row.record, time_column)))
    return added
