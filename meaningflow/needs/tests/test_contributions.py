"""From a completed application to the credited CV (DG-6, CV-E2, CV-E3; issue 11 item 4):
the learner's rating comes from the learner's review, a partly completed skill
contribution is reduced once, and the person's role in the need — participant, core
organiser, the organiser who posted it — decides the CV-E3 share.

Every person here has a verified identity first: CV is bound to the verified person
(ID-2), and contributions of unverified people are only pending."""

import itertools
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from meaningflow.accounts.models import Identity
from meaningflow.accounts.services import identity_verify
from meaningflow.core.errors import error_codes
from meaningflow.ledger import selectors as ledger_selectors
from meaningflow.ledger import services as ledger_services
from meaningflow.needs import services
from meaningflow.needs.models import Application, Need
from meaningflow.reviews import services as review_services

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

_passports = itertools.count(1)


def verified(*users):
    """The users with a verified identity (the shared ``make_user`` may have given one)."""
    for user in users:
        if not Identity.objects.filter(user=user).exists():
            identity_verify(
                user=user,
                document_type="passport",
                legal_name=user.username,
                number=f"DGTEST{next(_passports):06d}",
                country="DE",
            )
    return users


def credited(user, cause: str) -> int:
    return ledger_selectors.contributions_of(user).get(cause=cause).credited


def _at_work(need, applicant, poster) -> Application:
    application = services.application_create(need=need, applicant=applicant)
    services.application_transition(application=application, action="accept", actor=poster)
    services.application_transition(application=application, action="start", actor=poster)
    return application


def _done(application, poster, *, outcome="completed", hours=None) -> Application:
    services.application_outcome_propose(application=application, actor=poster, outcome=outcome, hours=hours)
    services.application_outcome_confirm(application=application, actor=application.applicant)
    application.refresh_from_db()
    return application


# --- CV-E2: the learner's rating -----------------------------------------------------------


def test_skill_credit_waits_for_the_learners_review_and_uses_its_rating(make_need, person, alice):
    """A dumpling workshop for 10 learners, 4 hours, completed. The learner side (the
    poster) rates the teacher 2 of 5: bad, 0.3. Credited when the double-blind window
    reveals: 1.0 × 4 × 0.3 × headcount(10) 2.0 × 50 = 120 (the status "completed" used to
    give "good", 400, at once)."""
    verified(alice, person)
    need = make_need(type="skill", impact_people=10)
    application = _done(_at_work(need, person, alice), alice, hours=4)
    assert application.contribution_id is None
    assert not ledger_selectors.contributions_of(person).exists()

    services.review_write(application=application, author=alice, rating=2)
    assert not ledger_selectors.contributions_of(person).exists()  # the window is still blind
    services.review_write(application=application, author=person, rating=5)

    application.refresh_from_db()
    assert application.status == Application.Status.REVIEWED
    contribution = ledger_selectors.contributions_of(person).get()
    assert contribution.pk == application.contribution_id
    assert contribution.inputs["learner_rating"] == "bad"
    assert contribution.inputs["hours"] == "4.0"
    assert contribution.credited == 120
    assert contribution.occurred_on == timezone.localdate(application.confirmed_at)


def test_skill_credit_without_a_review_is_neutral_once_the_window_closes(make_need, person, alice):
    """Nobody reviews: nothing is credited while the window is open; once it closed the
    learner's rating is neutral (0.7), as a host's is without the guest's review:
    1.0 × 4 × 0.7 × 2.0 × 50 = 280."""
    verified(alice, person)
    need = make_need(type="training", impact_people=10)
    _done(_at_work(need, person, alice), alice, hours=4)
    later = timezone.now() + timedelta(days=13)
    assert services.applications_mark_reviewed(now=later) == 0
    assert not ledger_selectors.contributions_of(person).exists()

    closed = timezone.now() + timedelta(days=15)
    review_services.review_windows_close_due(now=closed)
    assert services.applications_mark_reviewed(now=closed) == 1
    assert services.applications_mark_reviewed(now=closed) == 0  # idempotent
    contribution = ledger_selectors.contributions_of(person).get()
    assert contribution.inputs["learner_rating"] == "neutral"
    assert contribution.credited == 280


