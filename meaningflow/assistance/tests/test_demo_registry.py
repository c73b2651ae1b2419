"""The demo registry uses the registry fields of issue 11 (items 6, 7, 9)."""

import io

import pytest
from django.core.management import call_command

from meaningflow.assistance.models import RegistryPerson


@pytest.mark.django_db
def test_the_demo_registry_has_flexible_workers_cadres_and_a_graduate():
    call_command("load_demo", stdout=io.StringIO())
    persons = RegistryPerson.objects.all()
    assert persons.count() == 60
    assert persons.filter(registration_status="registered", work_form="flexible").exists()
    assert persons.filter(occupation_category="cadre").exists()
    assert persons.filter(graduation_date__isnull=False).count() == 1
