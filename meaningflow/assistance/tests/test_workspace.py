"""Officer workspace: region scoping (PR-3), masking and audited reveals/exports (PR-2)."""

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.test import TestCase
from django.utils import translation

from meaningflow.accounts.privacy import consent_set
from meaningflow.accounts.services import identity_verify
from meaningflow.assistance import discovery, early_warnings, selectors, services
from meaningflow.assistance.models import PushItem, RegistryPerson, Warning
from meaningflow.assistance.providers import ConsoleProvider
from meaningflow.assistance.reasons import push_title
from meaningflow.assistance.tests.helpers import csv_bytes, person_row
from meaningflow.core.errors import error_codes
from meaningflow.core.models import AuditEvent, Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry(officer):
    rows = [person_row(i, birth=datetime.date(1980, 1, 1), since="2023-01-01", phone="13900001111") for i in range(3)]
    services.registry_import(actor=officer, region_prefix="43", filename="r.csv", content=csv_bytes(rows))
    discovery.discovery_run(region_prefix="43")
    return RegistryPerson.objects.order_by("pk")


@pytest.mark.postgres
def test_officer_of_another_region_sees_nothing(client, registry, officer_beijing):
    client.force_login(officer_beijing)
    person = registry[0]
    assert client.get("/assistance/").status_code == 200
    assert person.id_masked not in client.get("/assistance/").content.decode()
    assert client.get(f"/assistance/persons/{person.pk}/").status_code == 404
    assert client.post(f"/assistance/persons/{person.pk}/reveal/", {"reason": "curiosity"}).status_code == 404
    push = PushItem.objects.filter(person=person).first()
    assert client.post(f"/assistance/pushes/{push.pk}/send/").status_code == 404
    assert not AuditEvent.objects.filter(action="assistance.person.revealed").exists()


@pytest.mark.postgres
def test_non_officer_gets_403(client, registry, alice):
    client.force_login(alice)
    assert client.get("/assistance/").status_code == 403
    assert client.get(f"/assistance/persons/{registry[0].pk}/").status_code == 403
    assert client.get("/assistance/export/").status_code == 403


@pytest.mark.postgres
def test_masked_by_default_and_reveal_is_audited(client, registry, officer):
    client.force_login(officer)
    person = registry[0]
    page = client.get(f"/assistance/persons/{person.pk}/").content.decode()
    assert person.id_masked in page and person.id_number not in page and person.name not in page
    assert "employment_difficulty_person" in page  # the trace
    response = client.post(f"/assistance/persons/{person.pk}/reveal/", {"reason": "x"})
    assert person.id_number not in response.content.decode()
    response = client.post(f"/assistance/persons/{person.pk}/reveal/", {"reason": "Home visit tomorrow"})
    assert person.id_number in response.content.decode()
    event = AuditEvent.objects.get(action="assistance.person.revealed")
    assert (event.actor, event.reason, event.subject) == (
        officer,
        "Home visit tomorrow",
        f"assistance.registryperson:{person.pk}",
    )


@pytest.mark.postgres
def test_exports_are_audited_and_masked(client, registry, officer):
    client.force_login(officer)
    assert client.post("/assistance/export/", {"reason": "", "format": "csv"}).status_code == 200  # form again
    response = client.post("/assistance/export/", {"reason": "Monthly report to the bureau", "format": "csv"})
    assert response["Content-Disposition"].endswith('.csv"')
    body = response.content.decode("utf-8-sig")
    assert registry[0].id_masked in body and registry[0].id_number not in body
    response = client.post("/assistance/export/", {"reason": "Monthly report to the bureau", "format": "xlsx"})
    assert response.content[:2] == b"PK"
    assert AuditEvent.objects.filter(action="assistance.registry.exported", actor=officer).count() == 2


def test_push_send_in_app_and_sms_and_response(client, registry, officer, make_user, settings):
    person = registry[0]
    user = make_user("registered", verified=False)
    identity_verify(user=user, document_type="cn_resident_id", legal_name="测试0", number=person.id_number)
    # PR-1: only a person who agreed to government data sharing is linked to the registry.
    services.registry_link_users(region_prefix="43")
    assert not PushItem.objects.filter(person__user=user).exists()
    consent_set(user=user, purpose="government_sharing", granted=True)  # links at once
    assert RegistryPerson.objects.get(pk=person.pk).user == user
    push = PushItem.objects.filter(person=person, status="pending").first()
    ConsoleProvider.outbox.clear()
    client.force_login(officer)
    with TestCase.captureOnCommitCallbacks(execute=True):  # the SMS goes out on commit
        client.post(f"/assistance/pushes/{push.pk}/send/")
    push.refresh_from_db()
    assert push.status == "sent" and push.channels == ["in_app", "sms"]
    assert Notification.objects.filter(recipient=user, kind="assistance.push").exists()
    assert ConsoleProvider.outbox[-1]["to"] == "13900001111"
    sms_audit = AuditEvent.objects.get(action="assistance.push.sms_sent")
    assert "13900001111" not in str(sms_audit.data)
    client.force_login(user)
    assert push_title(push.reason_code) in client.get("/assistance/me/").content.decode()
    push.refresh_from_db()
    assert push.status == "viewed"
    client.post(f"/assistance/me/pushes/{push.pk}/respond/", {"response": "accepted"})
    push.refresh_from_db()
    assert push.status == "accepted" and push.responded_at


