"""Opportunity sources: registered by the apps that own them, read in order, failing loudly."""

import datetime

import pytest
from django.utils import timezone

from meaningflow.accounts import services as accounts_services
from meaningflow.assistance import discovery, services
from meaningflow.assistance.models import PushItem, RegistryPerson
from meaningflow.assistance.opportunities import UnknownReasonCode, opportunities_for
from meaningflow.assistance.tests.helpers import csv_bytes, person_row
from meaningflow.core.models import JobRun
from meaningflow.core.registry import opportunity_sources
from meaningflow.needs import services as needs_services
from meaningflow.places.models import Division
from meaningflow.resources.reference import reference_ensure
from meaningflow.resources.tests.factories import room

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2025, 6, 10)


@pytest.fixture
def extra_source():
    """Register a test source for one test, then take it out again."""
    registered = []

    def register(source):
        opportunity_sources.register("test", source)
        registered.append("test")

    yield register
    for name in registered:
        opportunity_sources.unregister(name)


def _need(alice):
    changsha = Division.objects.get(code="430100")
    school = accounts_services.organisation_create(creator=alice, name="长沙一中", type="school", division=changsha)
    start = timezone.now() + datetime.timedelta(days=7)
    return needs_services.need_create(
        actor=alice,
        organisation=school,
        publish=True,
        type="cultural",
        title="包饺子文化体验",
        description="和社区老人一起包饺子。",
        language="zh",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=4),
        places=2,
        hours_per_week=4,
        reward="cv",
        division=changsha,
    )


def _registry(officer, rows):
    batch = services.registry_import(
        actor=officer, region_prefix="43", filename="r.csv", content=csv_bytes(rows), today=TODAY
    )
    assert batch.status == "applied", batch.report


def test_needs_and_resources_register_their_sources_in_app_order():
    assert opportunity_sources.names()[:2] == ["needs", "resources"]


def test_discovery_offers_opportunities_of_both_registered_sources(officer, alice):
    reference_ensure()
    need = _need(alice)
    studio = room(alice, type="workspace", title_zh="芙蓉区共享工作室", title_en="Furong shared studio")
    assert {o.ref: o.reason_code for o in opportunities_for("43")} == {
        f"needs.need:{need.pk}": "opportunity.need",
        f"resources.resource:{studio.pk}": "opportunity.resource",
        # The school is not verified: no organisation opportunity.
    }
    _registry(officer, [person_row(1, needs="就业;创业")])
    discovery.discovery_run(region_prefix="43", today=TODAY)
    person = RegistryPerson.objects.get()
    assert set(
        PushItem.objects.filter(person=person, kind="opportunity").values_list("opportunity_ref", flat=True)
    ) == {
        f"needs.need:{need.pk}",
        f"resources.resource:{studio.pk}",
    }


def test_an_unknown_reason_code_is_refused(extra_source):
    extra_source(
        lambda *, region_prefix, limit: [
            {"ref": "test.thing:1", "title": "x", "region_code": "430102", "reason_code": "policy.recognition"}
        ]
    )
    with pytest.raises(UnknownReasonCode, match="'test'"):
        opportunities_for("43")


def test_a_known_opportunity_reason_code_from_another_source_is_kept(extra_source):
    extra_source(
        lambda *, region_prefix, limit: [
            {"ref": "test.thing:1", "title": "x", "region_code": "430102", "reason_code": "opportunity.resource"}
        ]
    )
    assert [o.ref for o in opportunities_for("43")] == ["test.thing:1"]


def test_a_failing_source_fails_the_discovery_run_and_its_job_run(officer, extra_source):
    def broken(*, region_prefix, limit):
        raise RuntimeError("source is broken")

    extra_source(broken)
    _registry(officer, [person_row(1, needs="就业")])
    with pytest.raises(RuntimeError, match="source is broken"):
        discovery.discovery_run(region_prefix="43", today=TODAY)
    run = JobRun.objects.get(job="assistance.discovery")
    assert run.status == JobRun.Status.FAILED and "source is broken" in run.error
    assert not PushItem.objects.exists()
