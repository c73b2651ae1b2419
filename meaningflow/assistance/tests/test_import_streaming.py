"""Imports stream (issue 11, item 18): rows are read one at a time while they are checked,
large reports keep the rows with problems only, and the apply pass runs in chunks inside one
transaction (still all or nothing). The memory figure itself: bench/bench_assistance_import.py."""

import csv

import pytest

from meaningflow.assistance import importing, imports, services
from meaningflow.assistance.models import ImportBatch, RegistryPerson
from meaningflow.assistance.tests.helpers import csv_bytes, person_row

pytestmark = pytest.mark.django_db


def _import(officer, rows, **kwargs):
    return services.registry_import(
        actor=officer, region_prefix="43", filename="r.csv", content=csv_bytes(rows), **kwargs
    )


def _rows(count: int, **kwargs) -> list[list[str]]:
    return [person_row(seq, **kwargs) for seq in range(1, count + 1)]


def test_rows_are_checked_while_the_file_is_read(officer, monkeypatch):
    """When row L is validated, the CSV reader has produced at most the header scan's rows or
    L rows: the check does not read the whole file first."""
    produced = {"rows": 0}
    real_reader = csv.reader

    def counting_reader(*args, **kwargs):
        for row in real_reader(*args, **kwargs):
            produced["rows"] += 1
            yield row

    class CountingCsv:
        reader = staticmethod(counting_reader)
        Error = csv.Error

    gaps = []
    real_validate = importing.validate_row

    def validate(raw, **kwargs):
        gaps.append(produced["rows"])
        return real_validate(raw, **kwargs)

    monkeypatch.setattr(importing.files, "csv", CountingCsv)
    monkeypatch.setattr(importing, "validate_row", validate)
    batch = _import(officer, _rows(120))
    assert batch.status == "applied" and batch.accepted == 120
    # Call i (line i + 2) saw the header, the rows up to it, and at most the header scan ahead.
    assert all(seen <= max(importing.HEADER_SCAN_ROWS, i + 2) for i, seen in enumerate(gaps))
    assert gaps[-1] == 121


@pytest.fixture
def small_limits(monkeypatch):
    monkeypatch.setattr(imports, "REPORT_ALL_ROWS_UP_TO", 5)
    monkeypatch.setattr(imports, "REPORT_ROWS_MAX", 3)
    monkeypatch.setattr(imports, "CHUNK", 4)
    monkeypatch.setattr(imports, "SPOOL_IN_MEMORY", 100)  # the spool goes to a file at once


@pytest.mark.postgres
def test_a_large_file_applies_in_chunks_and_reports_the_rows_with_notes(officer, small_limits):
    rows = _rows(13)
    rows[3][10] = "烹饪"  # a skill outside the taxonomy: a note, not a rejection
    rows[9][10] = "育婴"
    batch = _import(officer, rows)
    assert (batch.status, batch.accepted, batch.total_rows) == ("applied", 13, 13)
    assert [(r["row"], r["note_codes"]) for r in batch.report["rows"]] == [
        (5, ["import.skills.free_text"]),
        (11, ["import.skills.free_text"]),
    ]
    assert RegistryPerson.objects.count() == 13
    again = _import(officer, rows)
    assert (again.accepted, again.updated, again.unchanged) == (0, 0, 13)


def test_a_large_rejected_file_lists_some_rejected_rows_and_counts_all(officer, small_limits):
    rows = _rows(12)
    for index in (1, 3, 5, 7, 9):
        rows[index][3] = "not a date"
    batch = _import(officer, rows)
    assert (batch.status, batch.total_rows, batch.rejected) == ("rejected", 12, 5)
    assert [r["row"] for r in batch.report["rows"]] == [3, 5, 7]
    assert batch.report["rows_not_listed"] == 2
    assert RegistryPerson.objects.count() == 0


def test_a_failure_in_a_late_chunk_leaves_nothing_applied(officer, small_limits, monkeypatch):
    calls = {"n": 0}
    real = imports._profiles_from_rows

    def failing(persons, by_hash):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk full")
        return real(persons, by_hash)

    monkeypatch.setattr(imports, "_profiles_from_rows", failing)
    with pytest.raises(RuntimeError):
        _import(officer, _rows(10))
    assert RegistryPerson.objects.count() == 0
    assert not ImportBatch.objects.filter(status="applied").exists()


def test_a_person_moved_away_between_the_check_and_the_apply_rejects_the_file(officer, officer_beijing, monkeypatch):
    """The apply pass checks again under the import lock: another import may have moved a
    person of this file out of the importer's region meanwhile."""
    _import(officer, _rows(2))
    RegistryPerson.objects.update(region_code="110101")  # as a transfer to Beijing would
    monkeypatch.setattr(imports, "_check_against_database", lambda *args, **kwargs: None)
    batch = _import(officer, _rows(2))
    assert batch.status == "rejected" and batch.report["error_codes"] == ["import.conflict"]
    assert set(RegistryPerson.objects.values_list("region_code", flat=True)) == {"110101"}


def test_a_file_over_the_row_limit_is_refused_whole_while_it_streams(officer):
    batch = _import(officer, _rows(5), max_rows=3)
    assert (batch.status, batch.report["error_codes"], batch.total_rows) == ("rejected", ["import.too_many_rows"], 0)
    assert batch.report["rows"] == [] and RegistryPerson.objects.count() == 0
