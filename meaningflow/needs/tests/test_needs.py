"""Posting needs (DG-1, DG-7): validation, state machine, expiry, permissions."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from meaningflow.accounts.models import Membership
from meaningflow.core.errors import error_codes
from meaningflow.core.models import AuditEvent
from meaningflow.needs import services
from meaningflow.needs.models import Need, NeedSkill
from meaningflow.needs.tests.conftest import need_kwargs

pytestmark = pytest.mark.django_db


def test_member_posts_a_public_need_with_every_field(make_need):
    need = make_need(
        type="community_service",
        is_public_need=True,
        public_category="community_service",
        subsidy_note="社区服务补贴 20 元/小时",
        source="government",
        reward="stipend",
        money_amount=200,
        money_currency="cny",
        cv_threshold=0,
        working_languages=["zh"],
        interests=["cooking"],
        application_deadline=timezone.now() + timedelta(days=3),
        total_hours=8,
    )
    assert need.status == Need.Status.PUBLISHED and need.published_at
    assert need.region_code == "430100" and need.country_code == "CN" and need.latitude
    assert need.money_currency == "CNY"
    assert list(need.skills.values_list("skill__code", "level")) == [("food.dumplings", 2)]
    assert AuditEvent.objects.filter(action="needs.need.published", subject=need.subject).exists()


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"ends_at": timezone.now()}, "ends_at", "need.ends_before_start"),
        ({"places": -1}, "places", "need.no_places"),
        ({"places": 0}, "places", "need.no_places"),
        ({"skills": [("no.such_skill", 2)]}, "skills", "need.skill_unknown"),
        ({"skills": [("food.dumplings", 9)]}, "skills", "need.skill_level_invalid"),
        ({"description": "长" * 10_001}, "description", "need.description_too_long"),
        ({"title": "t" * 201}, "title", "max_length"),
        ({"is_public_need": True}, "public_category", "need.public_category_missing"),
        ({"money_amount": -5, "money_currency": "CNY"}, "money_amount", "need.money_negative"),
        ({"division": None, "is_remote": False}, "division", "need.no_place"),
        ({"working_languages": ["xx"]}, "working_languages", "need.language_unknown"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_saved(make_need, overrides, field, code):
    with pytest.raises(ValidationError) as excinfo:
        make_need(**overrides)
    assert field in excinfo.value.message_dict
    assert code in error_codes(excinfo.value)
    assert not Need.objects.exists() and not NeedSkill.objects.exists()


@pytest.mark.postgres
def test_database_refuses_end_before_start_and_overfilling(make_need):
    need = make_need()
    with pytest.raises(IntegrityError), transaction.atomic():
        Need.objects.filter(pk=need.pk).update(ends_at=need.starts_at - timedelta(hours=1))
    with pytest.raises(IntegrityError), transaction.atomic():
        Need.objects.filter(pk=need.pk).update(filled_places=need.places + 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Need.objects.filter(pk=need.pk).update(places=0)


@pytest.mark.postgres
def test_only_the_posting_organisation_manages(make_need, organisation, charlie, bob):
    need = make_need(publish=False)
    with pytest.raises(PermissionDenied) as publish:
        services.need_transition(need=need, action="publish", actor=charlie)
    assert error_codes(publish.value) == ["need.not_manager"]
    with pytest.raises(PermissionDenied) as create:
        services.need_create(actor=charlie, organisation=organisation, **need_kwargs())
    assert error_codes(create.value) == ["need.not_member"]
    with pytest.raises(PermissionDenied) as update:
        services.need_update(actor=charlie, need=need, title="hijacked")
    assert error_codes(update.value) == ["need.not_manager"]
    # A pending member does not manage either; an active plain member does.
    Membership.objects.create(organisation=organisation, user=bob, status=Membership.Status.PENDING)
    with pytest.raises(PermissionDenied) as pending:
        services.need_update(actor=bob, need=need, title="not yet")
    assert error_codes(pending.value) == ["need.not_manager"]
    Membership.objects.filter(user=bob).update(status=Membership.Status.ACTIVE)
    services.need_update(actor=bob, need=need, title="社区包饺子")
    need.refresh_from_db()
    assert need.title == "社区包饺子" and need.status == Need.Status.DRAFT


def test_state_machine_refuses_illegal_moves(make_need, alice):
    need = make_need(publish=False)
    with pytest.raises(ValidationError) as fill:
        services.need_transition(need=need, action="fill", actor=alice)
    assert error_codes(fill.value) == ["need.transition_not_allowed"]
    need = services.need_transition(need=need, action="publish", actor=alice)
    with pytest.raises(ValidationError) as publish:
        services.need_transition(need=need, action="publish", actor=alice)
    assert error_codes(publish.value) == ["need.transition_not_allowed"]
    need = services.need_transition(need=need, action="close", actor=alice)
    assert need.status == Need.Status.CLOSED
    with pytest.raises(ValidationError) as reopen:
        services.need_transition(need=need, action="reopen", actor=alice)
    assert error_codes(reopen.value) == ["need.transition_not_allowed"]
    with pytest.raises(ValidationError) as unknown:
        services.need_transition(need=need, action="teleport", actor=alice)
    assert error_codes(unknown.value) == ["transition.unknown_action"]


def test_expiry_job_expires_ended_needs_and_late_applications(make_need, person):
    need = make_need()
    late = make_need(title="英语角", application_deadline=timezone.now() + timedelta(days=1))
    app = services.application_create(need=late, applicant=person, message="hi")
    Need.objects.filter(pk=need.pk).update(
        ends_at=timezone.now() - timedelta(minutes=1), starts_at=timezone.now() - timedelta(hours=2)
    )
    Need.objects.filter(pk=late.pk).update(application_deadline=timezone.now() - timedelta(minutes=1))
    call_command("needs_expire")
    need.refresh_from_db()
    app.refresh_from_db()
    assert need.status == Need.Status.EXPIRED
    assert app.status == "expired"
    call_command("needs_expire")  # idempotent


def test_need_pages_respect_permissions(client, make_need, alice, charlie):
    draft = make_need(publish=False)
    published = make_need(title="社区老人智能手机教学")
    assert client.get(f"/needs/{published.pk}/").status_code == 200
    assert client.get(f"/needs/{draft.pk}/").status_code == 404
    client.force_login(charlie)
    assert client.get(f"/needs/{draft.pk}/").status_code == 404
    assert client.get(f"/needs/{published.pk}/edit/").status_code == 403
    assert client.get(f"/needs/{published.pk}/applications/").status_code == 403
    client.force_login(alice)
    assert client.get(f"/needs/{draft.pk}/").status_code == 200
    assert client.get(f"/needs/{published.pk}/applications/").status_code == 200


def test_create_page_shows_errors_and_saves_nothing(client, alice, organisation):
    client.force_login(alice)
    assert client.get("/needs/new/").status_code == 200
    response = client.post(
        "/needs/new/",
        {
            "organisation": organisation.pk,
            "type": "skill",
            "language": "en",
            "title": "Repair café",
            "description": "Fix things together.",
            "is_remote": "on",
            "starts_at": "2030-05-02T10:00",
            "ends_at": "2030-05-01T10:00",
            "places": "-3",
            "reward": "cv",
            "source": "community",
            "allocation": "selection",
            "cv_threshold": "0",
            "impact_people": "0",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors.as_data()["ends_at"][0].code == "need.ends_before_start"
    assert not Need.objects.exists()
    response = client.post(
        "/needs/new/",
        {
            "organisation": organisation.pk,
            "type": "skill",
            "language": "en",
            "title": "Repair café",
            "description": "Fix things together.",
            "is_remote": "on",
            "starts_at": "2030-05-01T10:00",
            "ends_at": "2030-05-01T14:00",
            "places": "3",
            "reward": "cv",
            "source": "community",
            "allocation": "selection",
            "cv_threshold": "0",
            "impact_people": "0",
            "publish": "on",
            "skill_1": "environment.repair_cafe",
            "level_1": "2",
        },
    )
    assert response.status_code == 302
    need = Need.objects.get()
    assert need.status == "published" and need.skills.count() == 1


@pytest.mark.postgres
def test_api_crud_and_permissions(client, alice, charlie, organisation):
    start = timezone.now() + timedelta(days=3)
    body = {
        "organisation_id": organisation.pk,
        "type": "training",
        "language": "en",
        "title": "English corner",
        "description": "Chat in English with pupils.",
        "division_code": "430100",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=2)).isoformat(),
        "places": 3,
        "skills": [{"code": "languages.english_conversation", "level": 3}],
        "publish": True,
    }
    client.force_login(charlie)
    outsider = client.post("/api/v1/needs/", body, content_type="application/json")
    assert outsider.status_code == 403 and outsider.json()["code"] == "need.not_member"
    client.force_login(alice)
    bad = client.post("/api/v1/needs/", {**body, "places": -1}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["code"] == "need.no_places"
    assert [(e["field"], e["code"]) for e in bad.json()["errors"]] == [("places", "need.no_places")]
    unknown = client.post(
        "/api/v1/needs/", {**body, "skills": [{"code": "x.y", "level": 1}]}, content_type="application/json"
    )
    assert unknown.status_code == 400 and unknown.json()["code"] == "need.skill_unknown"
    nowhere = client.post("/api/v1/needs/", {**body, "division_code": "999999"}, content_type="application/json")
    assert nowhere.status_code == 400 and nowhere.json()["code"] == "need.region_unknown"
    huge = client.post("/api/v1/needs/", {**body, "description": "x" * 10_001}, content_type="application/json")
    assert huge.status_code == 422
    assert not Need.objects.exists()
    created = client.post("/api/v1/needs/", body, content_type="application/json")
    assert created.status_code == 201, created.content
    need_id = created.json()["id"]
    patched = client.patch(
        f"/api/v1/needs/{need_id}", {"title": "English corner at No. 1 school"}, content_type="application/json"
    )
    assert patched.status_code == 200 and patched.json()["title"] == "English corner at No. 1 school"
    client.force_login(charlie)
    hijack = client.patch(f"/api/v1/needs/{need_id}", {"title": "x"}, content_type="application/json")
    assert hijack.status_code == 403 and hijack.json()["code"] == "need.not_manager"
    assert client.get(f"/api/v1/needs/{need_id}/applications").json()["code"] == "need.not_manager"
    client.logout()
    assert client.get(f"/api/v1/needs/{need_id}").status_code == 200
    assert client.get("/api/v1/needs/weights").json()["weights"]["skills"] == 0.3
