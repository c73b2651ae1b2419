"""Status changes leave no stale results (issue 11, item 15): a person deregistered (注销)
loses the recognition and leaves the officer's lists, worklists and exports, their open pushes
expire; a person who found work keeps no reason codes."""

import datetime

import pytest

from meaningflow.assistance import discovery, services
from meaningflow.assistance.models import PushItem, Recognition, RegistryPerson, Warning
from meaningflow.assistance.reasons import recognition_label
from meaningflow.assistance.tests.helpers import csv_bytes, person_row

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2025, 6, 10)
LONG_TERM = {"birth": datetime.date(1990, 1, 1), "since": "2023-01-01", "disabled": "是"}


def _import(officer, rows):
    batch = services.registry_import(
        actor=officer, region_prefix="43", filename="r.csv", content=csv_bytes(rows), today=TODAY
    )
    assert batch.status == "applied", batch.report
    return batch


def _by_name(name: str) -> RegistryPerson:
    return next(p for p in RegistryPerson.objects.all() if p.name == name)  # names are encrypted


def _export(client) -> str:
    response = client.post("/assistance/export/", {"reason": "Monthly report to the bureau", "format": "csv"})
    return response.content.decode("utf-8-sig")


@pytest.fixture
def recognised(officer):
    _import(officer, [person_row(i, **LONG_TERM) for i in (1, 2, 3)])
    discovery.discovery_run(region_prefix="43", today=TODAY)
    assert Recognition.objects.filter(recognised=True).count() == 3
    return {name: _by_name(name) for name in ("测试1", "测试2", "测试3")}


@pytest.mark.postgres
def test_deregistered_and_employed_persons_lose_their_results(client, officer, recognised):
    gone, working, still = recognised["测试1"], recognised["测试2"], recognised["测试3"]
    Warning.objects.create(person=gone, kind="plan_overdue", reason="Plan steps overdue")
    assert PushItem.objects.filter(person=gone, status="pending").exists()
    _import(
        officer,
        [
            person_row(1, status="注销", **LONG_TERM),
            person_row(2, status="已就业", **LONG_TERM),
            person_row(3, **LONG_TERM),
        ],
    )
    # At once, by the import: the deregistered person's results go, the open pushes expire.
    assert not Recognition.objects.filter(person=gone).exists()
    assert set(PushItem.objects.filter(person=gone).values_list("status", flat=True)) == {"expired"}
    client.force_login(officer)
    listing = client.get("/assistance/").content.decode()
    assert gone.id_masked not in listing and working.id_masked in listing and still.id_masked in listing
    assert "Plan steps overdue" not in client.get("/assistance/warnings/").content.decode()
    assert gone.id_masked not in _export(client)

    summary = discovery.discovery_run(region_prefix="43", today=TODAY)
    assert summary["persons"] == 2
    employed = Recognition.objects.get(person=working)
    assert (employed.recognised, employed.reasons) == (False, [])  # the disability is no reason now
    assert set(Recognition.objects.get(person=still).reasons) == {"long_term_unemployed", "disability"}
    recognised_only = client.get("/assistance/?recognised=yes").content.decode()
    assert working.id_masked not in recognised_only and still.id_masked in recognised_only
    by_id = {line.split(",")[0]: line for line in _export(client).splitlines()[1:]}
    assert set(by_id) == {working.id_masked, still.id_masked}
    disability, long_term = recognition_label("disability"), recognition_label("long_term_unemployed")
    assert ",no," in by_id[working.id_masked] and disability not in by_id[working.id_masked]
    assert ",yes," in by_id[still.id_masked] and long_term in by_id[still.id_masked]
    assert "long_term_unemployed" not in by_id[still.id_masked]  # labels, not codes
    # The person who found work is no longer told about what recognition gave; the others are.
    assert PushItem.objects.filter(person=working, status="pending").count() == 0
    assert PushItem.objects.filter(person=working, reason_code="policy.recognition", status="expired").exists()
    assert summary["pushes_lapsed"] >= 1
    assert PushItem.objects.filter(person=still, reason_code="policy.recognition", status="pending").exists()


@pytest.mark.postgres
def test_discovery_withdraws_the_results_of_persons_no_longer_in_the_population(officer, recognised):
    """However a person left the registry (here a direct update, as a sync job might), the
    next run clears what they had."""
    gone = recognised["测试1"]
    RegistryPerson.objects.filter(pk=gone.pk).update(registration_status="deregistered")
    summary = discovery.discovery_run(region_prefix="43", today=TODAY)
    assert summary["results_withdrawn"] == 1 and summary["persons"] == 2
    assert not Recognition.objects.filter(person=gone).exists()
    assert not PushItem.objects.filter(person=gone, status__in=["pending", "sent", "viewed"]).exists()
    again = discovery.discovery_run(region_prefix="43", today=TODAY)
    assert again["results_withdrawn"] == 0


def test_an_exit_in_the_case_file_withdraws_the_results(officer, recognised):
    gone = recognised["测试1"]
    services.case_event_record(
        actor=officer, person=gone, kind="exit", occurred_on=TODAY, title="Moved to another province"
    )
    gone.refresh_from_db()
    assert gone.registration_status == "deregistered" and gone.exited_on == TODAY
    assert not Recognition.objects.filter(person=gone).exists()
    assert not PushItem.objects.filter(person=gone, status="pending").exists()
