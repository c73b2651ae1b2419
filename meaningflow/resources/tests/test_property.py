"""Random booking/cancel/decline sequences never overlap a unit and keep the ledger sound."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from meaningflow.ledger import selectors as ledger_selectors
from meaningflow.ledger.verify import ledger_verify
from meaningflow.resources import services
from meaningflow.resources.models import Booking
from meaningflow.resources.tests.factories import days, mint, room

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

step = st.tuples(
    st.sampled_from(["book", "book", "cancel", "decline", "accept"]),
    st.integers(0, 2),  # which guest
    st.integers(3, 20),  # start day
    st.integers(1, 4),  # nights
    st.integers(0, 10),  # which booking (for cancel/decline/accept)
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(step, min_size=1, max_size=12))
def test_no_overlap_and_ledger_invariants(owner, make_user, world, steps):
    resource = room(owner, units=["A", "B"], max_slots=10)
    guests = []
    for i in range(3):
        user = make_user(f"p{i}-{Booking.objects.count()}-{resource.pk}")
        mint(user, 3000)
        guests.append(user)
    for action, who, start, nights, which in steps:
        try:
            if action == "book":
                services.booking_create(
                    resource=resource, guest=guests[who], start=days(start), end=days(start + nights)
                )
                continue
            mine = list(Booking.objects.filter(resource=resource).order_by("pk"))
            if not mine:
                continue
            booking = mine[which % len(mine)]
            if action == "cancel":
                services.booking_cancel(booking=booking, actor=booking.guest)
            elif action == "decline":
                services.booking_decline(booking=booking, actor=owner)
            else:
                services.booking_accept(booking=booking, actor=owner)
        except (ValidationError, PermissionDenied):
            pass
    blocking = list(Booking.objects.filter(resource=resource, status__in=Booking.BLOCKING))
    for a in blocking:
        for b in blocking:
            if a.pk < b.pk and a.unit_id == b.unit_id:
                assert a.blocked_until <= b.starts_at or b.blocked_until <= a.starts_at
    for user in guests:
        held = sum(b.cv_amount for b in blocking if b.guest_id == user.pk)
        assert ledger_selectors.held_of(user) == held
        consumed = sum(b.cv_consumed for b in Booking.objects.filter(guest=user))
        assert ledger_selectors.balance_of(user) == 3000 - consumed
    assert ledger_verify() == []
