"""Column-wise bulk reads and writes between numpy arrays and the database.

Jobs over a whole region (assistance discovery) move millions of rows of a few fixed-width
columns. Through the DB-API that is one Python tuple and a dozen Python objects per row.
On PostgreSQL, binary COPY carries the same rows as one byte stream, and when every column
has a fixed width and no NULL, every row has the same layout: numpy reads and writes it
with one structured dtype, and no Python object is made per row. SQLite has no COPY; there
the rows go through the driver (``fetchall`` / ``executemany``), still without any per-row
code of ours.

The binary COPY format (PostgreSQL manual, "COPY", "Binary Format"): an 11-byte signature,
a 32-bit flags word and a 32-bit header-extension length, then per row a 16-bit field count
and per field a 32-bit length (-1 for NULL) and the value in network byte order; a 16-bit
-1 ends the data.
"""

from collections.abc import Iterator
from contextlib import contextmanager

import numpy
from django.db import connection

from meaningflow.core import transactions

# kind → (numpy type in network byte order, native numpy type, SQL type)
KINDS = {
    "bool": ("?", numpy.bool_, "boolean"),
    "int2": (">i2", numpy.int16, "smallint"),
    "int4": (">i4", numpy.int32, "integer"),
    "int8": (">i8", numpy.int64, "bigint"),
    "float8": (">f8", numpy.float64, "double precision"),
}
SIGNATURE = b"PGCOPY\n\xff\r\n\x00"
HEADER = SIGNATURE + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"  # no flags, no extension
TRAILER = b"\xff\xff"
WRITE_CHUNK = 100_000


class ColumnarError(ValueError):
    """The rows do not have the declared fixed-width, non-NULL layout."""


def _row_dtype(kinds: list[str]) -> numpy.dtype:
    fields = [("count", ">i2")]
    for i, kind in enumerate(kinds):
        fields += [(f"length{i}", ">i4"), (f"value{i}", KINDS[kind][0])]
    return numpy.dtype(fields)


def _check_kinds(columns) -> None:
    for name, kind in columns:
        if kind not in KINDS:
            raise ColumnarError(f"column {name}: unknown kind {kind!r}")


def read_columns(sql: str, params: list, columns: list[tuple[str, str]]) -> dict[str, numpy.ndarray]:
    """Run one SELECT and return its output columns as native numpy arrays, by name.

    ``columns`` names the SELECT's output columns in order, each with its kind (see
    ``KINDS``). Every value must be non-NULL (use COALESCE) and, on PostgreSQL, of exactly
    that SQL type (cast it: ``x::int4``); anything else raises ColumnarError."""
    _check_kinds(columns)
    if connection.vendor == "postgresql":
        return _read_copy(sql, params, columns)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    # A structured array straight from the row tuples: numpy converts them in C.
    dtype = numpy.dtype([(f"c{i}", KINDS[kind][1]) for i, (_name, kind) in enumerate(columns)])
    try:
        table = numpy.fromiter(rows, dtype=dtype, count=len(rows))
    except (TypeError, ValueError) as exc:
        raise ColumnarError("a NULL, or a value that is not of its column's kind") from exc
    return {name: numpy.ascontiguousarray(table[f"c{i}"]) for i, (name, _kind) in enumerate(columns)}


def _read_copy(sql: str, params: list, columns: list[tuple[str, str]]) -> dict[str, numpy.ndarray]:
    data = bytearray()
    # psycopg composes the parameters into the statement on the client.
    with connection.cursor() as cursor, cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT BINARY)", params or None) as copy:
        for block in copy:
            data += block
    if data[: len(SIGNATURE)] != SIGNATURE:
        raise ColumnarError("not a binary COPY stream")
    extension = int.from_bytes(data[15:19], "big")
    body = memoryview(data)[19 + extension : len(data) - len(TRAILER)]
    dtype = _row_dtype([kind for _name, kind in columns])
    if len(body) % dtype.itemsize:
        raise ColumnarError("rows are not of the declared layout (a NULL, or a column of another type)")
    rows = numpy.frombuffer(body, dtype=dtype)
    if (rows["count"] != len(columns)).any():
        raise ColumnarError("rows have another number of columns than declared")
    out = {}
    for i, (name, kind) in enumerate(columns):
        width = numpy.dtype(KINDS[kind][0]).itemsize
        if (rows[f"length{i}"] != width).any():
            raise ColumnarError(f"column {name}: NULL or not {kind}")
        out[name] = rows[f"value{i}"].astype(KINDS[kind][1])
    return out


def write_columns(table: str, columns: dict[str, tuple[numpy.ndarray, str]]) -> int:
    """Append the arrays as rows of ``table`` (usually a ``staging_table``); returns the
    number of rows. ``columns``: column name → (array, kind); all arrays of one length."""
    _check_kinds([(name, kind) for name, (_values, kind) in columns.items()])
    lengths = {len(values) for values, _kind in columns.values()}
    if len(lengths) > 1:
        raise ColumnarError("columns of different lengths")
    n = lengths.pop() if lengths else 0
    names = list(columns)
    if n == 0:
        return 0
    if connection.vendor == "postgresql":
        dtype = _row_dtype([kind for _values, kind in columns.values()])
        with (
            connection.cursor() as cursor,
            cursor.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN (FORMAT BINARY)") as copy,
        ):
            copy.write(HEADER)
            for start in range(0, n, WRITE_CHUNK):
                stop = min(n, start + WRITE_CHUNK)
                rows = numpy.empty(stop - start, dtype=dtype)
                rows["count"] = len(names)
                for i, (values, kind) in enumerate(columns.values()):
                    rows[f"length{i}"] = numpy.dtype(KINDS[kind][0]).itemsize
                    rows[f"value{i}"] = values[start:stop]
                copy.write(rows.tobytes())
            copy.write(TRAILER)
        return n
    placeholders = ", ".join(["%s"] * len(names))
    lists = [values.tolist() for values, _kind in columns.values()]
    with connection.cursor() as cursor:
        for start in range(0, n, WRITE_CHUNK):
            cursor.executemany(
                f"INSERT INTO {table} ({', '.join(names)}) VALUES ({placeholders})",  # noqa: S608 (names are code constants)
                list(zip(*(column[start : start + WRITE_CHUNK] for column in lists), strict=True)),
            )
    return n


@contextmanager
def staging_table(name: str, columns: dict[str, str]) -> Iterator[str]:
    """A temporary table ``name`` (column → kind) for the block, inside the caller's
    transaction: dropped at the end of the block, and undone with the transaction if it
    rolls back."""
    transactions.require_transaction()
    _check_kinds(list(columns.items()))
    definition = ", ".join(f"{column} {KINDS[kind][2]} NOT NULL" for column, kind in columns.items())
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {name}")
        cursor.execute(f"CREATE TEMP TABLE {name} ({definition})")
    yield name
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {name}")
