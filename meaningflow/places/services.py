"""Writes of the places app: loading the packaged reference data.

The JSON files in ``data/`` are produced by ``data/build_places_data.py``. Loading
is an upsert keyed on the GB/T 2260 code and the GeoNames id, so it is safe to run
on every start-up and after regenerating the data. Rows that disappear from the
data are left in place: profiles and organisations may still point at them.
"""

import json
from pathlib import Path
from typing import Any, NotRequired, TextIO, TypedDict

from django.utils.translation import gettext as _

from meaningflow.core import transactions
from meaningflow.places.models import City, Division
from meaningflow.places.selectors import ascii_fold

DATA_DIR = Path(__file__).resolve().parent / "data"
BATCH_SIZE = 500
DIVISION_FIELDS = ["level", "parent", "name_zh", "name_en", "latitude", "longitude"]
CITY_FIELDS = [
    "name_en",
    "name_zh",
    "name_ascii",
    "country_code",
    "latitude",
    "longitude",
    "population",
    "timezone",
    "division",
]


class DivisionRow(TypedDict):
    """One division of ``cn_divisions.json``."""

    code: str
    level: str
    parent_code: str | None
    name_zh: str
    name_en: str
    lat: float
    lng: float


class CityRow(TypedDict):
    """One city of ``world_cities.json``."""

    geonameid: int
    name_en: str
    name_zh: str
    country_code: str
    lat: float
    lng: float
    population: int
    timezone: str
    division_code: NotRequired[str | None]


def _read(filename: str, key: str) -> list[Any]:
    with (DATA_DIR / filename).open(encoding="utf-8") as fh:
        rows: list[Any] = json.load(fh)[key]  # the rows of the data file, as build_places_data.py wrote them
    return rows


def _say(stdout: TextIO | None, message: str) -> None:
    if stdout is not None:
        stdout.write(message + "\n")


def _division(row: DivisionRow, code_to_id: dict[str, int]) -> Division:
    return Division(
        code=row["code"],
        level=row["level"],
        parent_id=code_to_id.get(row["parent_code"]) if row["parent_code"] else None,
        name_zh=row["name_zh"],
        name_en=row["name_en"],
        latitude=row["lat"],
        longitude=row["lng"],
    )


def _upsert_divisions(rows: list[DivisionRow]) -> None:
    # Provinces first: prefectures need their parents' primary keys, which an
    # upsert does not reliably return on every backend, so we re-read them.
    for level in (Division.Level.PROVINCE, Division.Level.PREFECTURE):
        code_to_id = dict(Division.objects.values_list("code", "id"))
        batch = [_division(row, code_to_id) for row in rows if row["level"] == level]
        Division.objects.bulk_create(
            batch,
            batch_size=BATCH_SIZE,
            update_conflicts=True,
            unique_fields=["code"],
            update_fields=DIVISION_FIELDS,
        )


def _city(row: CityRow, code_to_id: dict[str, int]) -> City:
    return City(
        geonameid=row["geonameid"],
        name_en=row["name_en"],
        name_zh=row["name_zh"],
        name_ascii=ascii_fold(row["name_en"]),
        country_code=row["country_code"],
        latitude=row["lat"],
        longitude=row["lng"],
        population=row["population"],
        timezone=row["timezone"],
        division_id=code_to_id.get(row.get("division_code") or ""),
    )


def _upsert_cities(rows: list[CityRow]) -> None:
    code_to_id = dict(Division.objects.values_list("code", "id"))
    City.objects.bulk_create(
        [_city(row, code_to_id) for row in rows],
        batch_size=BATCH_SIZE,
        update_conflicts=True,
        unique_fields=["geonameid"],
        update_fields=CITY_FIELDS,
    )


@transactions.entry_point
def places_load(*, stdout: TextIO | None = None) -> dict[str, int]:
    """Upsert all divisions and world cities from the packaged JSON; idempotent.

    Returns counts: rows in the data files, rows newly created by this run, and
    the resulting table sizes.
    """
    divisions: list[DivisionRow] = _read("cn_divisions.json", "divisions")
    cities: list[CityRow] = _read("world_cities.json", "cities")
    before = {"divisions": Division.objects.count(), "cities": City.objects.count()}
    with transactions.atomic():
        _say(stdout, _("Loading %(count)d Chinese divisions…") % {"count": len(divisions)})
        _upsert_divisions(divisions)
        _say(stdout, _("Loading %(count)d world cities…") % {"count": len(cities)})
        _upsert_cities(cities)
    return _summary(divisions=divisions, cities=cities, before=before)


def _summary(*, divisions: list[DivisionRow], cities: list[CityRow], before: dict[str, int]) -> dict[str, int]:
    total_divisions = Division.objects.count()
    total_cities = City.objects.count()
    return {
        "provinces": Division.objects.filter(level=Division.Level.PROVINCE).count(),
        "prefectures": Division.objects.filter(level=Division.Level.PREFECTURE).count(),
        "divisions": total_divisions,
        "divisions_created": total_divisions - before["divisions"],
        "cities": total_cities,
        "cities_created": total_cities - before["cities"],
        "cities_with_chinese_name": sum(1 for c in cities if c["name_zh"] != c["name_en"]),
        "divisions_in_data": len(divisions),
        "cities_in_data": len(cities),
    }
