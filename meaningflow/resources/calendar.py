"""iCal export of a resource's occupancy (SW-4): /resources/<id>/calendar.ics.

Public, so it says only *that* a unit is taken or blocked, never by whom."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event

from meaningflow.resources.models import Booking, Resource

STATUS = {
    Booking.Status.REQUESTED: "TENTATIVE",
    Booking.Status.ACCEPTED: "CONFIRMED",
    Booking.Status.IN_USE: "CONFIRMED",
}


def resource_ical(resource: Resource, *, now=None) -> bytes:
    now = now or timezone.now()
    since = now - timedelta(days=30)
    host = settings.SITE_URL.split("://")[-1].split("/")[0] or "meaningflow"
    cal = Calendar()
    cal.add("prodid", "-//Meaning Flow Network//Shared World//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", resource.title_en or resource.title_zh)
    bookings = (
        Booking.objects.filter(resource=resource, status__in=Booking.BLOCKING, ends_at__gte=since)
        .select_related("unit")
        .order_by("starts_at")
    )
    for booking in bookings:
        event = Event()
        event.add("uid", f"booking-{booking.pk}@{host}")
        event.add("summary", f"Booked: {booking.unit.name}")
        event.add("dtstart", booking.starts_at)
        event.add("dtend", booking.ends_at)
        event.add("dtstamp", now)
        event.add("status", STATUS[booking.status])
        cal.add_component(event)
    for block in resource.blocks.filter(ends_at__gte=since).select_related("unit"):
        event = Event()
        event.add("uid", f"block-{block.pk}@{host}")
        event.add("summary", f"Blocked: {block.unit.name if block.unit_id else 'all units'}")
        event.add("dtstart", block.starts_at)
        event.add("dtend", block.ends_at)
        event.add("dtstamp", now)
        cal.add_component(event)
    return cal.to_ical()
