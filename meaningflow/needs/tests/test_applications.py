"""Applications (DG-4…6): the state machine, places, CV threshold, bids, lottery,
completion into the ledger and reviews."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from meaningflow.core.errors import error_codes
from meaningflow.ledger import selectors as ledger_selectors
from meaningflow.ledger import services as ledger_services
from meaningflow.needs import allocation, services
from meaningflow.needs.models import Application, Bid, LotteryDraw, Need
from meaningflow.reviews import selectors as review_selectors

pytestmark = pytest.mark.django_db


def mint(user, amount_hint=2000):
    """Give ``user`` some CV through the ledger (a recorded project contribution)."""
    return ledger_services.contribution_record(
        beneficiary=user,
        kind="project",
        idempotency_key=f"test:{user.pk}:{amount_hint}",
        inputs={
            "project_type": "medium_project",
            "role": "core_organiser",
            "people_reached": 200,
            "completion": "full",
        },
    )


@pytest.mark.postgres
def test_apply_accept_and_double_apply(make_need, person, alice):
    need = make_need()
    application = services.application_create(need=need, applicant=person, message="我会包饺子")
    assert application.thread_id
    with pytest.raises(ValidationError) as twice:
        services.application_create(need=need, applicant=person, message="again")
    assert error_codes(twice.value) == ["application.duplicate"]
    assert Application.objects.count() == 1
    with pytest.raises(PermissionDenied) as own:
        services.application_create(need=need, applicant=alice, message="own need")
    assert error_codes(own.value) == ["application.own_organisation"]
    with pytest.raises(ValidationError) as long_message:
        services.application_create(need=need, applicant=person, message="x" * 2001)
    assert error_codes(long_message.value) == ["application.message_too_long"]
    services.application_transition(application=application, action="shortlist", actor=alice)
    services.application_transition(application=application, action="accept", actor=alice)
    need.refresh_from_db()
    assert need.filled_places == 1
    with pytest.raises(ValidationError) as again:
        services.application_transition(application=application, action="accept", actor=alice)
    assert error_codes(again.value) == ["application.transition_not_allowed"]


@pytest.mark.postgres
def test_accept_beyond_capacity_is_refused(make_need, make_user, alice):
    need = make_need(places=1)
    first = services.application_create(need=need, applicant=make_user("p1"), message="")
    second = services.application_create(need=need, applicant=make_user("p2"), message="")
    services.application_transition(application=first, action="accept", actor=alice)
    need.refresh_from_db()
    assert need.status == Need.Status.FILLED
    with pytest.raises(ValidationError) as full:
        services.application_transition(application=second, action="accept", actor=alice)
    assert error_codes(full.value) == ["need.full"]
    second.refresh_from_db()
    need.refresh_from_db()
    assert second.status == "applied" and need.filled_places == 1
    # Withdrawing frees the place and reopens the need.
    services.application_transition(application=first, action="withdraw", actor=first.applicant)
    need.refresh_from_db()
    assert need.filled_places == 0 and need.status == Need.Status.PUBLISHED


@pytest.mark.postgres
def test_only_the_right_side_moves_an_application(make_need, person, alice, charlie):
    need = make_need()
    application = services.application_create(need=need, applicant=person, message="")
    refusals = [
        ("accept", charlie, "application.not_poster"),
        ("accept", person, "application.not_poster"),
        ("withdraw", alice, "application.not_applicant"),
        ("expire", alice, "application.system_only"),
    ]
    for action, actor, code in refusals:
        with pytest.raises(PermissionDenied) as refused:
            services.application_transition(application=application, action=action, actor=actor)
        assert error_codes(refused.value) == [code]


@pytest.mark.postgres
def test_applicants_see_only_their_own(client, make_need, person, charlie, alice):
    need = make_need()
    application = services.application_create(need=need, applicant=person, message="secret")
    client.force_login(charlie)
    assert client.get(f"/needs/applications/{application.pk}/").status_code == 404
    assert client.get(f"/api/v1/needs/applications/{application.pk}").status_code == 404
    assert client.get(f"/conversations/{application.thread_id}/").status_code == 404
    assert (
        client.post(
            f"/api/v1/needs/applications/{application.pk}/transitions",
            {"action": "accept"},
            content_type="application/json",
        ).status_code
        == 404
    )
    assert client.get("/api/v1/needs/applications/mine").json() == []
    client.force_login(person)
    assert client.get(f"/needs/applications/{application.pk}/").status_code == 200
    assert [a["id"] for a in client.get("/api/v1/needs/applications/mine").json()] == [application.pk]
    client.force_login(alice)
    assert client.get(f"/needs/applications/{application.pk}/").status_code == 200
    response = client.post(
        f"/api/v1/needs/applications/{application.pk}/transitions",
        {"action": "accept"},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["status"] == "accepted"


@pytest.mark.postgres
def test_cv_threshold(make_need, person):
    need = make_need(cv_threshold=100)
    with pytest.raises(ValidationError) as below:
        services.application_create(need=need, applicant=person, message="")
    assert error_codes(below.value) == ["application.cv_below_threshold"]
    mint(person)
    assert services.application_create(need=need, applicant=person, message="").status == "applied"


@pytest.mark.postgres
def test_cv_bidding_holds_and_settles(make_need, make_user, alice):
    need = make_need(places=1, allocation="bidding")
    rich, poor = make_user("rich"), make_user("poor")
    mint(rich)
    mint(poor)
    before = ledger_selectors.available_balance_of(rich)
    with pytest.raises(ValidationError) as no_bid:
        services.application_create(need=need, applicant=rich, message="")
    assert error_codes(no_bid.value) == ["bid.missing"]
    high = services.application_create(need=need, applicant=rich, message="", bid_amount=50)
    low = services.application_create(need=need, applicant=poor, message="", bid_amount=20)
    assert ledger_selectors.available_balance_of(rich) == before - 50
    with pytest.raises(ValidationError) as by_bids:
        services.application_transition(application=high, action="accept", actor=alice)
    assert error_codes(by_bids.value) == ["application.allocated_otherwise"]
    services.bids_allocate(need=need, actor=alice)
    high.refresh_from_db()
    low.refresh_from_db()
    assert (high.status, low.status) == ("accepted", "declined")
    assert Bid.objects.get(application=high).status == "won"
    assert Bid.objects.get(application=low).status == "lost"
    assert ledger_selectors.available_balance_of(rich) == before - 50
    assert ledger_selectors.held_of(rich) == 0 and ledger_selectors.held_of(poor) == 0
    assert ledger_selectors.available_balance_of(poor) == ledger_selectors.balance_of(poor)


@pytest.mark.postgres
def test_lottery_is_recorded_and_replayable(make_need, make_user, alice, client):
    need = make_need(places=2, allocation="lottery")
    people = [make_user(f"l{i}") for i in range(6)]
    mint(people[0])  # not a newcomer
    for p in people:
        services.application_create(need=need, applicant=p, message="")
    draw = services.lottery_draw(need=need, actor=alice, seed="audit-seed-0001")
    assert len(draw.winners) == 2
    assert allocation.lottery_winners(draw.seed, draw.candidates, draw.places) == draw.winners
    weights = {c["user"]: c["weight"] for c in draw.candidates}
    assert weights[people[0].pk] == "1" and weights[people[1].pk] == "2.00"
    accepted = set(Application.objects.filter(need=need, status="accepted").values_list("pk", flat=True))
    assert accepted == set(draw.winners)
    with pytest.raises(ValidationError) as drawn:
        services.lottery_draw(need=need, actor=alice)
    assert error_codes(drawn.value) == ["lottery.already_drawn"]
    assert LotteryDraw.objects.count() == 1
    audit = client.get(f"/api/v1/needs/{need.pk}/lottery").json()
    assert audit["replay_matches"] is True and audit["seed"] == "audit-seed-0001"


def test_newcomer_weight_raises_the_chance():
    candidates = [{"application": i, "weight": "2" if i < 50 else "1"} for i in range(100)]
    wins = [0, 0]
    for seed in range(200):
        for winner in allocation.lottery_winners(str(seed), candidates, 10):
            wins[0 if winner < 50 else 1] += 1
    assert wins[0] > wins[1] * 1.4


def _in_progress(make_need, person, alice, **kw):
    need = make_need(**kw)
    application = services.application_create(need=need, applicant=person, message="")
    services.application_transition(application=application, action="accept", actor=alice)
    services.application_transition(application=application, action="start", actor=alice)
    return need, application


@pytest.mark.postgres
def test_completion_credits_cv_and_opens_reviews(make_need, person, alice):
    need, application = _in_progress(make_need, person, alice, type="community_service", impact_people=120)
    with pytest.raises(ValidationError) as nothing_proposed:
        services.application_outcome_confirm(application=application, actor=person)
    assert error_codes(nothing_proposed.value) == ["application.no_outcome_proposed"]
    with pytest.raises(PermissionDenied) as not_poster:
        services.application_outcome_propose(application=application, actor=person, outcome="completed")
    assert error_codes(not_poster.value) == ["need.not_manager"]
    services.application_outcome_propose(application=application, actor=alice, outcome="completed")
    with pytest.raises(PermissionDenied) as not_applicant:
        services.application_outcome_confirm(application=application, actor=alice)
    assert error_codes(not_applicant.value) == ["application.not_applicant"]
    services.application_outcome_confirm(application=application, actor=person)
    application.refresh_from_db()
    assert application.status == "completed"
    contribution = ledger_selectors.contributions_of(person).get()
    assert contribution.cause == application.subject
    assert contribution.inputs == {
        "project_type": "community_event",
        "role": "participant",
        "people_reached": 120,
        "completion": "full",
    }
    assert contribution.amount == 75  # 500 × 0.1 × 1.5 × 1.0
    window = review_selectors.window_for_subject(subject=application.subject)
    assert {p.role for p in review_selectors.parties_of(window=window)} == {"poster", "applicant"}
    services.review_write(application=application, author=person, rating=5, comment="很好")
    application.refresh_from_db()
    assert application.status == "completed"  # double-blind: waits for the other side
    services.review_write(application=application, author=alice, rating=5)
    application.refresh_from_db()
    assert application.status == "reviewed"


@pytest.mark.postgres
def test_skill_need_uses_cv_e2_and_auto_confirm(make_need, person, alice):
    need, application = _in_progress(make_need, person, alice, type="skill")
    services.application_outcome_propose(application=application, actor=alice, outcome="partly_completed", hours=10)
    Application.objects.filter(pk=application.pk).update(proposed_at=timezone.now() - timedelta(days=8))
    call_command("needs_auto_confirm")
    application.refresh_from_db()
    assert application.status == "partly_completed" and application.auto_confirmed
    # CV-E2 waits for the learner's rating: the review window is still open.
    assert not ledger_selectors.contributions_of(person).exists()
    call_command("needs_auto_confirm")  # idempotent
    application.refresh_from_db()
    assert application.status == "partly_completed"
    services.review_write(application=application, author=alice, rating=4)
    services.review_write(application=application, author=person, rating=4)
    contribution = ledger_selectors.contributions_of(person).get()
    # The 10 hours given are the partial reduction; the rating is the review's (good).
    assert contribution.kind == "skill" and contribution.inputs["hours"] == "10.0"
    assert contribution.inputs["learner_rating"] == "good"
