"""Vectorised calendar arithmetic on numpy datetime64[D] arrays (no Python loops)."""

import numpy


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


def instant_array(instant, size: int) -> numpy.ndarray:
    return numpy.full(size, numpy.datetime64(str(instant), "D"))
