"""Django's date and time filters, made safe for a value that cannot be shown.

A date stored before the edge checked it (``core.validators``) — a block ending on
9999-12-31, which in local time falls in the year 10000 — once made every page showing it
fail. Loaded as a template builtin (settings ``TEMPLATES``), these replace ``date``,
``time``, ``timesince`` and ``timeuntil`` everywhere: such a value renders as nothing and
is logged, and the page still renders."""

import logging

from django.template import Library, defaultfilters
from django.utils.timezone import template_localtime

register = Library()
logger = logging.getLogger(__name__)
_BAD_VALUE = (OverflowError, ValueError, TypeError)


def _local(value):
    # The conversion to local time is what fails for the year 0 or 10000, so it happens
    # here (expects_localtime=False) where it can be caught.
    return template_localtime(value)


@register.filter(is_safe=False)
def date(value, arg=None):
    try:
        return defaultfilters.date(_local(value), arg)
    except _BAD_VALUE:
        logger.warning("A date could not be shown: %r", value)
        return ""


@register.filter(is_safe=False)
def time(value, arg=None):
    try:
        return defaultfilters.time(_local(value), arg)
    except _BAD_VALUE:
        logger.warning("A time could not be shown: %r", value)
        return ""


@register.filter("timesince", is_safe=False)
def timesince_filter(value, arg=None):
    try:
        return defaultfilters.timesince_filter(value, arg)
    except _BAD_VALUE:
        return ""


@register.filter("timeuntil", is_safe=False)
def timeuntil_filter(value, arg=None):
    try:
        return defaultfilters.timeuntil_filter(value, arg)
    except _BAD_VALUE:
        return ""
