"""The host's contribution (CV-E1): a finished stay credits its host once the guest's
rating is known, or neutral when none came in time. Run by the ``resources_credit`` job;
idempotent per booking."""

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from meaningflow.core import transactions
from meaningflow.core.services import audit_log
from meaningflow.ledger import selectors as ledger_selectors
from meaningflow.ledger import services as ledger
from meaningflow.resources import pricing, rules, selectors
from meaningflow.resources.models import Booking
from meaningflow.resources.services.bookings import booking_locked
from meaningflow.reviews import selectors as reviews_selectors


def _rating_level(booking: Booking, *, now: datetime, params: dict[str, Any]) -> str | None:
    """good / neutral / bad from the guest's review of the host once it is final (the
    reviews app's one path to a rating coefficient, with the ledger's dated star
    thresholds); neutral when none came; None while one may still come. Without a review
    window (an early end) the rating is neutral ``review_days`` after the stay closed."""
    closed_at = booking.closed_at
    assert closed_at is not None  # a finished stay (completed or ended early) is closed
    return reviews_selectors.rating_level_for_subject(
        subject=booking.subject,
        subject_user=booking.resource.owner,
        levels=ledger_selectors.rating_levels_in_force(on=timezone.localdate(closed_at)),
        now=now,
        wait_until=closed_at + timedelta(days=params["review_days"]),
    )


@transactions.entry_point
def contribution_credit(*, booking: Booking, now: datetime | None = None) -> bool:
    """Credit the host for a finished stay once the guest's rating is known (or the review
    window has passed: neutral). Idempotent (key ``resources.booking:<id>:contribution``);
    returns True when credited now."""
    now = now or timezone.now()
    params = rules.rules_in_force(on=timezone.localdate(now))
    with transactions.atomic():
        booking = booking_locked(booking)
        if booking.credit_status != Booking.Credit.PENDING or not booking.used_slots:
            return False
        rating = _rating_level(booking, now=now, params=params)
        if rating is None:
            return False
        on = timezone.localdate(booking.closed_at)
        # The demand of the stay's own dates, now that every request for them is known
        # (the booking's ``demand_level`` is what its price used when it was made).
        demand_index, demand = selectors.demand_index_of_stay(booking=booking, params=params)
        contribution = ledger.contribution_record(
            beneficiary=booking.resource.owner,
            kind="resource",
            inputs=pricing.host_credit_inputs(
                booking.resource,
                slots=booking.used_slots,
                demand=demand,
                rating=rating,
                on=on,
            ),
            idempotency_key=f"{booking.subject}:contribution",
            cause=booking.subject,
            occurred_on=on,
        )
        booking.credit_status = Booking.Credit.CREDITED
        booking.credited_cv = contribution.credited
        booking.save(update_fields=["credit_status", "credited_cv"])
        audit_log(
            action="resources.booking.credited",
            subject=booking.subject,
            region_code=booking.resource.region_code,
            data={
                "rating": rating,
                "demand_index": str(demand_index),
                "credited": contribution.credited,
            },
        )
    return True