def test_profile_edit_by_officer_and_by_person(client, registry, officer, make_user, alice):
    person = registry[0]
    client.force_login(officer)
    response = client.post(
        f"/assistance/persons/{person.pk}/profile/",
        {"intentions": ["job"], "service_needs": ["training"], "region_preference": "430100"},
    )
    assert response.status_code == 302
    person.profile.refresh_from_db()
    assert person.profile.service_needs == ["training"]
    client.force_login(alice)
    assert client.get(f"/assistance/me/profile/{person.pk}/").status_code == 404


def test_discovery_button_and_warnings_worklist(client, registry, officer):
    client.force_login(officer)
    response = client.post("/assistance/discover/", {"region": "43"}, follow=True)
    assert "Discovery finished" in response.content.decode()
    person = registry[0]
    plan = services.plan_set(actor=officer, person=person, goals="Find a job in catering")
    services.plan_step_add(actor=officer, plan=plan, title="CV workshop", due_on=datetime.date(2020, 1, 1))
    for month, amount in ((1, 3000), (2, 2500), (3, 2000), (4, 1500)):
        services.income_record(person=person, month=datetime.date(2026, month, 1), amount=amount)
    call_command("assistance_warnings", "--region", "43", stdout=io.StringIO(), stderr=io.StringIO())
    kinds = set(Warning.objects.filter(person=person).values_list("kind", flat=True))
    assert {"plan_overdue", "income_falling"} <= kinds
    early_warnings.warnings_detect(region_prefix="43")  # idempotent
    assert Warning.objects.filter(person=person, kind="plan_overdue").count() == 1
    page = client.get("/assistance/warnings/").content.decode()
    assert "Plan steps overdue" in page
    warning = Warning.objects.get(person=person, kind="plan_overdue")
    client.post(f"/assistance/warnings/{warning.pk}/resolve/", {"resolution": "Step rescheduled"})
    warning.refresh_from_db()
    assert warning.resolved_at is not None


def test_case_file_timeline_and_stable_employment(client, registry, officer):
    person = registry[0]
    services.case_event_record(
        actor=officer,
        person=person,
        kind="employed",
        occurred_on=datetime.date(2025, 1, 1),
        title="Hired as a cook",
    )
    assert selectors.stable_employment_since(person=person, today=datetime.date(2025, 7, 1), months=6)
    assert selectors.stable_employment_since(person=person, today=datetime.date(2025, 6, 30), months=6) is None
    kinds = [item["kind"] for item in selectors.timeline(person=person)]
    assert "registered" in kinds and "employed" in kinds
    client.force_login(officer)
    page = client.get(f"/assistance/persons/{person.pk}/").content.decode()
    assert "<strong>Started employment</strong>: Hired as a cook" in page
    assert "<strong>Registered</strong>: Registered as unemployed since" in page
    with translation.override("zh-hans"):
        labels = {item["kind"]: str(item["kind_label"]) for item in selectors.timeline(person=person)}
        assert labels["employed"] == "开始就业"


def test_service_errors_carry_codes(registry, officer, officer_beijing):
    person = registry[0]
    with pytest.raises(PermissionDenied) as denied:
        services.person_reveal(actor=officer_beijing, person=person, reason="a good reason")
    assert error_codes(denied.value) == ["registry_person.outside_region"]
    with pytest.raises(ValidationError) as invalid:
        services.person_reveal(actor=officer, person=person, reason="why")
    assert error_codes(invalid.value) == ["reveal.reason_too_short"]
    with pytest.raises(ValidationError) as invalid:
        services.plan_set(actor=officer, person=person, goals=" ")
    assert error_codes(invalid.value) == ["plan.goals_blank"]
    push = PushItem.objects.filter(person=person).first()
    with pytest.raises(ValidationError) as invalid:
        services.push_send(actor=officer, push=push, channels=())
    assert error_codes(invalid.value) == ["push.no_channel"]
