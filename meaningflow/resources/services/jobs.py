"""Timed transitions (SW-4): run by the management commands ``resources_expire_requests``,
``resources_start_stays`` and ``resources_autocomplete``; and the idle-resource prompt
(SW-8, ``resources_idle_prompt``). Each booking is handled in its
own transaction and re-checked under its row lock, so a job that runs twice, or beside a
person acting on the same booking, does nothing twice. ``now`` is injectable for tests."""

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any, TextIO

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from meaningflow.core import transactions
from meaningflow.core.services import JobProgress, audit_log, notification_send
from meaningflow.resources import rules, selectors
from meaningflow.resources.models import Booking, Resource
from meaningflow.resources.services import bookings, contributions

S = Booking.Status
# A job's summary: how many bookings it changed (``done``) and passed over.
JobResult = dict[str, int]


def _run(
    job: str,
    queryset: QuerySet[Booking],
    step: Callable[..., object],
    *,
    now: datetime,
    stream: TextIO | None = None,
) -> JobResult:
    ids = list(queryset.order_by("pk").values_list("pk", flat=True))
    done = skipped = 0
    key = now.strftime("%Y-%m-%dT%H:%M:%S")
    with JobProgress(job=job, key=key, total=len(ids), stream=stream) as progress:
        for pk in ids:
            try:
                step(booking=Booking(pk=pk), now=now)
                done += 1
            except (ValidationError, PermissionDenied, transactions.Busy):
                skipped += 1  # changed meanwhile (someone acted first) or still contended: next run
            progress.advance(1)
        progress.summary.update(done=done, skipped=skipped)
    return {"done": done, "skipped": skipped}


def bookings_expire(*, now: datetime | None = None, stream: TextIO | None = None) -> JobResult:
    """Requests the owner did not answer in time → expired, CV released."""
    now = now or timezone.now()
    due = Booking.objects.filter(status=S.REQUESTED, respond_by__lte=now)
    return _run("resources.expire_requests", due, bookings.booking_expire, now=now, stream=stream)


def stays_start(*, now: datetime | None = None, stream: TextIO | None = None) -> JobResult:
    """Accepted bookings whose start has come → in use."""
    now = now or timezone.now()
    due = Booking.objects.filter(status=S.ACCEPTED, starts_at__lte=now)
    return _run("resources.start_stays", due, bookings.booking_start, now=now, stream=stream)


def bookings_autocomplete(*, now: datetime | None = None, stream: TextIO | None = None) -> JobResult:
    """Stays over for ``autocomplete_hours`` without a reported problem → completed; then
    the host credits that are due (``contributions_credit``)."""
    now = now or timezone.now()
    params = rules.rules_in_force(on=timezone.localdate(now))
    cutoff = now - timedelta(hours=params["autocomplete_hours"])
    due = Booking.objects.filter(status=S.IN_USE, ends_at__lte=cutoff, problem_reported_at__isnull=True)

    def complete(*, booking: Booking, now: datetime) -> None:
        bookings.booking_complete(booking=booking, now=now)

    result = _run("resources.autocomplete", due, complete, now=now, stream=stream)
    result["credited"] = contributions_credit(now=now, stream=stream)["done"]
    return result


def contributions_credit(*, now: datetime | None = None, stream: TextIO | None = None) -> JobResult:
    """Credit hosts whose guest's rating is now known (or whose review window passed)."""
    now = now or timezone.now()
    pending = Booking.objects.filter(credit_status=Booking.Credit.PENDING)
    credited = 0
    for pk in pending.order_by("pk").values_list("pk", flat=True):
        if contributions.contribution_credit(booking=Booking(pk=pk), now=now):
            credited += 1
    return {"done": credited}


def idle_resources_prompt(*, now: datetime | None = None, stream: TextIO | None = None) -> JobResult:
    """SW-8: tell the owner (or the public body's manager) of every idle listed resource —
    listed the whole utilisation window and booked for none of it — how to activate it;
    at most once every ``prompt_every_days`` per resource, so the job may run daily."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    params = rules.rules_in_force(on=today)["utilisation"]
    start = now - timedelta(days=params["window_days"])
    idle = [u for u in selectors.resource_utilisation(region_prefix="", start=start, end=now) if u.idle]
    prompted = 0
    with JobProgress(job="resources.idle_prompt", key=today.isoformat(), total=len(idle), stream=stream) as progress:
        for row in idle:
            prompted += _idle_prompt(resource_id=row.resource.pk, today=today, params=params)
            progress.advance(1)
        progress.summary.update(idle=len(idle), prompted=prompted)
    return {"idle": len(idle), "prompted": prompted}


@transactions.entry_point
def _idle_prompt(*, resource_id: int, today: date, params: dict[str, Any]) -> bool:
    """Prompt one idle resource's owner unless prompted within the interval; True if now."""
    with transactions.atomic():
        # Row lock: a second run beside this one prompts nobody twice.
        resource = Resource.objects.select_for_update(no_key=True).get(pk=resource_id)
        last = resource.idle_prompted_on
        if last is not None and (today - last).days < params["prompt_every_days"]:
            return False
        owner = resource.owner
        with translation.override(getattr(owner, "preferred_language", "") or None):
            notification_send(
                recipient=owner,
                kind="resources.idle",
                title=gettext("“%(title)s” has not been booked for %(days)s days")
                % {"title": resource.title, "days": params["window_days"]},
                body=gettext(
                    "People nearby are looking for places like it. Check its "
                    "availability and price, add photos, or offer it for CV only."
                ),
                url=reverse("resources:manage", args=[resource.pk]),
            )
        Resource.objects.filter(pk=resource.pk).update(idle_prompted_on=today)
        audit_log(
            actor=None,
            action="resources.resource.idle_prompted",
            subject=f"resources.resource:{resource.pk}",
            region_code=resource.region_key,
            data={"window_days": params["window_days"]},
        )
        return True
