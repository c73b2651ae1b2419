"""The host's contribution (CV-E1) from a completed stay to the credited amount: the demand
index of the stay's own dates (issue 11 item 4) and the guest's review as the rating.

Every person here has a verified identity first: CV is bound to the verified person
(ID-2), and contributions of unverified people are only pending."""

import itertools
from datetime import timedelta

import pytest

from meaningflow.accounts.models import Identity
from meaningflow.accounts.services import identity_verify
from meaningflow.ledger import selectors as ledger_selectors
from meaningflow.resources import services
from meaningflow.resources.models import Booking
from meaningflow.resources.tests.factories import days, mint, room
from meaningflow.reviews import selectors as reviews_selectors
from meaningflow.reviews import services as reviews

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

_passports = itertools.count(1)


def verified(user, *, cv: int = 0):
    """``user`` with a verified identity (the shared ``make_user`` may have given one)."""
    if not Identity.objects.filter(user=user).exists():
        identity_verify(
            user=user,
            document_type="passport",
            legal_name=user.username,
            number=f"E1TEST{next(_passports):06d}",
            country="DE",
        )
    if cv:
        mint(user, cv)
    return user


@pytest.fixture
def people(make_user, world):
    def make(*names: str, cv: int = 0):
        return [verified(make_user(name), cv=cv) for name in names]

    return make


def _stay_to_reviews(booking: Booking, *, owner, stars: int) -> Booking:
    """Accept, run and complete the stay; guest and host review each other (revealed)."""
    services.booking_accept(booking=booking, actor=owner)
    services.stays_start(now=booking.starts_at + timedelta(hours=1))
    services.bookings_autocomplete(now=booking.ends_at + timedelta(hours=25))
    window = reviews_selectors.window_for_subject(subject=booking.subject)
    reviews.review_submit(window=window, author=booking.guest, subject_user=owner, rating=stars)
    reviews.review_submit(window=window, author=owner, subject_user=booking.guest, rating=5)
    services.contributions_credit()
    booking.refresh_from_db()
    return booking


def test_demand_is_that_of_the_stays_dates_not_of_the_month_before_the_booking(people):
    """Three requests for other dates came in just before this booking: the month before
    it was busy (index 3 per unit, clipped to 1.5, peak), but on the stay's own nights the
    one unit had only this stay (index 1.0, normal). The host earns 200 × 2 × 1.0 × good
    1.0 = 400, not 600."""
    owner, early, guest = people("host_e1", "early_bird", "guest_e1", cv=2000)
    resource = room(owner)
    for start in (20, 22, 24):
        services.booking_create(resource=resource, guest=early, start=days(start), end=days(start + 1))
    booking = services.booking_create(resource=resource, guest=guest, start=days(10), end=days(12))
    assert booking.demand_level == "peak"  # the price: the month before the booking

    booking = _stay_to_reviews(booking, owner=owner, stars=5)

    assert booking.credit_status == Booking.Credit.CREDITED
    contribution = ledger_selectors.contributions_of(owner).get(cause=booking.subject)
    assert contribution.inputs["demand"] == "normal"
    assert contribution.inputs["rating"] == "good"
    assert booking.credited_cv == contribution.credited == 400


def test_requests_for_the_stays_dates_made_after_the_booking_count(people):
    """When this stay was booked nobody else had asked (the price used off-peak 0.8). Then
    two more requests came for the same nights on the region's other unit (one declined,
    one stayed): 6 unit-nights asked for 2 units × 2 nights, index 1.5, peak. With a
    neutral review (3 stars): 200 × 2 × 1.5 × 0.7 = 420."""
    owner, other_host, guest, second, third = people("host_a", "host_b", "guest_a", "guest_b", "guest_c", cv=2000)
    ours, theirs = room(owner), room(other_host, title_en="Second room", title_zh="第二间客房")
    booking = services.booking_create(resource=ours, guest=guest, start=days(10), end=days(12))
    assert booking.demand_level == "off_peak"
    declined = services.booking_create(resource=theirs, guest=second, start=days(10), end=days(12))
    services.booking_decline(booking=declined, actor=other_host)
    services.booking_create(resource=theirs, guest=third, start=days(10), end=days(12))

    booking = _stay_to_reviews(booking, owner=owner, stars=3)

    contribution = ledger_selectors.contributions_of(owner).get(cause=booking.subject)
    assert contribution.inputs["demand"] == "peak"
    assert contribution.inputs["rating"] == "neutral"
    assert booking.credited_cv == 420
