"""Monthly log downloads (SPEC §5.5): a gzip CSV streamed row by row.

On SQLite rows come from `iterator(chunk_size=…)` and are written through
`logformats.serialize`; on PostgreSQL the database writes the same CSV with
COPY (`pg_copy_select`, checked line by line against serialize in the tests).
Either way the columns are exactly §3's, a downloaded file imports back
through `import_logs` to the same records, and memory stays flat: one chunk
of rows and one compressor window at a time.
"""
from __future__ import annotations

import dataclasses
import zlib
from collections import namedtuple
from collections.abc import Iterator

from django.db import connection
from django.http import StreamingHttpResponse
from django.utils.http import content_disposition_header

import logformats
from accounts.models import Gateway
from ingest.models import LOG_MODELS, time_field
from logformats.fields import format_mac

from .periods import Month
from .scope import Scope

CHUNK_ROWS = 5000
FLUSH_BYTES = 256 * 1024
# Level 1 compresses logs nearly as well as 6 at several times the speed.
COMPRESS_LEVEL = 1


def download_filename(*, scope: Scope, month: Month, log_type: str) -> str:
    return f"{log_type}_{scope.name}_{month.compact}.csv.gz"


def csv_gzip_stream(*, scope: Scope, month: Month, log_type: str) -> Iterator[bytes]:
    """The month's records of the scope as gzip-compressed CSV lines: in time
    order for one gateway; account-wide on PostgreSQL in arrival order."""
    fmt = logformats.FORMATS[log_type]
    model = LOG_MODELS[log_type]
    tf = time_field(log_type)
    names = [f.name for f in dataclasses.fields(fmt.record_class)]
    gw_index = names.index("gateway_id")
    gateway_ids = dict(
        Gateway.objects.filter(pk__in=scope.gateway_pks).values_list("pk", "gateway_id")
    )
    start, end = month.span()
    qs = (
        model.objects.filter(gateway_id__in=scope.gateway_pks,
                             **{f"{tf}__gte": start, f"{tf}__lt": end})
        .order_by("gateway_id", tf, "id")
        .values_list(*names)
    )
    if connection.vendor == "postgresql":
        yield from _pg_copy_stream(log_type, list(scope.gateway_pks), start, end)
    else:
        yield from _compress(qs.iterator(chunk_size=CHUNK_ROWS), fmt, gw_index, gateway_ids)


def pg_copy_select(log_type: str, *, ordered: bool) -> str:
    """SELECT that makes PostgreSQL write exactly `logformats.serialize`'s
    line for every row (tests compare the two for every log type):
    columns in layout order, unused ones NULL, JST `YYYY/MM/DD HH:MM:SS`
    timestamps (fractions truncated), host-only IPs, and empty strings as
    NULL so that COPY's CSV leaves them unquoted. COPY quotes a value only
    for a comma, quote, CR or LF, which is also serialize's rule."""
    model = LOG_MODELS[log_type]
    layout = logformats.FORMATS[log_type].layout
    cols = []
    for column in layout.columns:
        if column.attr is None:
            cols.append("NULL")
        elif column.attr == "gateway_id":
            cols.append("g.gateway_id")
        else:
            field = model._meta.get_field(column.attr)
            ref = f't."{field.column}"'
            kind = field.get_internal_type()
            if kind == "DateTimeField":
                cols.append(f"to_char({ref} AT TIME ZONE 'Asia/Tokyo', 'YYYY/MM/DD HH24:MI:SS')")
            elif kind == "GenericIPAddressField":
                cols.append(f"host({ref})")
            elif column.format is format_mac:
                cols.append(f"NULLIF(upper({ref}), '')")
            elif kind in ("CharField", "TextField"):
                cols.append(f"NULLIF({ref}, '')")
            else:
                cols.append(ref)
    tf = time_field(log_type)
    # One gateway: (gateway, time) index order. Several: one pass in storage
    # (arrival) order; sorting a whole account's month would cost more than
    # writing it.
    order = f"ORDER BY t.{tf}" if ordered else ""
    return (
        f"SELECT {', '.join(cols)} FROM {model._meta.db_table} t "
        f"JOIN accounts_gateway g ON g.id = t.gateway_id "
        f"WHERE t.gateway_id = ANY(%(pks)s) AND t.{tf} >= %(start)s AND t.{tf} < %(end)s "
        f"{order}"
    )


def _pg_copy_stream(log_type: str, pks: list[int], start, end) -> Iterator[bytes]:
    """The hot path on PostgreSQL: COPY … TO STDOUT in CSV, compressed as it
    arrives. Per-row Python (datetime objects, serialize) would cap the rate
    at a few tens of thousands of rows per second; this is bounded by the
    database's own COPY speed, in constant memory."""
    gz = zlib.compressobj(COMPRESS_LEVEL, zlib.DEFLATED, 31)
    buf: list[bytes] = []
    size = 0
    finished = False
    connection.ensure_connection()
    try:
        select = pg_copy_select(log_type, ordered=len(pks) == 1)
        params = {"pks": list(pks), "start": start, "end": end}
        with connection.connection.cursor() as cur:
            with cur.copy(f"COPY ({select}) TO STDOUT WITH (FORMAT csv)", params) as copy:
                for block in copy:
                    buf.append(bytes(block))
                    size += len(block)
                    if size >= FLUSH_BYTES:
                        out = gz.compress(b"".join(buf))
                        buf, size = [], 0
                        if out:
                            yield out
        finished = True
    finally:
        if not finished:
            # The client went away mid-COPY: the connection is mid-protocol,
            # so drop it (Django opens a new one for the next request).
            connection.close()
    if buf:
        yield gz.compress(b"".join(buf))
    yield gz.flush()


def _compress(rows, fmt, gw_index: int, gateway_ids: dict[int, str]) -> Iterator[bytes]:
    # wbits 31 = a gzip member (header + deflate + CRC trailer).
    gz = zlib.compressobj(COMPRESS_LEVEL, zlib.DEFLATED, 31)
    # `serialize` reads the record's fields by name; a namedtuple with the
    # same field names is several times cheaper to build than the frozen
    # dataclass and gives the same line (tests compare both).
    row_class = namedtuple("Row", [f.name for f in dataclasses.fields(fmt.record_class)])
    make, serialize = row_class._make, fmt.serialize
    lines: list[str] = []
    size = 0
    for row in rows:
        values = list(row)
        values[gw_index] = gateway_ids[values[gw_index]]
        line = serialize(make(values))
        lines.append(line)
        size += len(line) + 1
        if size >= FLUSH_BYTES:
            out = gz.compress(("\n".join(lines) + "\n").encode())
            lines, size = [], 0
            if out:
                yield out
    if lines:
        yield gz.compress(("\n".join(lines) + "\n").encode())
    yield gz.flush()


def download_response(*, scope: Scope, month: Month, log_type: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        csv_gzip_stream(scope=scope, month=month, log_type=log_type) if scope.gateway_pks
        else iter([zlib.compressobj(6, zlib.DEFLATED, 31).flush()]),
        content_type="application/gzip",
    )
    name = download_filename(scope=scope, month=month, log_type=log_type)
    # RFC 6266 encoding whatever the name holds (gateway IDs are validated at
    # registration, but a header is no place to trust that).
    response["Content-Disposition"] = content_disposition_header(True, name)
    response["Cache-Control"] = "no-store"
    return response
