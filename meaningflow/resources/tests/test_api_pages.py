"""The JSON API and the pages over the same services."""

import json

import pytest
from icalendar import Calendar

from meaningflow.resources import services
from meaningflow.resources.models import Booking
from meaningflow.resources.tests.factories import days, room

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def test_api_list_book_and_transition(client, owner, guest):
    client.force_login(owner)
    response = client.post(
        "/api/v1/resources/",
        json.dumps(
            {
                "type": "workspace",
                "title_en": "Kreuzberg co-working desk",
                "city_geonameid": 2950159,
                "units": 3,
                "facilities": ["wifi", "desk"],
                "payment": "mixed",
                "price_amount": "12.50",
                "price_currency": "EUR",
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    resource = response.json()
    assert resource["slot"] == "daily" and len(resource["units"]) == 3 and resource["cv_per_slot"] == 100

    client.force_login(guest)
    found = client.get(
        "/api/v1/resources/",
        {"region": "geo:2950159", "date_from": days(5), "date_to": days(7), "facilities": ["desk"]},
    ).json()
    assert [r["id"] for r in found["items"]] == [resource["id"]]
    quote = client.get(f"/api/v1/resources/{resource['id']}/availability", {"start": days(5), "end": days(6)}).json()
    assert quote["available"] and quote["slots"] == 2 and quote["money"] == "25.00"
    response = client.post(
        f"/api/v1/resources/{resource['id']}/bookings",
        json.dumps({"start": str(days(5)), "end": str(days(6))}),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    booking = response.json()
    assert booking["status"] == "requested" and {line["kind"] for line in booking["lines"]} == {"cv", "money"}

    bad = client.post(
        f"/api/v1/resources/{resource['id']}/bookings",
        json.dumps({"start": str(days(6)), "end": str(days(5))}),
        content_type="application/json",
    )
    assert bad.status_code == 400 and bad.json()["code"] == "period.end_before_start"
    assert (
        client.post(
            f"/api/v1/resources/bookings/{booking['id']}/accept", "{}", content_type="application/json"
        ).status_code
        == 403
    )
    client.force_login(owner)
    accepted = client.post(
        f"/api/v1/resources/bookings/{booking['id']}/accept", "{}", content_type="application/json"
    ).json()
    assert accepted["status"] == "accepted" and accepted["payment"]["status"] == "due"


def test_pages_and_ical(client, owner, guest):
    resource = room(owner, booking_mode="instant")
    booking = services.booking_create(resource=resource, guest=guest, start=days(4), end=days(6))
    assert client.get("/resources/").status_code == 200
    feed = client.get("/resources/map.json", {"region": "430100"}).json()
    assert feed["results"][0]["id"] == resource.pk
    page = client.get(f"/resources/?region=430100&date_from={days(4)}&date_to={days(5)}")
    assert "Furong guest room" not in page.content.decode()  # taken then
    assert client.get(f"/resources/{resource.pk}/").status_code == 200
    ics = client.get(f"/resources/{resource.pk}/calendar.ics")
    assert ics["Content-Type"].startswith("text/calendar")
    events = [c for c in Calendar.from_ical(ics.content).walk("VEVENT")]
    assert len(events) == 1 and events[0]["status"] == "CONFIRMED"
    assert "traveller" not in ics.content.decode()  # nobody's name in the public feed
    client.force_login(guest)
    assert client.get(f"/resources/bookings/{booking.pk}/").status_code == 200
    client.post(f"/resources/bookings/{booking.pk}/cancel/", {"reason": "Ill"})
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    client.force_login(owner)
    assert client.get("/resources/mine/").status_code == 200
