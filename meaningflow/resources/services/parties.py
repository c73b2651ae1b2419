"""Who takes part in a booking and how they hear of it: the side a person takes (guest,
owner, moderator; the system for jobs), the owners and moderators to tell, and the
notification every booking change sends."""

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.urls import reverse
from django.utils.translation import gettext as _

from meaningflow.accounts import selectors as accounts_selectors
from meaningflow.core.errors import Forbidden
from meaningflow.core.services import notification_send
from meaningflow.resources import selectors
from meaningflow.resources.models import Booking, Resource

User = get_user_model()

GUEST, OWNER, MODERATOR, SYSTEM = "guest", "owner", "moderator", "system"


def booking_url(booking: Booking) -> str:
    return reverse("resources:booking_detail", args=[booking.pk])


def owners_of(resource: Resource) -> list[AbstractBaseUser]:
    """The person who listed ``resource`` and the managers of its organisation."""
    people: dict[int, AbstractBaseUser] = {resource.owner_id: resource.owner}
    if resource.organisation is not None:
        for user in accounts_selectors.organisation_managers(organisation=resource.organisation):
            people.setdefault(user.pk, user)
    return list(people.values())


def moderators() -> list[AbstractBaseUser]:
    return list(accounts_selectors.active_moderators())


def role_of(*, user: AbstractBaseUser | AnonymousUser | None, booking: Booking) -> str:
    """The side ``user`` takes in ``booking``; Forbidden (``booking.login_required``,
    ``booking.not_yours``) when none."""
    if user is None or not user.is_authenticated:
        raise Forbidden(_("Log in first."), code="booking.login_required")
    if booking.guest_id == user.pk:
        return GUEST
    if selectors.can_manage_resource(user=user, resource=booking.resource):
        return OWNER
    if accounts_selectors.is_moderator(user=user):
        return MODERATOR
    raise Forbidden(_("This is not your booking."), code="booking.not_yours")


def notify(
    booking: Booking,
    *,
    recipients: Iterable[AbstractBaseUser],
    kind: str,
    title: str,
    body: str = "",
) -> None:
    for user in recipients:
        notification_send(
            recipient=user,
            kind=f"resources.{kind}",
            title=title,
            body=body,
            url=booking_url(booking),
            email=True,
        )
