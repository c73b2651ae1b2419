"""Writes of Shared World. Other apps import from here:
``from meaningflow.resources import services``."""

from meaningflow.resources.services.actions import ACTIONS, booking_act, booking_actions_offered
from meaningflow.resources.services.bookings import (
    TRANSITIONS,
    booking_accept,
    booking_cancel,
    booking_complete,
    booking_create,
    booking_decline,
    booking_end_early,
    booking_expire,
    booking_report_no_show,
    booking_report_problem,
    booking_start,
    checkin_record,
    payment_confirm,
)
from meaningflow.resources.services.contributions import contribution_credit
from meaningflow.resources.services.jobs import (
    bookings_autocomplete,
    bookings_expire,
    contributions_credit,
    idle_resources_prompt,
    stays_start,
)
from meaningflow.resources.services.listing import (
    block_add,
    block_remove,
    photo_add,
    photo_remove,
    resource_create,
    resource_update,
    units_set,
)
from meaningflow.resources.services.parties import role_of

__all__ = [
    "ACTIONS",
    "TRANSITIONS",
    "block_add",
    "block_remove",
    "booking_act",
    "booking_actions_offered",
    "booking_accept",
    "booking_cancel",
    "booking_complete",
    "booking_create",
    "booking_decline",
    "booking_end_early",
    "booking_expire",
    "booking_report_no_show",
    "booking_report_problem",
    "booking_start",
    "bookings_autocomplete",
    "bookings_expire",
    "checkin_record",
    "contribution_credit",
    "contributions_credit",
    "idle_resources_prompt",
    "payment_confirm",
    "photo_add",
    "photo_remove",
    "resource_create",
    "resource_update",
    "role_of",
    "stays_start",
    "units_set",
]
