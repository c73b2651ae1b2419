"""Who sees the people suggested for a need, what they see, and the log of who looked
(issue 12, item 7; DG-3, PR-1).

The finding: a new, unverified organisation posted a need and read thirty people's home
city, weekly availability, intentions, trust level and browsing through
``/api/v1/needs/{id}/people`` and the applications page."""

from datetime import date, timedelta

import pytest

from meaningflow.accounts import privacy
from meaningflow.accounts import services as accounts_services
from meaningflow.accounts.models import DisclosureRule
from meaningflow.core.models import AuditEvent
from meaningflow.needs import selectors, services
from meaningflow.needs.matching import scoring

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture
def verified(organisation, superuser):
    """A moderator verified Alice's organisation."""
    return accounts_services.organisation_decide_verification(
        moderator=superuser, organisation=organisation, approve=True
    )


@pytest.fixture
def consenting(person):
    """Bob agreed to be suggested to organisations (purpose ``matching``)."""
    privacy.consent_set(user=person, purpose="matching", granted=True)
    return person


def test_a_new_unverified_poster_is_refused_with_a_reason_and_a_code(make_need, consenting, client, alice):
    need = make_need()
    # What the finding saw through the endpoint, looked at by the person themselves.
    client.force_login(consenting)
    client.get(f"/needs/{need.pk}/")
    client.force_login(alice)

    response = client.get(f"/api/v1/needs/{need.pk}/people")
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "needs.candidates.not_allowed"
    assert "verified organisations" in body["detail"] and "L3" in body["detail"]
    chinese = client.get(f"/api/v1/needs/{need.pk}/people", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert "已认证" in chinese["detail"]

    # The page says the same instead of a list; Bob's name is nowhere on it.
    page = client.get(f"/needs/{need.pk}/applications/").content.decode()
    assert "Suggested people are shown to" in page and "Bob" not in page
    # The candidate's page is refused with the reason too, and nothing is logged.
    refused = client.get(f"/needs/{need.pk}/people/{consenting.pk}/")
    assert refused.status_code == 403 and "Suggested people are shown to" in refused.content.decode()
    assert not AuditEvent.objects.filter(action="needs.candidate.viewed").exists()


def test_verified_organisations_see_consenting_people_in_the_viewers_words(
    make_need, consenting, client, alice, verified
):
    need = make_need()
    client.force_login(consenting)
    client.get(f"/needs/{need.pk}/")  # Bob's own look: counts for his recommendations only
    client.force_login(alice)

    people = client.get(f"/api/v1/needs/{need.pk}/people").json()
    assert [p["user_id"] for p in people] == [consenting.pk]
    parts = {p["name"]: p for p in people[0]["parts"]}
    # Browsing never ranks or describes a candidate to a poster.
    assert "behaviour" not in parts and set(parts) == set(scoring.PARTS) - {"behaviour"}
    text = " ".join(p["text"] for p in people[0]["parts"])
    for private in ("Changsha", "长沙", " h a week", "Take part", "intentions", "looked at", "your"):
        assert private not in text, private
    assert parts["distance"]["text"] == "Within the distance they said they would travel."
    assert parts["time"]["text"] == "Available for the weekly hours it needs."
    assert parts["skills"]["text"].startswith("Knows Dumpling")
    assert parts["trust"]["text"] == "Trust level L1."
    # The weights shown add up without the behaviour part.
    assert sum(p["weight"] for p in people[0]["parts"]) == pytest.approx(1.0, abs=0.01)

    page = client.get(f"/needs/{need.pk}/applications/").content.decode()
    assert "Bob" in page and "Changsha" not in page.split("people-h")[1]


def test_people_who_have_not_agreed_or_withdrew_never_appear(make_need, person, client, alice, verified):
    need = make_need()
    client.force_login(alice)
    assert client.get(f"/api/v1/needs/{need.pk}/people").json() == []  # never asked: not suggested
    privacy.consent_set(user=person, purpose="matching", granted=True)
    assert [p["user_id"] for p in client.get(f"/api/v1/needs/{need.pk}/people").json()] == [person.pk]
    privacy.consent_set(user=person, purpose="matching", granted=False)
    assert client.get(f"/api/v1/needs/{need.pk}/people").json() == []
    assert selectors.recommended_people(need=need) == []
    assert client.get(f"/needs/{need.pk}/people/{person.pk}/").status_code == 404


def test_the_trust_threshold_is_a_dated_parameter(make_need, consenting, client, alice):
    need = make_need()
    client.force_login(alice)
    DisclosureRule.objects.create(effective_from=date.today() + timedelta(days=10), candidates_min_trust_level=1)
    assert client.get(f"/api/v1/needs/{need.pk}/people").status_code == 403  # not in force yet
    DisclosureRule.objects.create(effective_from=date.today(), candidates_min_trust_level=1)
    assert client.get(f"/api/v1/needs/{need.pk}/people").status_code == 200  # alice is L1


def test_opening_a_candidate_is_logged_and_the_candidate_sees_who_looked(
    make_need, consenting, client, alice, verified
):
    need = make_need()
    client.force_login(alice)
    page = client.get(f"/needs/{need.pk}/people/{consenting.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Dumpling" in html and "Changsha" not in html.split("candidate-h")[1]
    event = AuditEvent.objects.get(action="needs.candidate.viewed")
    assert event.actor == alice and event.subject == f"accounts.user:{consenting.pk}"
    assert event.data["need"] == need.pk

    api = client.get(f"/api/v1/needs/{need.pk}/people/{consenting.pk}")
    assert api.status_code == 200 and api.json()["display_name"] == "Bob"
    assert "home" not in str(api.json()).lower()
    assert AuditEvent.objects.filter(action="needs.candidate.viewed").count() == 2

    # Somebody who is not a candidate of this need is not found (no probing of profiles).
    assert client.get(f"/needs/{need.pk}/people/{alice.pk}/").status_code == 404

    client.force_login(consenting)
    privacy = client.get("/accounts/me/privacy/").content.decode()
    assert "Furong Community" in privacy and need.title_en in privacy
    assert "Who can see you" in privacy and "L3" in privacy


def test_applicants_and_members_are_not_candidates(make_need, consenting, alice, verified):
    need = make_need()
    assert [r.person for r in selectors.recommended_people(need=need)] == [consenting]
    services.application_create(need=need, applicant=consenting)
    assert selectors.recommended_people(need=need) == []
