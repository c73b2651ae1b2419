"""Hostile input at Shared World's edge (issue 12): dates outside the window (item 4), a
booking posted twice (item 8), absurd numbers and a decompression-bomb photo (item 10)."""

import io
import json
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from PIL import Image

from meaningflow.accounts.services import api_token_create
from meaningflow.core.models import IdempotencyRecord
from meaningflow.ledger import selectors as ledger_selectors
from meaningflow.resources import media, services
from meaningflow.resources.forms import ResourceForm
from meaningflow.resources.models import BlockedPeriod, Booking, Resource
from meaningflow.resources.tests.factories import days, mint, room

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def headers(user, **extra) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=user, name='edge')[1]}", **extra}


def post(client, url, body, **extra):
    return client.post(url, json.dumps(body), content_type="application/json", **extra)


# --- Item 4: dates ------------------------------------------------------------------------


@pytest.mark.parametrize("moment", ["9999-12-31T20:00:00-14:00", "0001-01-01T00:00:00+08:00"])
def test_a_block_outside_the_window_is_refused(client, owner, moment):
    resource = room(owner)
    body = {"starts_at": "2030-01-01T00:00:00+08:00", "ends_at": moment}
    response = post(client, f"/api/v1/resources/{resource.pk}/blocks", body, **headers(owner))
    assert response.status_code == 422 and response.json()["errors"][0]["code"] == "date.out_of_range"
    with pytest.raises(ValidationError) as caught:
        services.block_add(
            resource=resource,
            actor=owner,
            starts_at=datetime(2030, 1, 1, tzinfo=UTC),
            ends_at=datetime(9999, 12, 31, tzinfo=UTC),
        )
    assert caught.value.error_dict["ends_at"][0].code == "date.out_of_range"
    assert not BlockedPeriod.objects.exists()


@pytest.mark.parametrize("end", ["9999-12-31", "0001-01-02", "10000-01-01"])
def test_a_booking_outside_the_window_is_refused(client, owner, guest, end):
    resource = room(owner)
    response = post(
        client, f"/api/v1/resources/{resource.pk}/bookings", {"start": str(days(5)), "end": end}, **headers(guest)
    )
    assert response.status_code == 400
    assert response.json()["code"] in ("date.out_of_range", "period.not_a_date")
    assert not Booking.objects.exists()
    quote = client.get(f"/api/v1/resources/{resource.pk}/availability", {"start": str(days(5)), "end": "9999-12-31"})
    assert quote.status_code == 400 and quote.json()["code"] == "date.out_of_range"


def test_a_bad_block_already_stored_does_not_fail_the_resource_page(client, owner, guest):
    """A block ending on 9999-12-31 (the year 10000 in Beijing) was stored before the edge
    checked it: the resource's page, its management page and its calendar still load."""
    resource = room(owner)
    block = services.block_add(resource=resource, actor=owner, starts_at=days(10), ends_at=days(12))
    BlockedPeriod.objects.filter(pk=block.pk).update(ends_at=datetime(9999, 12, 31, 23, tzinfo=UTC))
    client.force_login(guest)
    assert client.get(f"/resources/{resource.pk}/").status_code == 200
    client.force_login(owner)
    assert client.get(f"/resources/{resource.pk}/manage/").status_code == 200
    assert client.get(f"/resources/{resource.pk}/calendar.ics").status_code == 200


# --- Item 8: one booking per Idempotency-Key ---------------------------------------------------


def test_the_same_booking_posted_twice_with_one_key_books_once(client, owner, guest):
    resource = room(owner)
    auth = headers(guest, HTTP_IDEMPOTENCY_KEY="b7c1d7e0-booking")
    body = {"start": str(days(5)), "end": str(days(7))}
    held_before = ledger_selectors.held_of(guest)
    first = post(client, f"/api/v1/resources/{resource.pk}/bookings", body, **auth)
    again = post(client, f"/api/v1/resources/{resource.pk}/bookings", body, **auth)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Booking.objects.count() == 1
    assert ledger_selectors.held_of(guest) == held_before + first.json()["cv_amount"]  # one hold


def test_without_a_key_each_post_is_a_new_request(client, owner, guest):
    resource = Resource.objects.get(pk=room(owner, capacity=2).pk)
    services.units_set(resource=resource, actor=owner, names=["A", "B"])
    auth = headers(guest)
    body = {"start": str(days(5)), "end": str(days(6))}
    assert [post(client, f"/api/v1/resources/{resource.pk}/bookings", body, **auth).status_code for _ in range(2)] == [
        201,
        201,
    ]


def test_the_key_with_another_payload_is_refused_with_a_code(client, owner, guest):
    resource = room(owner)
    auth = headers(guest, HTTP_IDEMPOTENCY_KEY="k-1")
    post(client, f"/api/v1/resources/{resource.pk}/bookings", {"start": str(days(5)), "end": str(days(7))}, **auth)
    other = post(
        client, f"/api/v1/resources/{resource.pk}/bookings", {"start": str(days(9)), "end": str(days(10))}, **auth
    )
    assert other.status_code == 422 and other.json()["code"] == "idempotency.key_reused"
    assert Booking.objects.count() == 1


