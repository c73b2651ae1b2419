"""An officer resolving a warning is sent back only to a page of this site (issue 12, item
10: ``next=https://evil.example`` on ``/assistance/warnings/<id>/resolve/`` was followed)."""

import datetime

import pytest

from meaningflow.assistance import services
from meaningflow.assistance.models import RegistryPerson, Warning
from meaningflow.assistance.tests.helpers import csv_bytes, person_row

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


@pytest.fixture
def warning(officer):
    rows = [person_row(1, birth=datetime.date(1980, 1, 1))]
    services.registry_import(actor=officer, region_prefix="43", filename="r.csv", content=csv_bytes(rows))
    person = RegistryPerson.objects.get()
    return Warning.objects.create(person=person, kind=Warning.Kind.PLAN_OVERDUE, reason="Steps overdue")


@pytest.mark.parametrize("target", ["https://evil.example/phish", "//evil.example/", "https:evil.example"])
def test_resolving_a_warning_never_redirects_off_site(client, officer, warning, target):
    client.force_login(officer)
    response = client.post(f"/assistance/warnings/{warning.pk}/resolve/", {"resolution": "Called", "next": target})
    assert response.status_code == 302
    assert response["Location"] == "/assistance/warnings/"


def test_a_next_on_this_site_is_followed(client, officer, warning):
    client.force_login(officer)
    response = client.post(
        f"/assistance/warnings/{warning.pk}/resolve/", {"resolution": "Called", "next": "/assistance/?region=43"}
    )
    assert response["Location"] == "/assistance/?region=43"
