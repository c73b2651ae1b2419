"""Exchange stays: agreement, mid-stay check-in and the safeguard path (BX-14)."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from meaningflow.accounts.models import StaffRole
from meaningflow.core.models import Notification
from meaningflow.ledger import selectors as ledger_selectors
from meaningflow.ledger.verify import ledger_verify
from meaningflow.resources import services
from meaningflow.resources.models import Booking, CheckIn, SafeguardCase
from meaningflow.resources.tests.factories import days, room

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def exchange_room(owner):
    return room(
        owner,
        is_exchange=True,
        exchange_hours_per_day=4,
        exchange_provides="Bed and breakfast",
        booking_mode="instant",
        max_slots=30,
    )


def test_checkin_and_safeguard_refunds_unused_nights(owner, guest, make_user):
    moderator = make_user("mod")
    StaffRole.objects.create(user=moderator, role=StaffRole.Role.MODERATOR)
    booking = services.booking_create(resource=exchange_room(owner), guest=guest, start=days(5), end=days(15))
    assert booking.is_exchange and booking.exchange_provides == "Bed and breakfast"
    services.stays_start(now=booking.starts_at)
    mid = booking.starts_at + timedelta(days=4, hours=2)
    services.checkin_record(booking=booking, actor=owner, as_agreed=True, now=mid)
    services.checkin_record(booking=booking, actor=guest, as_agreed=False, note="12 hours a day, not 4", now=mid)
    with pytest.raises(ValidationError):
        services.checkin_record(booking=booking, actor=guest, as_agreed=True, now=mid)
    assert CheckIn.objects.filter(booking=booking).count() == 2
    assert Notification.objects.filter(recipient=moderator, kind="resources.checkin.concern").exists()

    services.booking_end_early(booking=booking, actor=guest, reason="Overworked", now=mid)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.ENDED_EARLY
    assert booking.used_slots == 4
    assert booking.cv_consumed == booking.cv_amount * 4 // 10
    assert ledger_selectors.held_of(guest) == 0
    case = SafeguardCase.objects.get(booking=booking)
    assert case.refunded_cv == booking.cv_amount - booking.cv_consumed
    assert Notification.objects.filter(recipient=moderator, kind="resources.booking.safeguard").exists()
    # The host is credited for the 4 used nights only (neutral: no review window on early end).
    services.contributions_credit(now=mid + timedelta(days=15))
    booking.refresh_from_db()
    assert booking.credit_status == Booking.Credit.CREDITED
    # 4 nights × 200 × neutral 0.7 × normal 1.0: over the nights used, this stay was the
    # region's one request for its one unit (demand index 1.0).
    assert booking.credited_cv == 560
    assert ledger_verify() == []