def test_a_refused_request_releases_its_key(client, owner, guest):
    """A 4xx is not stored: the client corrects the request and retries with the same key."""
    resource = room(owner)
    auth = headers(guest, HTTP_IDEMPOTENCY_KEY="k-2")
    bad = post(
        client, f"/api/v1/resources/{resource.pk}/bookings", {"start": str(days(7)), "end": str(days(5))}, **auth
    )
    assert bad.status_code == 400 and not IdempotencyRecord.objects.exists()
    good = post(
        client, f"/api/v1/resources/{resource.pk}/bookings", {"start": str(days(5)), "end": str(days(7))}, **auth
    )
    assert good.status_code == 201 and Booking.objects.count() == 1


def test_keys_belong_to_their_caller(client, owner, guest, make_user):
    """Another person's request with the same key is their own request, not a replay."""
    second_guest = make_user("second_guest")
    mint(second_guest, 2000)
    resource = room(owner)
    services.units_set(resource=resource, actor=owner, names=["A", "B"])
    body = {"start": str(days(5)), "end": str(days(6))}
    a = post(client, f"/api/v1/resources/{resource.pk}/bookings", body, **headers(guest, HTTP_IDEMPOTENCY_KEY="same"))
    b = post(
        client, f"/api/v1/resources/{resource.pk}/bookings", body, **headers(second_guest, HTTP_IDEMPOTENCY_KEY="same")
    )
    assert a.status_code == b.status_code == 201 and a.json()["id"] != b.json()["id"]


def test_an_invalid_key_is_refused(client, owner, guest):
    resource = room(owner)
    response = post(
        client,
        f"/api/v1/resources/{resource.pk}/bookings",
        {"start": str(days(5)), "end": str(days(7))},
        **headers(guest, HTTP_IDEMPOTENCY_KEY="x" * 256),
    )
    assert response.status_code == 400 and response.json()["code"] == "idempotency.key_invalid"
    assert not Booking.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_make_one_booking_and_one_hold(owner, guest):
    if connection.vendor != "postgresql":
        pytest.skip("row-level concurrency is proven on PostgreSQL")
    resource = room(owner)
    services.units_set(resource=resource, actor=owner, names=["A", "B", "C"])
    auth = headers(guest, HTTP_IDEMPOTENCY_KEY="race-booking")
    body = {"start": str(days(5)), "end": str(days(7))}
    held_before = ledger_selectors.held_of(guest)
    barrier, answers = threading.Barrier(4), []

    def book():
        client = Client(raise_request_exception=False)
        barrier.wait()
        try:
            answers.append(post(client, f"/api/v1/resources/{resource.pk}/bookings", body, **auth))
        finally:
            connection.close()

    threads = [threading.Thread(target=book) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Booking.objects.count() == 1
    created = [a for a in answers if a.status_code == 201]
    assert created and {a.json()["id"] for a in created} == {Booking.objects.get().pk}
    assert {a.status_code for a in answers} <= {201, 409}
    assert ledger_selectors.held_of(guest) == held_before + created[0].json()["cv_amount"]


# --- Item 10: numbers and photos --------------------------------------------------------------


def test_absurd_numbers_are_refused_at_every_door(client, owner):
    resource_body = {"type": "room", "title_en": "Room", "division_code": "430100", "preparation_minutes": 2147483647}
    response = post(client, "/api/v1/resources/", resource_body, **headers(owner))
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "preparation_minutes"
    with pytest.raises(ValidationError) as caught:
        room(owner, preparation_minutes=2147483647)
    assert caught.value.error_dict["preparation_minutes"][0].code == "number.out_of_range"
    form = ResourceForm(data={"preparation_minutes": 2147483647, "lead_time_hours": 99999})
    form.is_valid()
    assert {"preparation_minutes", "lead_time_hours"} <= set(form.errors)
    assert not Resource.objects.exists()


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("1", (width, height)).save(out, format="PNG", optimize=True)
    return out.getvalue()


def test_a_decompression_bomb_is_refused_before_it_is_decoded(monkeypatch):
    """A 6300×6300 PNG of a few kilobytes took 511 MB in a worker: its size is read from the
    header and it is refused before a single pixel is decoded."""
    bomb = _png(6300, 6300)
    assert len(bomb) < 60_000
    decoded = []
    monkeypatch.setattr(Image.Image, "load", lambda self: decoded.append(self) or None)
    with pytest.raises(ValidationError) as caught:
        media.photo_process(SimpleUploadedFile("bomb.png", bomb, content_type="image/png"))
    assert caught.value.code == "photo.too_many_pixels"
    assert decoded == []


def test_a_normal_photo_is_still_accepted():
    processed = media.photo_process(SimpleUploadedFile("ok.png", _png(2000, 1500), content_type="image/png"))
    assert max(processed.width, processed.height) == media.MAX_EDGE


def test_dates_on_the_edge_of_the_window_still_work(owner, guest):
    """The window is generous: a booking next year and a block ten years out are fine."""
    resource = room(owner)
    services.block_add(
        resource=resource,
        actor=owner,
        starts_at=date.today() + timedelta(days=3000),
        ends_at=date.today() + timedelta(days=3001),
    )
    assert services.booking_create(resource=resource, guest=guest, start=days(300), end=days(302)).pk
