"""Writes of the Dream Garden: needs, applications, bids, lotteries, completion (DG-1…7).
Other apps import from here: ``from meaningflow.needs import services``.

Two state machines, each a transitions table and one function that applies a move:
``need_transition`` and ``application_transition`` (``transitions``). Lock order everywhere:
the need row, then application rows in id order (docs/MATCHING.md, "Allocation and locking").

The modules, each importing only those above it:

- ``common``: status sets, who manages a need, notifications;
- ``contributions``: CV inputs and recording, completing a whole need (DG-6);
- ``transitions``: the two state machines and the locks;
- ``needs``: creating and changing needs, who viewed which;
- ``reviews``: the review window and settling skill contributions once rated;
- ``applications``: applying, the proposed and confirmed outcome, roles;
- ``bids``: allocation by CV bids and by lottery (DG-4, BX-13);
- ``candidates``: the log of a poster opening a suggested person's profile (item 7);
- ``jobs``: the timed transitions.
"""

from meaningflow.needs.services.applications import (
    OUTCOME_ACTION,
    ROLE_OPEN,
    application_create,
    application_outcome_confirm,
    application_outcome_propose,
    application_role_set,
    lifetime_cv_of,
)
from meaningflow.needs.services.bids import bids_allocate, is_newcomer, lottery_draw, weights_in_force
from meaningflow.needs.services.candidates import candidate_view_log
from meaningflow.needs.services.common import HOLDS_PLACE, OPEN_APPLICATION, S, application_url, can_manage_need
from meaningflow.needs.services.contributions import (
    COMMUNITY_EVENT_TYPES,
    COMPLETION_INPUT,
    SKILL_TYPES,
    contribution_inputs,
    need_completion,
)
from meaningflow.needs.services.jobs import AUTO_CONFIRM_DAYS, applications_auto_confirm, needs_expire
from meaningflow.needs.services.needs import (
    MAX_SKILLS,
    NEED_FIELDS,
    need_create,
    need_search_document,
    need_update,
    need_view_record,
    need_views_forget,
)
from meaningflow.needs.services.reviews import DONE, applications_mark_reviewed, review_write
from meaningflow.needs.services.transitions import (
    APPLICATION_TRANSITIONS,
    NEED_TRANSITIONS,
    application_transition,
    need_transition,
)

__all__ = [
    "APPLICATION_TRANSITIONS",
    "AUTO_CONFIRM_DAYS",
    "COMMUNITY_EVENT_TYPES",
    "COMPLETION_INPUT",
    "DONE",
    "HOLDS_PLACE",
    "MAX_SKILLS",
    "NEED_FIELDS",
    "NEED_TRANSITIONS",
    "OPEN_APPLICATION",
    "OUTCOME_ACTION",
    "ROLE_OPEN",
    "SKILL_TYPES",
    "S",
    "application_create",
    "application_outcome_confirm",
    "application_outcome_propose",
    "application_role_set",
    "application_transition",
    "application_url",
    "applications_auto_confirm",
    "applications_mark_reviewed",
    "bids_allocate",
    "can_manage_need",
    "candidate_view_log",
    "contribution_inputs",
    "is_newcomer",
    "lifetime_cv_of",
    "lottery_draw",
    "need_completion",
    "need_create",
    "need_search_document",
    "need_transition",
    "need_update",
    "need_view_record",
    "need_views_forget",
    "needs_expire",
    "review_write",
    "weights_in_force",
]
