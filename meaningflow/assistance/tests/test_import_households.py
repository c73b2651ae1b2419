"""Households (issue 11): flags derived from every member in the database, not from the
current file (item 14); household numbers namespaced by county (item 16)."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from meaningflow.assistance import discovery, services
from meaningflow.assistance.models import Household, Recognition, RegistryPerson
from meaningflow.assistance.tests.helpers import csv_bytes, person_row

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2025, 6, 10)
YOUNG = {"birth": datetime.date(1990, 1, 1), "since": "2025-05-01"}  # no reason of their own


def _import(actor, rows, region="43"):
    batch = services.registry_import(
        actor=actor, region_prefix=region, filename="r.csv", content=csv_bytes(rows), today=TODAY
    )
    assert batch.status == "applied", batch.report
    return batch


def _by_name(name: str) -> RegistryPerson:
    return next(p for p in RegistryPerson.objects.all() if p.name == name)  # names are encrypted


@pytest.mark.postgres
def test_a_one_row_file_keeps_the_household_flags_other_members_reported(officer):
    full = [
        person_row(1, household="H1", zero="否", dibao="否", **YOUNG),
        person_row(2, household="H1", zero="是", dibao="是", **YOUNG),
    ]
    _import(officer, full)
    household = Household.objects.get(code="H1")
    assert (household.zero_employment, household.dibao) == (True, True)
    # The first member alone, unchanged: the household keeps what the second member reported.
    unchanged = _import(officer, full[:1])
    assert unchanged.unchanged == 1
    household.refresh_from_db()
    assert (household.zero_employment, household.dibao) == (True, True)
    # The first member alone, changed (a new phone number): the same.
    changed = _import(officer, [person_row(1, household="H1", zero="否", phone="13900001111", **YOUNG)])
    assert changed.updated == 1
    household.refresh_from_db()
    assert (household.zero_employment, household.dibao) == (True, True)
    # Discovery still recognises both members for the household's facts.
    discovery.discovery_run(region_prefix="43", today=TODAY)
    first = Recognition.objects.get(person=_by_name("测试1"))
    assert first.recognised and {"zero_employment", "dibao"} <= set(first.reasons)
    # The member who reported it says otherwise now: derived from all members, it goes.
    _import(officer, [person_row(2, household="H1", zero="否", dibao="否", **YOUNG)])
    household.refresh_from_db()
    assert (household.zero_employment, household.dibao) == (False, False)


def test_a_member_who_left_the_registry_no_longer_makes_the_household(officer):
    _import(officer, [person_row(1, household="H1", **YOUNG), person_row(2, household="H1", zero="是", **YOUNG)])
    _import(officer, [person_row(2, household="H1", zero="是", status="注销", **YOUNG)])
    assert Household.objects.get(code="H1").zero_employment is False


def test_a_member_moving_to_another_household_updates_both(officer):
    _import(officer, [person_row(1, household="H1", zero="是", **YOUNG), person_row(2, household="H1", **YOUNG)])
    _import(officer, [person_row(1, household="H2", zero="是", **YOUNG)])
    assert Household.objects.get(code="H1").zero_employment is False
    assert Household.objects.get(code="H2").zero_employment is True
    assert Household.objects.get(code="H2").members.get().name == "测试1"


@pytest.mark.postgres
def test_the_same_household_number_in_two_provinces_is_two_households(officer, officer_beijing):
    _import(officer, [person_row(1, household="0001", zero="是", **YOUNG)])
    # Before: "Household 0001 belongs to another region" and the Beijing file was rejected.
    _import(officer_beijing, [person_row(2, region="110101", household="0001", **YOUNG)], region="11")
    hunan, beijing = Household.objects.get(region_code="430102"), Household.objects.get(region_code="110101")
    assert (hunan.code, beijing.code) == ("0001", "0001")
    assert (hunan.zero_employment, beijing.zero_employment) == (True, False)
    assert _by_name("测试1").household == hunan and _by_name("测试2").household == beijing


def test_household_numbers_are_per_county(officer):
    _import(
        officer,
        [
            person_row(1, region="430102", household="0001", dibao="是", **YOUNG),
            person_row(2, region="430103", household="0001", **YOUNG),
        ],
    )
    assert Household.objects.filter(code="0001").count() == 2
    assert Household.objects.get(region_code="430103").dibao is False


def test_the_database_refuses_a_second_household_with_the_same_county_and_number(officer):
    Household.objects.create(code="0001", region_code="430102")
    Household.objects.create(code="0001", region_code="110101")
    with pytest.raises(IntegrityError), transaction.atomic():
        Household.objects.create(code="0001", region_code="430102")
