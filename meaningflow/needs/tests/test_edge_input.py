"""Hostile input at the Dream Garden's edge (issue 12): out-of-range dates (item 4), NUL
characters in JSON (item 5) and repeated creations (item 8) are refused or answered once,
and a bad date already stored never fails a page."""

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.utils import timezone

from meaningflow.accounts.services import api_token_create
from meaningflow.needs import services
from meaningflow.needs.forms import NeedForm
from meaningflow.needs.models import Need
from meaningflow.needs.tests.conftest import need_kwargs

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

# Each is a real instant outside any sane window; in UTC the first is in the year 10000 and
# the second in the year 0, which PostgreSQL stores and Python cannot read back.
HOSTILE = ["9999-12-31T20:00:00-14:00", "0001-01-01T00:00:00+08:00", "1899-06-01T00:00:00+00:00"]


def headers(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=user, name='edge')[1]}"}


def need_body(organisation, **overrides) -> dict:
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
        "publish": True,
    }
    return {**body, **overrides}


@pytest.mark.parametrize("moment", HOSTILE)
@pytest.mark.parametrize("field", ["starts_at", "ends_at", "application_deadline"])
def test_the_api_refuses_a_need_dated_outside_the_window(client, alice, organisation, moment, field):
    response = client.post(
        "/api/v1/needs/",
        json.dumps(need_body(organisation, **{field: moment})),
        content_type="application/json",
        **headers(alice),
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [(field, "date.out_of_range")]
    assert not Need.objects.exists()


def test_the_api_refuses_to_move_a_need_outside_the_window(client, alice, make_need):
    need = make_need()
    response = client.patch(
        f"/api/v1/needs/{need.pk}",
        json.dumps({"ends_at": HOSTILE[0]}),
        content_type="application/json",
        **headers(alice),
    )
    assert response.status_code == 422 and response.json()["errors"][0]["code"] == "date.out_of_range"
    assert Need.objects.get(pk=need.pk).ends_at == need.ends_at


@pytest.mark.parametrize("moment", [datetime(9999, 12, 31, 23, tzinfo=UTC), datetime(1, 1, 1, 12, tzinfo=UTC)])
def test_the_service_is_the_last_line(alice, organisation, changsha, moment):
    with pytest.raises(ValidationError) as caught:
        services.need_create(actor=alice, organisation=organisation, division=changsha, **need_kwargs(starts_at=moment))
    assert caught.value.error_dict["starts_at"][0].code == "date.out_of_range"
    assert not Need.objects.exists()


def test_the_form_refuses_a_date_outside_the_window(alice, organisation):
    form = NeedForm(
        data={"starts_at": "9999-12-31T23:00", "ends_at": "0001-01-01T00:00", "organisation": organisation.pk},
        user=alice,
    )
    assert not form.is_valid()
    assert form.errors.as_data()["starts_at"][0].code == "date.out_of_range"
    assert form.errors.as_data()["ends_at"][0].code == "date.out_of_range"


def test_a_bad_date_already_stored_does_not_fail_the_pages(client, alice, make_need):
    """A value written before the edge checked it (here 9999-12-31 23:00 UTC, the year 10000
    in Beijing) shows as nothing; the need's page, its API object and the lists still load."""
    need = make_need()
    Need.objects.filter(pk=need.pk).update(ends_at=datetime(9999, 12, 31, 23, tzinfo=UTC))
    client.force_login(alice)
    assert client.get(f"/needs/{need.pk}/").status_code == 200
    assert client.get("/needs/mine/").status_code == 200
    assert client.get(f"/api/v1/needs/{need.pk}").status_code == 200


def test_a_nul_in_a_need_title_is_refused(client, alice, organisation):
    response = client.post(
        "/api/v1/needs/",
        json.dumps(need_body(organisation, title="Eng\u0000lish")),
        content_type="application/json",
        **headers(alice),
    )
    assert response.status_code == 400 and response.json()["code"] == "text.nul_character"
    assert not Need.objects.exists()


def test_the_same_need_posted_twice_with_one_key_is_created_once(client, alice, organisation):
    auth = headers(alice)
    body = json.dumps(need_body(organisation))
    first = client.post("/api/v1/needs/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="need-1", **auth)
    again = client.post("/api/v1/needs/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="need-1", **auth)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Need.objects.count() == 1
    other = json.dumps(need_body(organisation, title="Another need"))
    reused = client.post(
        "/api/v1/needs/", other, content_type="application/json", HTTP_IDEMPOTENCY_KEY="need-1", **auth
    )
    assert reused.status_code == 422 and reused.json()["code"] == "idempotency.key_reused"
    assert Need.objects.count() == 1


def test_an_application_sent_twice_with_one_key_is_made_once(client, person, make_need):
    need = make_need()
    auth = headers(person)
    answers = [
        client.post(
            f"/api/v1/needs/{need.pk}/applications",
            "{}",
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY="apply-1",
            **auth,
        )
        for _ in range(2)
    ]
    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].json()["id"] == answers[1].json()["id"]
    assert need.applications.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_create_one_need(alice, organisation):
    """Two copies of one request at the same moment: the unique (caller, key) constraint
    lets one create; the other gets the stored answer or 409, never a second need."""
    if connection.vendor != "postgresql":
        pytest.skip("row-level concurrency is proven on PostgreSQL")
    body = json.dumps(need_body(organisation))
    token = headers(alice)
    barrier, statuses = threading.Barrier(4), []

    def post():
        client = Client()
        barrier.wait()
        try:
            statuses.append(
                client.post(
                    "/api/v1/needs/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="race", **token
                ).status_code
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Need.objects.count() == 1
    assert statuses.count(201) >= 1 and set(statuses) <= {201, 409}
