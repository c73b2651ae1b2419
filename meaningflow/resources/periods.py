"""Turning what a person asks for (dates or hours) into the exact period of a booking, and
the checks that need no database: order, whole slots, duration limits, lead time."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from meaningflow.core.validators import EVENT, check_date


@dataclass(frozen=True)
class Period:
    starts_at: datetime
    ends_at: datetime
    slots: int


def parse_moment(value) -> date | datetime:
    """A date (YYYY-MM-DD) or a date-time (ISO 8601); bad text, or a moment outside the
    window of activities (``core.validators.EVENT``), is a ValidationError."""
    if isinstance(value, datetime | date):
        check_date(value, window=EVENT)
        return value
    text = str(value or "").strip()
    parsed = None
    try:
        parsed = parse_datetime(text) if "T" in text or " " in text else parse_date(text)
    except ValueError:
        parsed = None
    if parsed is None:
        raise ValidationError(
            _("“%(value)s” is not a date (YYYY-MM-DD) or a date and time.") % {"value": text},
            code="period.not_a_date",
        )
    check_date(parsed, window=EVENT)
    return parsed


def _as_date(value) -> date:
    value = parse_moment(value)
    return value.date() if isinstance(value, datetime) else value


def _local(day: date, at: time, tz) -> datetime:
    return datetime.combine(day, at).replace(tzinfo=tz)


def period_for(resource, start, end) -> Period:
    """The period of a booking of ``resource`` from ``start`` to ``end``.

    Nightly: check-in date and check-out date (check-in/out times of the resource).
    Daily: first and last day, both included. Hourly: date-times on the hour."""
    tz = resource.tz
    if resource.slot == "hourly":
        first, last = parse_moment(start), parse_moment(end)
        if not isinstance(first, datetime) or not isinstance(last, datetime):
            raise ValidationError(_("Give a start and end time for an hourly booking."), code="period.times_missing")
        first = first if timezone.is_aware(first) else first.replace(tzinfo=tz)
        last = last if timezone.is_aware(last) else last.replace(tzinfo=tz)
        if last <= first:
            raise ValidationError(_("The end must be after the start."), code="period.end_before_start")
        if any(m.minute or m.second or m.microsecond for m in (first, last)):
            raise ValidationError(_("Hourly bookings start and end on the hour."), code="period.not_on_the_hour")
        return Period(first, last, int((last - first).total_seconds() // 3600))
    first, last = _as_date(start), _as_date(end)
    if resource.slot == "nightly":
        if last <= first:
            raise ValidationError(
                _("The check-out date must be after the check-in date."), code="period.end_before_start"
            )
        return Period(
            _local(first, resource.check_in_time, tz),
            _local(last, resource.check_out_time, tz),
            (last - first).days,
        )
    if last < first:
        raise ValidationError(_("The end must not be before the start."), code="period.end_before_start")
    return Period(
        _local(first, time(0), tz),
        _local(last + timedelta(days=1), time(0), tz),
        (last - first).days + 1,
    )


def period_check(resource, period: Period, *, now: datetime) -> None:
    """Duration limits and lead time of the resource (SW-2)."""
    if period.slots < resource.min_slots:
        raise ValidationError(
            _("This resource is booked for at least %(n)s %(unit)s.")
            % {"n": resource.min_slots, "unit": resource.get_slot_display().lower()},
            code="period.too_short",
        )
    if period.slots > resource.max_slots:
        raise ValidationError(
            _("This resource is booked for at most %(n)s %(unit)s.")
            % {"n": resource.max_slots, "unit": resource.get_slot_display().lower()},
            code="period.too_long",
        )
    if period.starts_at < now:
        raise ValidationError(_("The start is in the past."), code="period.in_the_past")
    if period.starts_at < now + timedelta(hours=resource.lead_time_hours):
        raise ValidationError(
            _("This resource must be booked at least %(hours)s hours ahead.") % {"hours": resource.lead_time_hours},
            code="period.too_soon",
        )


def search_window(date_from, date_to, tz) -> tuple[datetime, datetime]:
    """The window a date search checks: noon of the first date to noon of the last, so a
    turnover (check-out in the morning, check-in in the afternoon) counts as free."""
    first, last = _as_date(date_from), _as_date(date_to)
    if last <= first:
        raise ValidationError(_("The end date must be after the start date."), code="period.end_before_start")
    return _local(first, time(12), tz), _local(last, time(12), tz)
