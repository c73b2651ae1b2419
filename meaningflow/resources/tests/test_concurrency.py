"""50 concurrent booking attempts on one unit (PostgreSQL row locks + exclusion constraint)."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from meaningflow.ledger import selectors as ledger_selectors
from meaningflow.ledger.verify import ledger_verify
from meaningflow.resources import services
from meaningflow.resources.models import Booking
from meaningflow.resources.tests.factories import days, mint, room

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="row locks need PostgreSQL"),
]


def test_fifty_concurrent_attempts_give_exactly_one_booking(owner, make_user):
    resource = room(owner, booking_mode="instant")
    guests = [make_user(f"racer{i}") for i in range(50)]
    for g in guests:
        mint(g, 1000)
    barrier = threading.Barrier(len(guests))

    def attempt(i):
        try:
            barrier.wait()
            # Overlapping periods: every pair shares at least one night.
            services.booking_create(resource=resource, guest=guests[i], start=days(10 + i % 3), end=days(14))
            return "ok"
        except (ValidationError, PermissionDenied) as exc:
            return str(exc)
        finally:
            connection.close()

    with ThreadPoolExecutor(len(guests)) as pool:
        results = list(pool.map(attempt, range(len(guests))))
    assert results.count("ok") == 1, results
    assert Booking.objects.filter(status__in=Booking.BLOCKING).count() == 1
    winner = Booking.objects.get()
    for g in guests:
        held = ledger_selectors.held_of(g)
        assert held == (winner.cv_amount if g.pk == winner.guest_id else 0)
        if g.pk != winner.guest_id:
            assert ledger_selectors.available_balance_of(g) == 1000
    assert ledger_verify() == []
