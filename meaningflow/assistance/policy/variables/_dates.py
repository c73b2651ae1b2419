"""Vectorised calendar arithmetic on numpy datetime64[D] arrays (no Python loops)."""

import numpy

UNKNOWN_DATE = numpy.datetime64("1970-01-01", "D")  # the default of every date input: "not recorded"


def split_dates(dates) -> tuple:
    dates = numpy.asarray(dates, dtype="datetime64[D]")
    months = dates.astype("datetime64[M]")
    year = months.astype("datetime64[Y]").astype(int) + 1970
    month = months.astype(int) % 12 + 1
    day = (dates - months.astype("datetime64[D]")).astype(int) + 1
    return year, month, day


def full_months_between(start, end) -> numpy.ndarray:
    """Whole months from ``start`` to ``end`` (a month is full on the same day of month)."""
    sy, sm, sd = split_dates(start)
    ey, em, ed = split_dates(end)
    return (ey - sy) * 12 + (em - sm) - (ed < sd)


def full_years_between(start, end) -> numpy.ndarray:
    """Age in whole years: the birthday itself counts (born 1985-06-01 is 40 on 2025-06-01)."""
    return full_months_between(start, end) // 12


def add_months(dates, months) -> numpy.ndarray:
    """The first day on which ``full_months_between(dates, day) >= months``: the same day of
    month ``months`` later, or the first of the month after when that month is too short
    (born 2000-01-31: one month old on 2000-03-01), so both functions agree."""
    dates = numpy.asarray(dates, dtype="datetime64[D]")
    start = dates.astype("datetime64[M]")
    day = dates - start.astype("datetime64[D]")
    target = start + numpy.asarray(months, dtype=numpy.int64)
    return numpy.minimum(target.astype("datetime64[D]") + day, (target + 1).astype("datetime64[D]"))


def same_day_next_month(dates) -> numpy.ndarray:
    """One month later, kept inside the next month (2025-01-31 → 2025-02-28)."""
    dates = numpy.asarray(dates, dtype="datetime64[D]")
    start = dates.astype("datetime64[M]")
    last = (start + 2).astype("datetime64[D]") - 1
    return numpy.minimum((start + 1).astype("datetime64[D]") + (dates - start.astype("datetime64[D]")), last)


def last_day(period) -> numpy.datetime64:
    """The last day of an OpenFisca period."""
    return numpy.datetime64(str(period.stop), "D")


def instant_array(instant, size: int) -> numpy.ndarray:
    return numpy.full(size, numpy.datetime64(str(instant), "D"))


def known(dates) -> numpy.ndarray:
    """Where a date input was recorded (not the 1970-01-01 default)."""
    return numpy.asarray(dates, dtype="datetime64[D]") != UNKNOWN_DATE
