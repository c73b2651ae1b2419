"""Data migrations of the registry: forward and back (issue 11, items 6 and 14)."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = ("assistance", "0003_discovery_write_indexes")
SPLIT = ("assistance", "0004_registration_status_and_work_form")


def _apps_at(target):
    executor = MigrationExecutor(connection)
    return executor.loader.project_state([target]).apps


@pytest.mark.django_db(transaction=True)
def test_the_status_split_maps_every_old_value_and_reverses():
    call_command("migrate", *BEFORE, verbosity=0)
    try:
        old = _apps_at(BEFORE)
        household = old.get_model("assistance", "Household").objects.create(
            code="H1", region_code="430102", zero_employment=True
        )
        person = old.get_model("assistance", "RegistryPerson")
        for number, status in enumerate(("unemployed", "flexible", "employed", "exited")):
            person.objects.create(
                name="x",
                id_number="x",
                id_hash=f"{number:064x}",
                id_masked="x",
                birth_date="1980-01-01",
                sex="F",
                region_code="430102",
                employment_status=status,
                household=household if status == "unemployed" else None,
            )
        call_command("migrate", *SPLIT, verbosity=0)
        new = _apps_at(SPLIT).get_model("assistance", "RegistryPerson")
        rows = {
            p.id_hash[-1]: (p.registration_status, p.work_form, p.reports_zero_employment) for p in new.objects.all()
        }
        assert rows == {
            "0": ("registered", "none", True),
            "1": ("registered", "flexible", False),
            "2": ("registered", "employed", False),
            "3": ("deregistered", "none", False),
        }
        call_command("migrate", *BEFORE, verbosity=0)
        back = _apps_at(BEFORE).get_model("assistance", "RegistryPerson")
        assert sorted(back.objects.values_list("employment_status", flat=True)) == sorted(
            ("unemployed", "flexible", "employed", "exited")
        )
        assert {p.id_hash[-1]: p.employment_status for p in back.objects.all()} == {
            "0": "unemployed",
            "1": "flexible",
            "2": "employed",
            "3": "exited",
        }
    finally:
        call_command("migrate", verbosity=0)
