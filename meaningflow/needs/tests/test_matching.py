"""Matching (DG-3, BX-2, TR-6): pure scoring, the index against brute force, reasons."""

from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from meaningflow.accounts import privacy
from meaningflow.accounts.services import organisation_decide_verification
from meaningflow.core.models import AuditEvent
from meaningflow.needs import selectors, services
from meaningflow.needs.matching import scoring
from meaningflow.needs.matching.index import NEVER, NeedColumns, NeedIndex, Scope, brute_force
from meaningflow.needs.models import MatchingWeights, NeedView

WEIGHTS = {
    "skills": 0.3,
    "interests": 0.1,
    "distance": 0.2,
    "time": 0.1,
    "language": 0.1,
    "trust": 0.05,
    "reward": 0.15,
    "behaviour": 0.1,
}


def arrays(n, rng):
    skill_ids = rng.integers(-1, 40, size=(n, 3)).astype(np.int32)
    domains = np.where(skill_ids >= 0, skill_ids // 10 + 1, -1).astype(np.int32)
    return scoring.NeedArrays(
        ids=np.arange(1, n + 1, dtype=np.int64),
        skill_ids=skill_ids,
        skill_domains=domains,
        skill_levels=rng.integers(1, 6, size=(n, 3)).astype(np.int8),
        interest_mask=rng.integers(0, 2**20, size=n).astype(np.uint64),
        language_mask=rng.integers(0, 4, size=n).astype(np.uint64),
        lat=rng.uniform(20, 45, n),
        lon=rng.uniform(100, 125, n),
        remote=rng.random(n) < 0.1,
        hours_per_week=rng.uniform(1, 20, n).astype(np.float32),
        reward=rng.integers(0, 6, n).astype(np.int8),
        type=rng.integers(0, 8, n).astype(np.int8),
    )


def test_same_skill_full_credit_same_domain_partial_level_aware():
    person_level = np.array([[4.0], [0.0], [2.0], [0.0]])
    domain_level = np.array([[4.0], [4.0], [2.0], [0.0]])
    required = np.array([[2], [2], [4], [2]])
    valid = np.ones((4, 1), bool)
    credit = scoring.skill_credit(person_level, domain_level, required, valid)
    assert credit.tolist() == pytest.approx([1.0, 0.5, 0.5, 0.0])
    assert scoring.skill_credit(np.zeros((1, 2)), np.zeros((1, 2)), np.ones((1, 2)), np.zeros((1, 2), bool))[0] == 0.5


def test_distance_time_language_parts():
    assert scoring.haversine_km(28.2, 112.9, 28.2, 112.9) == pytest.approx(0)
    assert scoring.haversine_km(39.9, 116.4, 31.2, 121.5) == pytest.approx(1068, rel=0.01)
    fit = scoring.distance_fit(np.array([0.0, 30.0, np.nan, 5000.0]), 30.0, np.array([False, False, False, True]))
    assert fit.tolist() == pytest.approx([1.0, 0.5, 0.5, 1.0])
    assert scoring.time_fit(np.float32(2), np.array([4.0, np.nan], np.float32)).tolist() == [0.5, 1.0]
    assert scoring.language_fit(np.array([0b01, 0b10, 0], np.uint64), np.uint64(0b01)).tolist() == [1, 0, 1]


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), travel=st.sampled_from(["international", "national"]))
def test_index_gives_the_brute_force_top_k_within_its_candidates(seed, travel):
    rng = np.random.default_rng(seed)
    features = arrays(500, rng)
    columns = NeedColumns(
        region=np.full(500, 430100, np.int32),
        country=np.zeros(500, np.int16),
        ends_at=np.full(500, NEVER, np.int64),
        deadline=np.full(500, NEVER, np.int64),
        cv_threshold=np.zeros(500, np.int64),
    )
    index = NeedIndex(features=features, columns=columns, countries=["CN"])
    person = scoring.PersonFeatures(
        skill_levels={3: 4, 12: 2},
        domain_levels={1: 4, 2: 2},
        interest_mask=0b1011,
        language_mask=1,
        lat=28.2,
        lon=112.9,
        travel=travel,
        weekly_hours=6,
        trust_level=2,
        intentions=("participation",),
    )
    scope = Scope(now=0, domains=(1, 2), country="CN", travel=travel)
    ids, scores, parts = index.recommend(person, scope, WEIGHTS, k=10)
    rows = index.candidates(scope)
    expected, _s, _p = brute_force(person, features.take(rows), WEIGHTS, k=10)
    assert ids.tolist() == expected.tolist()
    assert np.all(np.diff(scores) <= 1e-6)
    assert parts.shape == (len(ids), len(scoring.PARTS))
    # Every candidate asks for a skill in the person's domains, or for none.
    cand_domains = features.skill_domains[rows]
    assert np.all(np.isin(cand_domains, [-1, 1, 2]).all(axis=1) | np.isin(cand_domains, [1, 2]).any(axis=1))


def test_index_filters_closed_out_of_reach_and_threshold():
    rng = np.random.default_rng(1)
    features = arrays(4, rng)
    features.remote[:] = False
    columns = NeedColumns(
        region=np.array([430100, 110100, 430100, 430100], np.int32),
        country=np.zeros(4, np.int16),
        ends_at=np.array([100, 100, 5, 100], np.int64),
        deadline=np.full(4, NEVER, np.int64),
        cv_threshold=np.array([0, 0, 0, 500], np.int64),
    )
    features.lat[:] = [28.2, 39.9, 28.2, 28.2]
    features.lon[:] = [112.9, 116.4, 112.9, 112.9]
    index = NeedIndex(features=features, columns=columns, countries=["CN"])
    scope = Scope(now=10, country="CN", region=430100, lat=28.2, lon=112.9, travel="local", lifetime_cv=0)
    assert index.features.ids[index.candidates(scope)].tolist() == [1]
    index.remove([1])
    assert index.candidates(scope).tolist() == []


