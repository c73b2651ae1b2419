"""The booking state machine: request → accepted → in use → completed, and every exit."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from meaningflow.core.errors import error_codes
from meaningflow.ledger import selectors as ledger_selectors
from meaningflow.ledger.verify import ledger_verify
from meaningflow.resources import services
from meaningflow.resources.models import Booking, BookingTransition, NoShow, PaymentDue
from meaningflow.resources.tests.factories import days, mint, room

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def test_request_accept_start_complete_credits_host(owner, guest):
    resource = room(owner)
    before = ledger_selectors.available_balance_of(guest)
    booking = services.booking_create(resource=resource, guest=guest, start=days(10), end=days(12))
    assert booking.status == Booking.Status.REQUESTED
    assert booking.slots == 2 and booking.cv_amount > 0
    assert ledger_selectors.available_balance_of(guest) == before - booking.cv_amount
    assert ledger_selectors.held_of(guest) == booking.cv_amount

    services.booking_accept(booking=booking, actor=owner)
    services.stays_start(now=booking.starts_at + timedelta(hours=1))
    booking.refresh_from_db()
    assert booking.status == Booking.Status.IN_USE

    services.bookings_autocomplete(now=booking.ends_at + timedelta(hours=25))
    booking.refresh_from_db()
    assert booking.status == Booking.Status.COMPLETED
    assert booking.cv_consumed == booking.cv_amount
    assert ledger_selectors.held_of(guest) == 0
    assert booking.credit_status == Booking.Credit.PENDING  # waiting for the review
    assert booking.reviews_opened

    # No review within the window: neutral (0.7) × 200/night × 2 nights × demand. The
    # price used the demand when it was booked (no earlier requests: the floor, off-peak);
    # the credit uses the stay's own dates, where this stay was the one request for the
    # region's one unit: index 1.0, normal.
    assert booking.demand_level == "off_peak"
    services.contributions_credit(now=booking.closed_at + timedelta(days=13))
    booking.refresh_from_db()
    assert booking.credit_status == Booking.Credit.PENDING
    services.contributions_credit(now=booking.closed_at + timedelta(days=15))
    booking.refresh_from_db()
    assert booking.credit_status == Booking.Credit.CREDITED
    assert booking.credited_cv == 280
    assert [t.action for t in BookingTransition.objects.filter(booking=booking)] == [
        "request",
        "accept",
        "start",
        "complete",
    ]
    assert ledger_verify() == []


def test_illegal_transition_is_refused(owner, guest):
    booking = services.booking_create(resource=room(owner), guest=guest, start=days(10), end=days(11))
    with pytest.raises(PermissionDenied):
        services.booking_accept(booking=booking, actor=guest)
    services.booking_decline(booking=booking, actor=owner)
    with pytest.raises(ValidationError):
        services.booking_accept(booking=booking, actor=owner)
    assert ledger_selectors.held_of(guest) == 0


def test_overlap_on_single_unit_is_refused(owner, guest, make_user):
    resource = room(owner)
    services.booking_create(resource=resource, guest=guest, start=days(10), end=days(13))
    other = make_user("other")
    mint(other, 1000)
    with pytest.raises(ValidationError) as exc:
        services.booking_create(resource=resource, guest=other, start=days(12), end=days(14))
    assert error_codes(exc.value) == ["booking.not_available"]
    # Turnover day is fine: check-out 11:00, check-in 14:00.
    services.booking_create(resource=resource, guest=other, start=days(13), end=days(14))


def test_three_beds_take_three_guests(owner, guest, make_user):
    resource = room(owner, units=["Bed A", "Bed B", "Bed C"])
    units = set()
    for i in range(3):
        user = make_user(f"g{i}")
        mint(user, 1000)
        units.add(services.booking_create(resource=resource, guest=user, start=days(5), end=days(6)).unit_id)
    assert len(units) == 3
    with pytest.raises(ValidationError):
        services.booking_create(resource=resource, guest=guest, start=days(5), end=days(6))


def test_expiry_job_releases_cv(owner, guest):
    booking = services.booking_create(resource=room(owner), guest=guest, start=days(10), end=days(11))
    assert services.bookings_expire(now=booking.respond_by - timedelta(minutes=1))["done"] == 0
    assert services.bookings_expire(now=booking.respond_by)["done"] == 1
    booking.refresh_from_db()
    assert booking.status == Booking.Status.EXPIRED
    assert ledger_selectors.held_of(guest) == 0
    assert services.bookings_expire(now=booking.respond_by + timedelta(hours=1))["done"] == 0


def test_problem_blocks_autocomplete(owner, guest):
    booking = services.booking_create(
        resource=room(owner, booking_mode="instant"), guest=guest, start=days(3), end=days(4)
    )
    assert booking.status == Booking.Status.ACCEPTED
    services.stays_start(now=booking.starts_at)
    services.booking_report_problem(
        booking=booking,
        actor=guest,
        note="No hot water",
        now=booking.starts_at + timedelta(hours=2),
    )
    assert services.bookings_autocomplete(now=booking.ends_at + timedelta(days=3))["done"] == 0
    booking.refresh_from_db()
    assert booking.status == Booking.Status.IN_USE


def test_no_show_consumes_and_counts(owner, guest):
    booking = services.booking_create(
        resource=room(owner, booking_mode="instant"), guest=guest, start=days(3), end=days(4)
    )
    with pytest.raises(ValidationError):
        services.booking_report_no_show(booking=booking, actor=owner)
    services.booking_report_no_show(booking=booking, actor=owner, now=booking.starts_at + timedelta(hours=3))
    booking.refresh_from_db()
    assert booking.status == Booking.Status.NO_SHOW
    assert booking.cv_consumed == booking.cv_amount
    assert NoShow.objects.filter(user=guest).count() == 1


def test_mixed_payment_lines_and_offline_payment(owner, guest):
    resource = room(owner, payment="mixed", price_amount="120.00", price_currency="CNY")
    booking = services.booking_create(resource=resource, guest=guest, start=days(20), end=days(23))
    assert sorted(booking.lines.values_list("kind", flat=True)) == ["cv", "money"]
    assert not PaymentDue.objects.filter(booking=booking).exists()
    services.booking_accept(booking=booking, actor=owner)
    payment = PaymentDue.objects.get(booking=booking)
    assert payment.amount == 360 and payment.currency == "CNY" and payment.status == "due"
    services.payment_confirm(booking=booking, actor=owner)
    # Guest cancels 2 days before under "moderate": 50 % back, in CV and money.
    services.booking_cancel(booking=booking, actor=guest, now=booking.starts_at - timedelta(days=2))
    payment.refresh_from_db()
    booking.refresh_from_db()
    assert payment.status == "refund_due" and payment.refund_amount == 180
    assert booking.cv_consumed == booking.cv_amount // 2
    services.payment_confirm(booking=booking, actor=owner)
    payment.refresh_from_db()
    assert payment.status == "refunded"
