"""Shared World's part of a person's data (PR-1): what the export holds and what account
deletion does (registered in ``ResourcesConfig.ready``; ``accounts.personal_data``)."""

from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from meaningflow.accounts.personal_data import Blocker, Provider, Section, choice_label
from meaningflow.resources.models import Booking, CheckIn, Resource


def _sections(*, user, reveal_identity: bool) -> list[Section]:
    return [
        Section(
            "bookings",
            gettext_lazy("Your bookings"),
            (
                ("resource", gettext_lazy("Resource")),
                ("status", gettext_lazy("Status")),
                ("starts_at", gettext_lazy("Starts")),
                ("ends_at", gettext_lazy("Ends")),
                ("people", gettext_lazy("People")),
                ("message", gettext_lazy("Message to the owner")),
                ("cv", gettext_lazy("CV")),
                ("money", gettext_lazy("Money")),
                ("created_at", gettext_lazy("Booked")),
            ),
            Booking.objects.filter(guest=user).select_related("resource").order_by("created_at", "pk"),
            lambda b: {
                "resource": b.resource.title,
                "status": choice_label(Booking.Status, b.status),
                "starts_at": b.starts_at,
                "ends_at": b.ends_at,
                "people": b.people,
                "message": b.message,
                "cv": b.cv_amount,
                "money": f"{b.money_amount} {b.money_currency}" if b.money_amount is not None else "",
                "created_at": b.created_at,
            },
        ),
        Section(
            "resources",
            gettext_lazy("Resources you listed"),
            (
                ("title", gettext_lazy("Title")),
                ("type", gettext_lazy("Type")),
                ("status", gettext_lazy("Status")),
                ("address", gettext_lazy("Address")),
                ("description", gettext_lazy("Description")),
            ),
            Resource.objects.filter(owner=user).order_by("pk"),
            lambda r: {
                "title": r.title,
                "type": choice_label(Resource.Type, r.type),
                "status": choice_label(Resource.Status, r.status),
                "address": r.address,
                "description": r.description,
            },
        ),
        Section(
            "check_ins",
            gettext_lazy("Your check-ins during stays"),
            (
                ("resource", gettext_lazy("Resource")),
                ("as_agreed", gettext_lazy("Going as agreed")),
                ("note", gettext_lazy("Note")),
                ("at", gettext_lazy("When")),
            ),
            CheckIn.objects.filter(user=user).select_related("booking__resource").order_by("created_at", "pk"),
            lambda c: {
                "resource": c.booking.resource.title,
                "as_agreed": c.as_agreed,
                "note": c.note,
                "at": c.created_at,
            },
        ),
    ]


def _when(value) -> str:
    return formats.date_format(value, "Y-m-d")


def _blockers(*, user) -> list[Blocker]:
    blockers = [
        Blocker(
            "resources.delete.booking_open",
            _(
                "Your booking of %(resource)s from %(start)s is still %(status)s. Cancel it, or wait until the stay is over."
            )
            % {
                "resource": b.resource.title,
                "start": _when(b.starts_at),
                "status": str(choice_label(Booking.Status, b.status)).lower(),
            },
            reverse("resources:booking_detail", args=[b.pk]),
        )
        for b in Booking.objects.filter(guest=user, status__in=Booking.BLOCKING).select_related("resource")
    ]
    blockers += [
        Blocker(
            "resources.delete.hosting_open",
            _("A guest's booking of your %(resource)s from %(start)s is still %(status)s. Settle it first.")
            % {
                "resource": b.resource.title,
                "start": _when(b.starts_at),
                "status": str(choice_label(Booking.Status, b.status)).lower(),
            },
            reverse("resources:booking_detail", args=[b.pk]),
        )
        for b in Booking.objects.filter(resource__owner=user, status__in=Booking.BLOCKING).select_related("resource")
    ]
    return blockers


def _erase(*, user) -> dict:
    """Bookings stay as facts of the stays (the host's history, CV-E1), without the
    person's message or check-in notes. The person's own listings are archived (no longer
    offered; nothing is booked on them: ``_blockers``) and stay for their guests' history,
    without the street address (often the person's home). Listings offered on behalf of an
    organisation stay with it."""
    own = Resource.objects.filter(owner=user, organisation__isnull=True)
    return {
        "booking_messages": Booking.objects.filter(guest=user).exclude(message="").update(message=""),
        "check_in_notes": CheckIn.objects.filter(user=user).exclude(note="").update(note=""),
        "listings_archived": own.update(status=Resource.Status.ARCHIVED, address=""),
    }


PROVIDER = Provider(name="resources", sections=_sections, blockers=_blockers, erase=_erase)
