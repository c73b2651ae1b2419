"""One table of booking actions: the page shows the forms of exactly the actions the API
lists for the same booking and person; the booking list is paged in the database."""

import re
from datetime import timedelta

import pytest

from meaningflow.accounts.models import StaffRole
from meaningflow.resources import services
from meaningflow.resources.tests.factories import days, mint, room

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

ACTION_URL = re.compile(r'action="/resources/bookings/(\d+)/(\w+)/"')


def _page_actions(client, booking) -> set[str]:
    page = client.get(f"/resources/bookings/{booking.pk}/")
    assert page.status_code == 200
    return {action for pk, action in ACTION_URL.findall(page.content.decode()) if int(pk) == booking.pk}


def _api_actions(client, booking) -> set[str]:
    answer = client.get(f"/api/v1/resources/bookings/{booking.pk}")
    assert answer.status_code == 200
    return set(answer.json()["actions"])


@pytest.fixture
def moderator(make_user):
    user = make_user("mod_ma")
    StaffRole.objects.create(user=user, role=StaffRole.Role.MODERATOR)
    return user


@pytest.fixture
def bookings(owner, guest):
    money = {"payment": "mixed", "price_amount": "80", "price_currency": "CNY"}
    requested = services.booking_create(
        resource=room(owner, title_en="Asked room", **money), guest=guest, start=days(3), end=days(4)
    )
    accepted = services.booking_create(
        resource=room(owner, title_en="Paid room", booking_mode="instant", **money),
        guest=guest,
        start=days(5),
        end=days(6),
    )
    exchange = room(
        owner,
        title_en="Exchange room",
        is_exchange=True,
        exchange_hours_per_day=4,
        exchange_provides="Bed and breakfast",
        booking_mode="instant",
        max_slots=30,
    )
    in_use = services.booking_create(resource=exchange, guest=guest, start=days(8), end=days(12))
    services.booking_start(booking=in_use, now=in_use.starts_at)
    return {"requested": requested, "accepted": accepted, "in_use": in_use}


def test_the_page_and_the_api_offer_the_same_actions(client, owner, guest, moderator, bookings):
    seen = {}
    for person, who in ((guest, "guest"), (owner, "owner"), (moderator, "moderator")):
        client.force_login(person)
        for state, booking in bookings.items():
            on_page, in_api = _page_actions(client, booking), _api_actions(client, booking)
            assert on_page == in_api, (who, state)
            seen[who, state] = in_api
    assert seen["owner", "requested"] == {"accept", "decline", "cancel"}
    assert seen["guest", "requested"] == {"cancel"}
    assert seen["owner", "accepted"] == {"cancel", "payment_confirm"}
    assert seen["moderator", "accepted"] == set()
    assert seen["guest", "in_use"] == {"problem", "end_early", "checkin"}
    assert seen["moderator", "in_use"] == {"end_early", "complete"}


def test_every_offered_action_is_one_both_take(client, owner, bookings):
    """The page posts to the same names the API accepts: a taken action changes the state."""
    booking = bookings["accepted"]
    client.force_login(owner)
    response = client.post(f"/resources/bookings/{booking.pk}/payment_confirm/")
    assert response.status_code == 302
    booking.payment.refresh_from_db()
    assert booking.payment.status == "received"
    assert "payment_confirm" not in _api_actions(client, booking)


def test_a_no_show_is_offered_to_the_owner_only_after_the_start(owner, guest, bookings):
    booking = bookings["accepted"]
    before, after = booking.starts_at - timedelta(hours=1), booking.starts_at + timedelta(hours=1)
    assert "no_show" not in services.booking_actions_offered(booking=booking, role="owner", now=before)
    assert "no_show" in services.booking_actions_offered(booking=booking, role="owner", now=after)
    assert "no_show" not in services.booking_actions_offered(booking=booking, role="guest", now=after)


def test_an_action_refused_by_the_api_carries_its_code(client, guest, bookings):
    client.force_login(guest)
    response = client.post(
        f"/api/v1/resources/bookings/{bookings['requested'].pk}/accept", "{}", content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "booking.action_not_allowed"


def _book_many(owner, guests, count: int) -> None:
    resource = room(owner, title_en=f"Room of {count}", booking_mode="instant", units=count)
    for n, person in enumerate(guests[:count]):
        services.booking_create(resource=resource, guest=person, start=days(20 + n % 5), end=days(21 + n % 5))


@pytest.mark.parametrize("count", [2, 12])
def test_the_booking_list_costs_the_same_queries_for_any_number_of_bookings(
    client, owner, make_user, django_assert_max_num_queries, count
):
    people = []
    for n in range(count):
        person = make_user(f"guest_{n}")
        mint(person, 2000)
        people.append(person)
    _book_many(owner, people, count)
    client.force_login(owner)
    with django_assert_max_num_queries(12):
        answer = client.get("/api/v1/resources/bookings", {"role": "owner", "limit": 50})
    assert answer.status_code == 200
    body = answer.json()
    assert body["count"] == count and len(body["items"]) == count
    assert all(item["actions"] == ["cancel"] for item in body["items"])


def test_the_booking_list_is_paged_in_the_database(client, owner, guest):
    resource = room(owner, booking_mode="instant")
    made = [
        services.booking_create(resource=resource, guest=guest, start=days(30 + n), end=days(31 + n)).pk
        for n in range(3)
    ]
    client.force_login(guest)
    page = client.get("/api/v1/resources/bookings", {"limit": 2, "offset": 1}).json()
    assert page["count"] == 3
    assert [item["id"] for item in page["items"]] == sorted(made, reverse=True)[1:3]