@pytest.mark.django_db
def test_recommendations_both_ways_with_reasons(make_need, person, client, alice, superuser):
    near = make_need()
    make_need(title="Python 编程课", skills=[("software.python", 3)])

    recs = selectors.recommended_needs(user=person)
    assert recs[0].need == near
    parts = {p["name"]: p for p in recs[0].parts}
    assert set(parts) == set(scoring.PARTS)
    assert "Dumpling" in parts["skills"]["text"] and parts["skills"]["percent"] == 100
    assert parts["distance"]["text"] == "In your home area."
    client.force_login(person)
    api = client.get("/api/v1/needs/recommended").json()
    assert api[0]["need"]["id"] == near.pk and len(api[0]["parts"]) == len(scoring.PARTS) == 8
    page = client.get("/needs/recommended/").content.decode()
    assert "包饺子文化体验" in page or "Dumpling-making" in page
    # People for a need: only those who agreed, and only for a verified organisation (item 7).

    privacy.consent_set(user=person, purpose="matching", granted=True)
    organisation_decide_verification(moderator=superuser, organisation=near.organisation, approve=True)
    client.force_login(alice)
    people = client.get(f"/api/v1/needs/{near.pk}/people").json()
    assert people[0]["user_id"] == person.pk and people[0]["parts"][0]["name"] == "skills"


@pytest.mark.django_db
def test_weights_are_dated_and_published(client):

    MatchingWeights.objects.create(effective_from=date.today() - timedelta(days=1), skills=0.5)
    MatchingWeights.objects.create(effective_from=date.today() + timedelta(days=30), skills=0.9)
    page = client.get("/needs/how-matching-works/")
    assert page.status_code == 200 and "0.50" in page.content.decode()
    assert client.get("/api/v1/needs/weights").json()["weights"]["skills"] == 0.5


def test_behaviour_part_is_the_share_of_engagement_and_neutral_without_any():
    counts = np.array([[0, 0, 6, 0, 0, 3, 0, 0], [0] * 8], dtype=np.float32)
    interest = scoring.type_interest_of(counts)
    assert interest[0].tolist() == pytest.approx([0, 0, 1, 0, 0, 0.5, 0, 0])
    assert np.isnan(interest[1]).all()
    assert scoring.behaviour_fit(interest[:, 2]).tolist() == [1.0, scoring.NEUTRAL]


@pytest.mark.postgres  # the view upsert (ON CONFLICT) runs on both databases
@pytest.mark.django_db
def test_what_a_person_looked_at_and_applied_to_counts_and_can_be_forgotten(
    make_need, person, client, alice, superuser
):

    cultural = make_need()
    training = make_need(type="training", title="包饺子培训", title_en="Dumpling training")

    def behaviour(need):
        rec = next(r for r in selectors.recommended_needs(user=person) if r.need == need)
        return {p["name"]: p for p in rec.parts}["behaviour"]

    assert behaviour(cultural)["value"] == scoring.NEUTRAL  # nothing looked at yet
    assert "neutral" in behaviour(cultural)["text"]

    client.force_login(person)
    assert client.get(f"/needs/{training.pk}/").status_code == 200
    assert client.get(f"/needs/{training.pk}/").status_code == 200  # a second look: still one row
    assert NeedView.objects.filter(user=person).count() == 1
    assert behaviour(training)["value"] == 1.0 and behaviour(cultural)["value"] == 0.0
    assert (
        behaviour(training)["text"]
        == "Training and knowledge sharing needs are what you looked at and applied to most lately."
    )
    # An application counts three looks: the cultural need now leads.
    services.application_create(need=cultural, applicant=person)
    engagement = selectors.engagement_by_type(user_ids=[person.pk])[person.pk]
    assert (
        engagement[scoring.NEED_TYPES.index("cultural")] == 3 and engagement[scoring.NEED_TYPES.index("training")] == 1
    )
    assert behaviour(training)["value"] == pytest.approx(1 / 3, abs=1e-3)
    # A poster never sees it: browsing ranks needs for the person, never the person for a
    # poster (issue 12, item 7).

    privacy.consent_set(user=person, purpose="matching", granted=True)
    organisation_decide_verification(moderator=superuser, organisation=training.organisation, approve=True)
    client.force_login(alice)
    people = client.get(f"/api/v1/needs/{training.pk}/people").json()
    assert people[0]["user_id"] == person.pk
    assert "behaviour" not in {p["name"] for p in people[0]["parts"]}
    # The poster's own look is not recorded.
    client.get(f"/needs/{training.pk}/")
    assert not NeedView.objects.filter(user=alice).exists()

    client.force_login(person)
    response = client.post("/needs/recommended/forget-views/")
    assert response.status_code == 302 and not NeedView.objects.filter(user=person).exists()
    assert AuditEvent.objects.filter(action="needs.views.forgotten", actor=person).exists()
    assert client.get("/needs/recommended/forget-views/").status_code == 405  # only a form's POST erases
