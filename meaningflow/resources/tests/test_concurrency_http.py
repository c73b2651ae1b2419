"""Mixed booking traffic through the HTTP API on PostgreSQL: no deadlock reaches a user.

Issue 12 item 1: 12 threads booking and cancelling for 3 guests on one resource, the owner
accepting and declining, and CV uses (``use_record``, ``hold_place``) of the same people
at the same time answered 500 ("deadlock detected"). Every response must now be a proper
2xx/4xx (a 503 ``core.busy`` is allowed only after the bounded retries are spent, and is
counted separately), and the invariants hold afterwards.
"""

import random
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.test import Client

from meaningflow.core import transactions
from meaningflow.core.services import audit_log, notification_send
from meaningflow.core.transactions import Busy
from meaningflow.ledger import selectors as ledger_selectors
from meaningflow.ledger import services as ledger
from meaningflow.ledger.models import Account
from meaningflow.ledger.verify import ledger_verify
from meaningflow.resources import services
from meaningflow.resources.models import Booking, BookingTransition
from meaningflow.resources.periods import period_for
from meaningflow.resources.services import bookings
from meaningflow.resources.tests.factories import days, mint, room

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="row locks need PostgreSQL"),
]

THREADS = 12
ROUNDS = 12
PROPER = {200, 201, 204, 400, 403, 404, 409, 422, 429}

OVERLAPS = """
SELECT count(*) FROM resources_booking a JOIN resources_booking b
  ON a.unit_id = b.unit_id AND a.id < b.id
 AND a.status IN ('requested','accepted','in_use') AND b.status IN ('requested','accepted','in_use')
 AND tstzrange(a.starts_at, a.blocked_until) && tstzrange(b.starts_at, b.blocked_until)"""


def _client(user) -> Client:
    # raise_request_exception=False: an unhandled error becomes the 500 a user would see.
    client = Client(HTTP_ACCEPT_LANGUAGE="en", raise_request_exception=False)
    client.force_login(user)
    return client


def _guest_round(client, resource, rng, mine: list[int], statuses: Counter) -> None:
    start = rng.randint(5, 9)
    response = client.post(
        f"/api/v1/resources/{resource.pk}/bookings",
        {"start": days(start).isoformat(), "end": days(start + 2).isoformat()},
        content_type="application/json",
    )
    statuses[response.status_code] += 1
    if response.status_code == 201:
        mine.append(response.json()["id"])
    if mine and rng.random() < 0.6:
        booking = mine.pop(rng.randrange(len(mine)))
        response = client.post(
            f"/api/v1/resources/bookings/{booking}/cancel", {"reason": "plans changed"}, content_type="application/json"
        )
        statuses[response.status_code] += 1


def _owner_round(client, rng, statuses: Counter) -> None:
    response = client.get("/api/v1/resources/bookings?role=owner&limit=50")
    statuses[response.status_code] += 1
    if response.status_code != 200:
        return
    items = response.json()
    items = items["items"] if isinstance(items, dict) else items
    for item in [b for b in items if b["status"] == "requested"][:3]:
        action = rng.choice(["accept", "decline"])
        response = client.post(
            f"/api/v1/resources/bookings/{item['id']}/{action}", {"reason": ""}, content_type="application/json"
        )
        statuses[response.status_code] += 1


def _cv_round(user, i: int, n: int, statuses: Counter) -> None:
    """The ledger has no write API: its services are called as the other apps call them."""
    try:
        ledger.use_record(user=user, amount=3, cause="test:use", idempotency_key=f"use-{i}-{n}")
        hold = ledger.hold_place(user=user, amount=5, cause="test:hold", idempotency_key=f"hold-{i}-{n}")
        ledger.hold_release(hold=hold)
        statuses["cv-ok"] += 1
    except (ValidationError, PermissionDenied):
        statuses["cv-refused"] += 1
    except Busy:
        statuses["cv-busy"] += 1


def test_mixed_booking_traffic_answers_no_500_and_keeps_the_invariants(owner, make_user):
    resource = room(owner, units=2)
    guests = [make_user(f"guest{i}") for i in range(3)]
    for guest in guests:
        mint(guest, 4000)
    failures: list[str] = []
    barrier = threading.Barrier(THREADS)

    def job(i: int) -> Counter:
        statuses: Counter = Counter()
        rng = random.Random(i)
        try:
            role = i % 4  # 0, 1: guests booking and cancelling; 2: the owner; 3: CV uses
            guest = guests[i % 3]
            client = _client(owner if role == 2 else guest)
            mine: list[int] = []
            barrier.wait()
            for n in range(ROUNDS):
                if role in (0, 1):
                    _guest_round(client, resource, rng, mine, statuses)
                elif role == 2:
                    _owner_round(client, rng, statuses)
                else:
                    _cv_round(guest, i, n, statuses)
        except Exception as exc:  # anything but a refusal is a failure of this test
            failures.append(repr(exc))
        finally:
            connection.close()
        return statuses

    with ThreadPoolExecutor(THREADS) as pool:
        totals = sum(pool.map(job, range(THREADS)), Counter())
    assert failures == []
    http = {code: count for code, count in totals.items() if isinstance(code, int)}
    assert totals[500] == 0, totals
    assert set(http) <= PROPER | {503}, totals
    assert http.get(201, 0) > 0 and totals["cv-ok"] > 0, totals  # the traffic really ran
    with connection.cursor() as cursor:
        cursor.execute(OVERLAPS)
        assert cursor.fetchone()[0] == 0
    assert not Account.objects.filter(kind=Account.Kind.PERSON, balance__lt=0).exists()
    for guest in guests:
        blocking = Booking.objects.filter(guest=guest, status__in=Booking.BLOCKING)
        assert ledger_selectors.held_of(guest) == sum(b.cv_amount for b in blocking)
    assert ledger_verify() == []


def test_the_rows_a_booking_locks_block_no_foreign_key_check_of_another_writer(owner, guest):
    """The cause of the deadlocks: a transition locked its booking's resource and guest too
    (``select_related`` without ``of``), and with ``FOR UPDATE``, which blocks the ``FOR KEY
    SHARE`` of every foreign-key check on those rows — run at the commit in Django's schema.
    Now a writer holding the locks of a booking and of a new booking (the guest, the units)
    lets another transaction insert rows that point at all of them."""
    resource = room(owner, booking_mode="instant")
    booking = services.booking_create(resource=resource, guest=guest, start=days(5), end=days(7))
    locked, release = threading.Event(), threading.Event()

    def hold_the_locks():
        try:
            with transactions.atomic():
                bookings.booking_locked(booking)
                bookings._guest_lock(guest)
                bookings._free_unit(resource, *_later_period(resource))
                locked.set()
                release.wait(30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_locks)
    holder.start()
    try:
        assert locked.wait(30)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '3s'")
            BookingTransition.objects.create(
                booking=booking,
                action="cancel",
                from_status="accepted",
                to_status="accepted",
                actor=guest,
                at=booking.created_at,
            )
            notification_send(recipient=guest, kind="resources.test", title="t")
            audit_log(actor=guest, action="resources.test", subject=booking.subject)
        # committed: the deferred foreign-key checks did not wait for the holder
    finally:
        release.set()
        holder.join()
        BookingTransition.objects.filter(action="cancel").delete()


def _later_period(resource):
    period = period_for(resource, days(20), days(22))
    return period, period.ends_at + timedelta(minutes=resource.preparation_minutes)
