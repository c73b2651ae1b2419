"""The actions a person takes on a booking, one table for the pages and the API: the name in
the URL (``/resources/bookings/<id>/<action>/``, ``POST /api/v1/resources/bookings/<id>/<action>``),
the service it calls, and which actions a booking offers to each side right now.

``checkin`` is answered with its own form (``checkin_record``), so it is offered here but
not taken through ``booking_act``."""

from collections.abc import Callable
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser

from meaningflow.resources.models import Booking, PaymentDue
from meaningflow.resources.services.bookings import (
    TRANSITIONS,
    booking_accept,
    booking_cancel,
    booking_complete,
    booking_decline,
    booking_end_early,
    booking_report_no_show,
    booking_report_problem,
    payment_confirm,
)
from meaningflow.resources.services.parties import GUEST, OWNER

S = Booking.Status

BookingAction = Callable[[Booking, AbstractBaseUser, str], object]

# action name → the service, called with (booking, actor, reason)
ACTIONS: dict[str, BookingAction] = {
    "accept": lambda b, u, r: booking_accept(booking=b, actor=u),
    "decline": lambda b, u, r: booking_decline(booking=b, actor=u, reason=r),
    "cancel": lambda b, u, r: booking_cancel(booking=b, actor=u, reason=r),
    "no_show": lambda b, u, r: booking_report_no_show(booking=b, actor=u),
    "problem": lambda b, u, r: booking_report_problem(booking=b, actor=u, note=r),
    "end_early": lambda b, u, r: booking_end_early(booking=b, actor=u, reason=r),
    "complete": lambda b, u, r: booking_complete(booking=b, actor=u),
    "payment_confirm": lambda b, u, r: payment_confirm(booking=b, actor=u),
}
CHECKIN = "checkin"
CONFIRMABLE = frozenset({PaymentDue.Status.DUE, PaymentDue.Status.REFUND_DUE})


def booking_act(*, booking: Booking, actor: AbstractBaseUser, action: str, reason: str = "") -> None:
    """Take ``action`` (a key of ``ACTIONS``) on ``booking`` as ``actor``; the service's
    ValidationError / PermissionDenied pass through. KeyError for an unknown action."""
    ACTIONS[action](booking, actor, reason)


def booking_actions_offered(*, booking: Booking, role: str, now: datetime) -> list[str]:
    """The actions ``booking`` offers to the side ``role`` now, in the order of ``ACTIONS``
    (then ``checkin``). The services still check everything again when one is taken."""
    offered = []
    for action in ACTIONS:
        if action in TRANSITIONS:
            sources, _target, roles = TRANSITIONS[action]
            if booking.status not in sources or role not in roles:
                continue
            if action == "no_show" and booking.starts_at > now:
                continue
        elif action == "problem":
            if booking.status != S.IN_USE or role not in (GUEST, OWNER):
                continue
        elif action == "payment_confirm":
            payment = getattr(booking, "payment", None)
            if role != OWNER or payment is None or payment.status not in CONFIRMABLE:
                continue
        offered.append(action)
    if booking.is_exchange and booking.status == S.IN_USE and role in (GUEST, OWNER):
        offered.append(CHECKIN)
    return offered