def test_partly_completed_skill_is_reduced_once(make_need, make_user, person, alice):
    """Partly completed with 10 hours actually given and a good review (5): the hours given
    are the reduction, 1.0 × 10 × 1.0 × 1.0 × 50 = 500 (it used to be 6 hours × neutral
    0.7 = 210). Without stated hours, the 10 planned hours are reduced by the ledger's
    partial factor 0.6 and the rating still comes from the review: 6 × 1.0 × 50 = 300."""
    other = make_user("dora")
    verified(alice, person, other)
    need = make_need(type="skill", places=2, total_hours=10)
    stated = _done(_at_work(need, person, alice), alice, outcome="partly_completed", hours=10)
    planned = _done(_at_work(need, other, alice), alice, outcome="partly_completed")
    for application in (stated, planned):
        services.review_write(application=application, author=alice, rating=5)
        services.review_write(application=application, author=application.applicant, rating=4)

    first = ledger_selectors.contributions_of(person).get()
    assert (first.inputs["hours"], first.inputs["learner_rating"], first.credited) == ("10.0", "good", 500)
    second = ledger_selectors.contributions_of(other).get()
    assert (second.inputs["hours"], second.inputs["learner_rating"], second.credited) == ("6.0", "good", 300)


# --- CV-E3: roles -----------------------------------------------------------------------------


def test_core_organiser_and_the_organiser_earn_their_share(make_need, make_user, person, alice):
    """A community service for 120 people (impact 1.5), two places. The poster names Bob
    core organiser (0.3): 500 × 0.3 × 1.5 × 1.0 = 225; Dora participates (0.1): 75. When
    both have completed, nobody can join (filled) and the need is done: Alice, who posted
    and organised it, earns the core organiser's share, 225."""
    dora = make_user("dora")
    verified(alice, person, dora)
    need = make_need(type="community_service", impact_people=120, places=2)
    core = _at_work(need, person, alice)
    helper = _at_work(need, dora, alice)
    services.application_role_set(application=core, actor=alice, role="core_organiser")

    _done(core, alice)
    need.refresh_from_db()
    assert need.completed_at is None  # Dora is still at work
    assert not ledger_selectors.contributions_of(alice).exists()
    _done(helper, alice)

    assert credited(person, core.subject) == 225
    assert credited(dora, helper.subject) == 75
    need.refresh_from_db()
    assert need.status == Need.Status.FILLED
    assert need.completion == Need.Completion.FULL and need.completed_at is not None
    organiser = ledger_selectors.contributions_of(alice).get()
    assert organiser.pk == need.organiser_contribution_id and organiser.cause == need.subject
    assert organiser.inputs["role"] == "core_organiser"
    assert organiser.credited == 225


def test_the_organiser_waits_until_nobody_can_join_and_partial_work_counts_partly(make_need, make_user, person, alice):
    """Two of three places taken, one completed and one partly: while a place is open the
    need is not done. Closing it completes it: partial (0.6), no impact bonus:
    2000 (medium project) × 0.3 × 1.0 × 0.6 = 360 for the organiser."""
    dora = make_user("dora")
    verified(alice, person, dora)
    need = make_need(type="project", places=3)
    _done(_at_work(need, person, alice), alice)
    _done(_at_work(need, dora, alice), alice, outcome="partly_completed")
    need.refresh_from_db()
    assert need.status == Need.Status.PUBLISHED and need.completed_at is None

    services.need_transition(need=need, action="close", actor=alice)

    need.refresh_from_db()
    assert need.completion == Need.Completion.PARTIAL
    assert credited(alice, need.subject) == 360


def test_nothing_for_the_organiser_when_nobody_completed(make_need, person, alice):
    verified(alice, person)
    need = make_need(type="community_service", places=1)
    _done(_at_work(need, person, alice), alice, outcome="not_completed")
    need.refresh_from_db()
    assert need.completion == Need.Completion.NONE and need.organiser_contribution_id is None
    assert not ledger_selectors.contributions_of(alice).exists()
    assert not ledger_selectors.contributions_of(person).exists()


