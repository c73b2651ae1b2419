"""Early warnings (GV-8): detect cases that need an officer's attention.

Each detector returns (person_id, reason, data) triples; ``warnings_detect`` writes them
set-based. At most one open warning exists per person and kind (a partial unique
constraint), so re-running the job is harmless.
"""

import datetime
from itertools import groupby

from django.conf import settings
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from meaningflow.assistance.models import IncomeRecord, PlanStep, PushItem, RegistryPerson, Warning
from meaningflow.core.services import JobProgress
from meaningflow.ledger.selectors import contributions_of

DEFAULTS = {"low_participation_days": 30, "stalled_cv_days": 60, "interrupted_days": 90}


def _setting(name: str) -> int:
    return int(getattr(settings, "ASSISTANCE_WARNINGS", {}).get(name, DEFAULTS[name]))


def _persons(region_prefix: str):
    return RegistryPerson.objects.filter(region_code__startswith=region_prefix).exclude(
        registration_status=RegistryPerson.RegistrationStatus.DEREGISTERED
    )


def detect_plan_overdue(region_prefix: str, today: datetime.date):
    steps = (
        PlanStep.objects.filter(plan__person__in=_persons(region_prefix), status=PlanStep.Status.OPEN, due_on__lt=today)
        .values_list("plan__person_id", "due_on")
        .order_by("plan__person_id")
    )
    for person_id, rows in groupby(steps, key=lambda r: r[0]):
        rows = list(rows)
        yield (
            person_id,
            _("%(n)s plan step(s) overdue since %(date)s") % {"n": len(rows), "date": min(r[1] for r in rows)},
            {},
        )


def detect_income_falling(region_prefix: str, today: datetime.date):
    records = (
        IncomeRecord.objects.filter(person__in=_persons(region_prefix))
        .order_by("person_id", "month")
        .values_list("person_id", "month", "amount")
    )
    for person_id, rows in groupby(records, key=lambda r: r[0]):
        last = list(rows)[-4:]
        amounts = [float(r[2]) for r in last]
        if len(amounts) == 4 and all(b < a for a, b in zip(amounts, amounts[1:], strict=False)):
            yield (
                person_id,
                _("Income fell three months in a row (to %(month)s)") % {"month": last[-1][1].strftime("%Y-%m")},
                {"months": [r[1].strftime("%Y-%m") for r in last]},
            )


def detect_low_participation(region_prefix: str, today: datetime.date):
    """Pushes sent more than N days ago that the person never opened or accepted."""
    cut = timezone.now() - datetime.timedelta(days=_setting("low_participation_days"))
    unanswered = (
        PushItem.objects.filter(person__in=_persons(region_prefix), status=PushItem.Status.SENT, sent_at__lt=cut)
        .values_list("person_id", flat=True)
        .distinct()
    )
    for person_id in unanswered:
        yield (
            person_id,
            _("No response to pushes for %(days)s days") % {"days": _setting("low_participation_days")},
            {},
        )


def detect_stalled_cv(region_prefix: str, today: datetime.date):
    """Linked persons whose contribution record stopped growing (ledger selectors)."""
    cut = today - datetime.timedelta(days=_setting("stalled_cv_days"))
    for person in _persons(region_prefix).filter(user__isnull=False).select_related("user"):
        last = contributions_of(person.user).aggregate(last=Max("occurred_on"))["last"]
        if last is not None and last < cut:
            yield (
                person.pk,
                _("No contribution recorded since %(date)s") % {"date": last.isoformat()},
                {},
            )


def detect_interrupted(region_prefix: str, today: datetime.date):
    """Recognised persons with no contact (push) for N days."""
    cut = timezone.now() - datetime.timedelta(days=_setting("interrupted_days"))
    recognised = _persons(region_prefix).filter(recognition__recognised=True).annotate(last_push=Max("pushes__sent_at"))
    for person_id, last in recognised.filter(last_push__lt=cut).values_list("pk", "last_push"):
        yield (
            person_id,
            _("No assistance contact since %(date)s") % {"date": last.date().isoformat()},
            {},
        )


DETECTORS = {
    Warning.Kind.PLAN_OVERDUE: detect_plan_overdue,
    Warning.Kind.INCOME_FALLING: detect_income_falling,
    Warning.Kind.LOW_PARTICIPATION: detect_low_participation,
    Warning.Kind.STALLED_CV: detect_stalled_cv,
    Warning.Kind.INTERRUPTED: detect_interrupted,
}


def warnings_detect(*, region_prefix: str = "", today: datetime.date | None = None, stream=None) -> dict:
    """Run every detector over the region; create the missing open warnings."""
    today = today or timezone.localdate()
    summary = {}
    with JobProgress(
        job="assistance.warnings",
        key=f"{region_prefix or '*'}:{today.isoformat()}:{timezone.now():%H%M%S%f}",
        total=len(DETECTORS),
        stream=stream,
    ) as progress:
        for kind, detector in DETECTORS.items():
            found = [
                Warning(person_id=pid, kind=kind, reason=reason[:300], data=data)
                for pid, reason, data in detector(region_prefix, today)
            ]
            before = Warning.objects.filter(kind=kind, resolved_at__isnull=True).count()
            Warning.objects.bulk_create(found, batch_size=2000, ignore_conflicts=True)
            summary[kind] = Warning.objects.filter(kind=kind, resolved_at__isnull=True).count() - before
            progress.advance(1)
        progress.summary.update({f"new_{k}": v for k, v in summary.items()})
    return summary
