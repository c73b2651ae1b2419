"""Timed transitions (SW-4): run by the management commands ``resources_expire_requests``,
``resources_start_stays`` and ``resources_autocomplete``. Each booking is handled in its
own transaction and re-checked under its row lock, so a job that runs twice, or beside a
person acting on the same booking, does nothing twice. ``now`` is injectable for tests."""

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from meaningflow.core.services import JobProgress
from meaningflow.resources import rules
from meaningflow.resources.models import Booking
from meaningflow.resources.services import bookings

S = Booking.Status


def _run(job: str, queryset, step, *, now: datetime, stream=None) -> dict:
    ids = list(queryset.order_by("pk").values_list("pk", flat=True))
    done = skipped = 0
    key = now.strftime("%Y-%m-%dT%H:%M:%S")
    with JobProgress(job=job, key=key, total=len(ids), stream=stream) as progress:
        for pk in ids:
            try:
                step(booking=Booking(pk=pk), now=now)
                done += 1
            except (ValidationError, PermissionDenied):
                skipped += 1  # changed meanwhile: someone acted first
            progress.advance(1)
        progress.summary.update(done=done, skipped=skipped)
    return {"done": done, "skipped": skipped}


def bookings_expire(*, now: datetime | None = None, stream=None) -> dict:
    """Requests the owner did not answer in time → expired, CV released."""
    now = now or timezone.now()
    due = Booking.objects.filter(status=S.REQUESTED, respond_by__lte=now)
    return _run("resources.expire_requests", due, bookings.booking_expire, now=now, stream=stream)


def stays_start(*, now: datetime | None = None, stream=None) -> dict:
    """Accepted bookings whose start has come → in use."""
    now = now or timezone.now()
    due = Booking.objects.filter(status=S.ACCEPTED, starts_at__lte=now)
    return _run("resources.start_stays", due, bookings.booking_start, now=now, stream=stream)


def bookings_autocomplete(*, now: datetime | None = None, stream=None) -> dict:
    """Stays over for ``autocomplete_hours`` without a reported problem → completed; then
    the host credits that are due (``contributions_credit``)."""
    now = now or timezone.now()
    params = rules.rules_in_force(on=timezone.localdate(now))
    cutoff = now - timedelta(hours=params["autocomplete_hours"])
    due = Booking.objects.filter(
        status=S.IN_USE, ends_at__lte=cutoff, problem_reported_at__isnull=True
    )

    def complete(*, booking, now):
        bookings.booking_complete(booking=booking, now=now)

    result = _run("resources.autocomplete", due, complete, now=now, stream=stream)
    result["credited"] = contributions_credit(now=now, stream=stream)["done"]
    return result


def contributions_credit(*, now: datetime | None = None, stream=None) -> dict:
    """Credit hosts whose guest's rating is now known (or whose review window passed)."""
    now = now or timezone.now()
    pending = Booking.objects.filter(credit_status=Booking.Credit.PENDING)
    credited = 0
    for pk in pending.order_by("pk").values_list("pk", flat=True):
        if bookings.contribution_credit(booking=Booking(pk=pk), now=now):
            credited += 1
    return {"done": credited}
