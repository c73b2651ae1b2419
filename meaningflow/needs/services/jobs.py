"""Timed transitions, run by the management commands ``needs_expire`` and
``needs_auto_confirm`` (which also runs ``reviews.applications_mark_reviewed``). Each item
is handled in its own transaction and re-checked under its locks, so a job that runs twice
does nothing twice; ``now`` is injectable for tests."""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from meaningflow.needs.models import Application, Need
from meaningflow.needs.services.applications import application_outcome_confirm
from meaningflow.needs.services.common import OPEN_APPLICATION, S
from meaningflow.needs.services.transitions import application_transition, need_transition

AUTO_CONFIRM_DAYS = getattr(settings, "NEEDS_AUTO_CONFIRM_DAYS", 7)


def needs_expire(*, now: datetime | None = None) -> dict[str, int]:
    """Job ``needs_expire``: published or filled needs past their end expire; open
    applications past the need's application deadline expire. Idempotent."""
    now = now or timezone.now()
    expired_needs = 0
    for need in (
        Need.objects.filter(status__in=[Need.Status.PUBLISHED, Need.Status.FILLED], ends_at__lte=now)
        .order_by("pk")
        .only("pk")
    ):
        try:
            need_transition(need=need, action="expire", reason="ended")
        except ValidationError:
            continue  # changed meanwhile
        expired_needs += 1
    expired_applications = 0
    late = Application.objects.filter(status__in=OPEN_APPLICATION, need__application_deadline__lte=now)
    for application in late.order_by("pk").only("pk"):
        try:
            application_transition(application=application, action="expire", actor=None, reason="deadline")
        except ValidationError:
            continue
        expired_applications += 1
    return {"needs_expired": expired_needs, "applications_expired": expired_applications}


def applications_auto_confirm(*, now: datetime | None = None, days: int = AUTO_CONFIRM_DAYS) -> int:
    """Job ``needs_auto_confirm``: confirm outcomes the applicant left unanswered for
    ``days`` days. Idempotent; returns how many were confirmed."""
    cutoff = (now or timezone.now()) - timedelta(days=days)
    due = Application.objects.filter(status=S.IN_PROGRESS, proposed_at__lte=cutoff).exclude(proposed_outcome="")
    count = 0
    for application in due.order_by("pk").only("pk", "need_id"):
        try:
            application_outcome_confirm(application=application, actor=None)
        except ValidationError:
            continue
        count += 1
    return count
