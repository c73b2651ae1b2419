"""Bounds for what comes in at the edge: dates, numbers and text.

One definition of each bound, used by the forms, the API schemas and the services (the last
line). A value outside its window never reaches the database: a need that starts in the
year 10000 once was stored and then broke every page that showed it (issue 12, item 4).

* Dates and date-times are checked against a named :class:`DateWindow` (what is sane for
  that field: a birth date, a planned event, a record of the past).
* Numbers that reach the database are bounded (:data:`MAX_DB_INT` for 64-bit columns,
  :data:`MAX_ID` for primary keys) and quantities have their own sane maximum.
* Text may not carry NUL characters (PostgreSQL cannot store them).

Errors are ``ValidationError``s with a code (``date.out_of_range``, ``number.out_of_range``,
``text.nul_character``); :mod:`config.api` answers them with 400 and the code, and the
pydantic types below give the same code in a 422.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as time_of_day
from decimal import Decimal
from typing import Annotated

from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from pydantic import AfterValidator, BeforeValidator, Field, Strict, WithJsonSchema
from pydantic_core import PydanticCustomError

# --- Dates ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DateWindow:
    """The sane range of one kind of date: ``earliest`` fixed, ``latest`` a fixed date or a
    number of years from today (``years_ahead``; 0 means today)."""

    name: str
    earliest: date
    years_ahead: int | None = None
    latest_fixed: date | None = None

    def latest(self, today: date | None = None) -> date:
        if self.latest_fixed is not None:
            return self.latest_fixed
        today = today or timezone.localdate()
        try:
            return today.replace(year=today.year + (self.years_ahead or 0))
        except ValueError:  # 29 February
            return today.replace(year=today.year + (self.years_ahead or 0), day=28)


# Things that happen on the platform: needs, deadlines, bookings, blocks, searches by date.
EVENT = DateWindow("event", date(2000, 1, 1), years_ahead=10)
# Dates of birth: nobody was born before 1900 or after today.
BIRTH = DateWindow("birth", date(1900, 1, 1), years_ahead=0)
# Records of a person's past and plans (registration, graduation, follow-ups).
RECORD = DateWindow("record", date(1950, 1, 1), years_ahead=10)

_OUT_OF_RANGE = "date.out_of_range"


def _out_of_range(window: DateWindow, field: str | None) -> ValidationError:
    message = _("Give a date between %(earliest)s and %(latest)s.") % {
        "earliest": formats.date_format(window.earliest, "SHORT_DATE_FORMAT"),
        "latest": formats.date_format(window.latest(), "SHORT_DATE_FORMAT"),
    }
    error = ValidationError(message, code=_OUT_OF_RANGE)
    return ValidationError({field: [error]}) if field else error


def _as_utc(value: datetime) -> datetime | None:
    """The instant in UTC, or None when it cannot be represented (the year 0 or 10000)."""
    try:
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def check_datetime(value: datetime | None, *, window: DateWindow = EVENT, field: str | None = None):
    """``value`` (made aware in the current time zone if naive) when it lies in ``window``;
    else a ValidationError coded ``date.out_of_range`` (under ``field`` when given)."""
    if value is None:
        return None
    instant = _as_utc(value)
    if instant is None:
        raise _out_of_range(window, field)
    earliest = datetime.combine(window.earliest, time_of_day(0), tzinfo=UTC)
    latest = datetime.combine(window.latest(), time_of_day(0), tzinfo=UTC) + timedelta(days=1)
    if not earliest <= instant < latest:
        raise _out_of_range(window, field)
    return value if timezone.is_aware(value) else timezone.make_aware(value)


def check_date(value: date | None, *, window: DateWindow = EVENT, field: str | None = None):
    """``value`` when it lies in ``window``; else a ValidationError coded ``date.out_of_range``."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return check_datetime(value, window=window, field=field)
    if not window.earliest <= value <= window.latest():
        raise _out_of_range(window, field)
    return value


def date_validator(window: DateWindow):
    """A form or model field validator for ``window`` (dates and date-times)."""

    def validate(value):
        check_date(value, window=window)

    validate.__name__ = f"validate_{window.name}_date"
    return validate


# --- Numbers ----------------------------------------------------------------------------

MAX_DB_INT = 2**63 - 1  # a 64-bit column (PostgreSQL bigint, SQLite INTEGER)
MAX_INT32 = 2**31 - 1  # a 32-bit column (PostgreSQL integer)
MAX_ID = MAX_DB_INT
# Quantities people type: sane maxima, far below what the columns hold.
MAX_MINUTES = 7 * 24 * 60  # a preparation or buffer time: at most a week
MAX_HOURS_AHEAD = 365 * 24  # a lead time: at most a year
MAX_PEOPLE = 10_000
MAX_AMOUNT = 10**9  # CV or money amounts typed in a form


def check_number(value, *, low, high, field: str | None = None):
    """``value`` when ``low <= value <= high``; else a ValidationError ``number.out_of_range``."""
    if value is None:
        return None
    if not low <= value <= high:
        error = ValidationError(
            _("Give a number between %(low)s and %(high)s.") % {"low": low, "high": high},
            code="number.out_of_range",
        )
        raise ValidationError({field: [error]}) if field else error
    return value


# --- Text -------------------------------------------------------------------------------

NUL = "\x00"


def nul_error() -> ValidationError:
    return ValidationError(_("The request contains a NUL character, which is not allowed."), code="text.nul_character")


def check_no_nul(value: str, *, field: str | None = None) -> str:
    if NUL in value:
        raise ValidationError({field: [nul_error()]}) if field else nul_error()
    return value


def contains_nul(data) -> bool:
    """Whether a parsed JSON document (or any nesting of dicts, lists and strings) holds NUL."""
    if isinstance(data, str):
        return NUL in data
    if isinstance(data, dict):
        return any(contains_nul(k) or contains_nul(v) for k, v in data.items())
    if isinstance(data, list | tuple):
        return any(contains_nul(item) for item in data)
    return False


# --- Pydantic types for the API schemas ---------------------------------------------------


def _pydantic(window: DateWindow):
    def validate(value):
        try:
            return check_date(value, window=window)
        except ValidationError as exc:
            raise PydanticCustomError(_OUT_OF_RANGE, "{message}", {"message": exc.messages[0]}) from None

    return AfterValidator(validate)


# Parsed from their JSON text even in strict request bodies (core.schemas.InSchema).
EventDateTime = Annotated[datetime, Strict(False), _pydantic(EVENT)]
EventDate = Annotated[date, Strict(False), _pydantic(EVENT)]
BirthDate = Annotated[date, Strict(False), _pydantic(BIRTH)]
DecimalIn = Annotated[Decimal, Strict(False)]
# A time of day, 09:00 or 09:00:00 (JSON Schema's "time" format wants a UTC offset, which a
# weekly availability has not).
_LOCAL_TIME = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]+)?)?$"


def _local_time_text(value):
    """A time of day as text (or a time already parsed): not a number of seconds, no offset."""
    if isinstance(value, time_of_day) or (isinstance(value, str) and re.match(_LOCAL_TIME, value)):
        return value
    raise PydanticCustomError("time_type", "Give a time of day as HH:MM.")


LocalTime = Annotated[
    time_of_day,
    Strict(False),
    BeforeValidator(_local_time_text),
    WithJsonSchema({"type": "string", "pattern": _LOCAL_TIME}),
]
# A primary key in a path or a body: positive and within a 64-bit column.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