def test_only_the_poster_sets_a_role_and_only_while_it_can_count(make_need, make_user, person, alice, charlie):
    verified(alice, person)
    need = make_need(type="community_service")
    application = _at_work(need, person, alice)
    for outsider in (person, charlie):
        with pytest.raises(PermissionDenied) as refused:
            services.application_role_set(application=application, actor=outsider, role="core_organiser")
        assert error_codes(refused.value) == ["need.not_manager"]
    with pytest.raises(ValidationError) as unknown:
        services.application_role_set(application=application, actor=alice, role="boss")
    assert error_codes(unknown.value) == ["application.role_unknown"]
    _done(application, alice)
    with pytest.raises(ValidationError) as fixed:
        services.application_role_set(application=application, actor=alice, role="core_organiser")
    assert error_codes(fixed.value) == ["application.role_fixed"]
    application.refresh_from_db()
    assert application.role == Application.Role.PARTICIPANT
    assert ledger_selectors.contributions_of(person).get().inputs["role"] == "participant"

    skill = make_need(type="skill", title_en="Teach dumplings")
    teaching = _at_work(skill, make_user("eve"), alice)
    with pytest.raises(ValidationError) as skill_role:
        services.application_role_set(application=teaching, actor=alice, role="core_organiser")
    assert error_codes(skill_role.value) == ["application.role_not_applicable"]


def test_the_poster_sets_the_role_on_the_application_page(client, make_need, person, alice):
    """The role is chosen on the page and shown with its translated label, never its code."""
    verified(alice, person)
    application = _at_work(make_need(type="community_service"), person, alice)
    url = f"/needs/applications/{application.pk}/"
    client.force_login(alice)
    page = client.get(url).content.decode()
    assert 'name="role"' in page and "Set the role" in page
    client.post(f"{url}action/", {"action": "role", "role": "core_organiser"})
    application.refresh_from_db()
    assert application.role == Application.Role.CORE_ORGANISER

    client.force_login(person)
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "核心组织者" in page and "core_organiser" not in page
    assert 'name="role"' not in page  # the applicant does not choose it


def test_the_role_through_the_api(client, make_need, person, alice):
    verified(alice, person)
    application = _at_work(make_need(type="community_service"), person, alice)
    url = f"/api/v1/needs/applications/{application.pk}/role"
    client.force_login(person)
    refused = client.post(url, {"role": "core_organiser"}, content_type="application/json")
    assert refused.status_code == 403 and refused.json()["code"] == "need.not_manager"
    client.force_login(alice)
    bad = client.post(url, {"role": "boss"}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["code"] == "application.role_unknown"
    done = client.post(url, {"role": "core_organiser"}, content_type="application/json")
    assert done.status_code == 200 and done.json()["role"] == "core_organiser"
    assert client.get(f"/api/v1/needs/{application.need_id}").json()["completion"] == ""


def test_a_skill_contribution_recorded_at_confirmation_before_this_change_is_not_recorded_again(
    make_need, person, alice
):
    """Applications confirmed before credit waited for the review already carry their
    contribution: settling them marks them reviewed and records nothing twice."""
    verified(alice, person)
    application = _done(_at_work(make_need(type="skill"), person, alice), alice, hours=2)
    earlier = ledger_services.contribution_record(
        beneficiary=person,
        kind="skill",
        inputs={"hours": "2.0", "learners": 1, "learner_rating": "good"},
        idempotency_key=f"{application.subject}:contribution",
        cause=application.subject,
    )
    Application.objects.filter(pk=application.pk).update(contribution_id=earlier.pk)
    services.review_write(application=application, author=alice, rating=1)
    services.review_write(application=application, author=person, rating=5)
    application.refresh_from_db()
    assert application.status == Application.Status.REVIEWED
    assert list(ledger_selectors.contributions_of(person)) == [earlier]
