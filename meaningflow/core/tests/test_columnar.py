"""Column-wise bulk reads and writes (binary COPY on PostgreSQL, the driver on SQLite)."""

# ruff: noqa: S608 (the SQL here names test tables and casts; no value is formatted in)

import numpy
import pytest
from django.db import connection, transaction
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from meaningflow.core import columnar

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

KINDS = {"flag": "bool", "small": "int2", "count": "int4", "big": "int8", "amount": "float8"}


def _cast(column: str, kind: str) -> str:
    return f"{column}::{columnar.KINDS[kind][2]}" if connection.vendor == "postgresql" else column


def _arrays(n: int):
    return st.fixed_dictionaries(
        {
            name: hnp.arrays(
                columnar.KINDS[kind][1],
                n,
                elements=st.floats(-1e12, 1e12, allow_nan=False) if kind == "float8" else None,
            )
            for name, kind in KINDS.items()
        }
    )


@settings(max_examples=25, deadline=None)
@given(data=st.integers(0, 300).flatmap(_arrays))
def test_arrays_written_and_read_back_are_unchanged(data):
    with transaction.atomic(), columnar.staging_table("stage_roundtrip", {"pos": "int8", **KINDS}) as table:
        n = len(data["flag"])
        written = columnar.write_columns(
            table,
            {"pos": (numpy.arange(n, dtype=numpy.int64), "int8")}
            | {name: (data[name], kind) for name, kind in KINDS.items()},
        )
        assert written == n
        read = columnar.read_columns(
            f"SELECT {', '.join(_cast(name, kind) for name, kind in KINDS.items())} FROM {table} ORDER BY pos",
            [],
            list(KINDS.items()),
        )
    for name, kind in KINDS.items():
        assert read[name].dtype == columnar.KINDS[kind][1]
        numpy.testing.assert_array_equal(read[name], data[name])


def test_parameters_are_bound_and_an_empty_result_gives_empty_arrays():
    with transaction.atomic(), columnar.staging_table("stage_params", {"a": "int4"}) as table:
        columnar.write_columns(table, {"a": (numpy.array([1, 5, 9], dtype=numpy.int32), "int4")})
        found = columnar.read_columns(
            f"SELECT {_cast('a', 'int4')} FROM {table} WHERE a > %s ORDER BY a", [4], [("a", "int4")]
        )
        none = columnar.read_columns(f"SELECT {_cast('a', 'int4')} FROM {table} WHERE a > %s", [100], [("a", "int4")])
    assert found["a"].tolist() == [5, 9]
    assert none["a"].dtype == numpy.int32 and len(none["a"]) == 0


def test_a_null_or_a_column_of_another_type_is_refused():
    with transaction.atomic(), columnar.staging_table("stage_refuse", {"a": "int4"}) as table:
        columnar.write_columns(table, {"a": (numpy.array([1, 2], dtype=numpy.int32), "int4")})
        with pytest.raises(columnar.ColumnarError, match="NULL"):
            columnar.read_columns(
                f"SELECT CASE WHEN a = 1 THEN NULL ELSE {_cast('a', 'int4')} END FROM {table} ORDER BY a",
                [],
                [("a", "int4")],
            )
    if connection.vendor == "postgresql":  # SQLite's values carry no declared width
        with transaction.atomic(), columnar.staging_table("stage_refuse", {"a": "int4"}) as table:
            columnar.write_columns(table, {"a": (numpy.array([1], dtype=numpy.int32), "int4")})
            with pytest.raises(columnar.ColumnarError):
                columnar.read_columns(f"SELECT a::int8 FROM {table}", [], [("a", "int4")])
    with pytest.raises(columnar.ColumnarError, match="unknown kind"):
        columnar.read_columns("SELECT 1", [], [("a", "text")])
    with pytest.raises(columnar.ColumnarError, match="different lengths"):
        columnar.write_columns("x", {"a": (numpy.zeros(2), "float8"), "b": (numpy.zeros(3), "float8")})


@pytest.mark.django_db(transaction=True)
def test_a_staging_table_needs_a_transaction_and_goes_with_a_rollback():
    with pytest.raises(RuntimeError, match="transaction"), columnar.staging_table("stage_x", {"a": "int4"}):
        pass
    with pytest.raises(ZeroDivisionError), transaction.atomic(), columnar.staging_table("stage_gone", {"a": "int4"}):
        1 / 0  # noqa: B018
    with transaction.atomic(), connection.cursor() as cursor, pytest.raises(Exception):  # noqa: B017 (no such table)
        cursor.execute("SELECT * FROM stage_gone")
