"""Applications: applying (with its conversation thread and, for CV bidding, the bid in
escrow), the poster's proposed outcome and the applicant's confirmation (DG-6), and a
participant's role. Moves of the state machine go through ``transitions``."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from meaningflow.conversations import services as conversation_services
from meaningflow.core import transactions
from meaningflow.core.errors import Forbidden
from meaningflow.core.services import audit_log
from meaningflow.ledger import selectors as ledger_selectors
from meaningflow.ledger import services as ledger_services
from meaningflow.needs.models import MESSAGE_MAX, Application, Bid, Need
from meaningflow.needs.services.common import (
    Person,
    S,
    _need_team,
    _notify,
    _require_manager,
    application_url,
    can_manage_need,
)
from meaningflow.needs.services.contributions import SKILL_TYPES, _contribution_record, _need_complete
from meaningflow.needs.services.reviews import _review_window_open
from meaningflow.needs.services.transitions import _apply_application_transition, _lock

OUTCOME_ACTION = {
    Application.Outcome.COMPLETED: "complete",
    Application.Outcome.PARTLY_COMPLETED: "complete_partly",
    Application.Outcome.NOT_COMPLETED: "complete_not",
}
# The poster may set a participant's role until the outcome is confirmed.
ROLE_OPEN = frozenset({S.ACCEPTED, S.IN_PROGRESS})


def lifetime_cv_of(user: Person) -> int:
    """Lifetime credited CV net of penalties (the ledger's trust standing)."""
    return ledger_selectors.trust_standing_of(user).net_credited


@transactions.entry_point
def application_create(
    *, need: Need, applicant: Person, message: str = "", bid_amount: int | None = None
) -> Application:
    """Apply to a published need with a message. Opens the application's conversation
    thread and, for CV bidding, holds the bid in escrow through the ledger.

    Raises ValidationError when the need is not open, the deadline has passed, the person
    already applied, the message is too long, their lifetime CV is below the threshold or
    (bidding) the bid is missing or not covered; PermissionDenied for the need's own team.
    """
    message = (message or "").strip()
    if len(message) > MESSAGE_MAX:
        raise ValidationError(
            {
                "message": ValidationError(
                    _("The message can be at most %(n)d characters long.") % {"n": MESSAGE_MAX},
                    code="application.message_too_long",
                )
            }
        )
    with transactions.atomic():
        need = Need.objects.select_related("organisation").get(pk=need.pk)
        now = timezone.now()
        if need.status != Need.Status.PUBLISHED:
            raise ValidationError(_("This need is not open for applications."), code="need.not_open")
        if (need.application_deadline and need.application_deadline <= now) or need.ends_at <= now:
            raise ValidationError(_("Applications for this need have closed."), code="need.applications_closed")
        if can_manage_need(user=applicant, need=need):
            raise Forbidden(
                _("You cannot apply to a need of your own organisation."), code="application.own_organisation"
            )
        if Application.objects.filter(need=need, applicant=applicant).exists():
            raise ValidationError(_("You have already applied to this need."), code="application.duplicate")
        if need.cv_threshold and lifetime_cv_of(applicant) < need.cv_threshold:
            raise ValidationError(
                _("This need asks for at least %(cv)d contribution value; you have %(have)d.")
                % {"cv": need.cv_threshold, "have": lifetime_cv_of(applicant)},
                code="application.cv_below_threshold",
            )
        if need.allocation == Need.Allocation.BIDDING and not bid_amount:
            raise ValidationError(
                {
                    "bid_amount": ValidationError(
                        _("This need allocates places by CV bids: offer an amount."), code="bid.missing"
                    )
                }
            )
        if bid_amount is not None and need.allocation != Need.Allocation.BIDDING:
            raise ValidationError(
                {"bid_amount": ValidationError(_("This need does not take bids."), code="bid.not_taken")}
            )
        try:
            with transaction.atomic():
                application = Application.objects.create(need=need, applicant=applicant, message=message)
        except IntegrityError as exc:  # a concurrent double click
            raise ValidationError(_("You have already applied to this need."), code="application.duplicate") from exc
        if bid_amount is not None:
            _bid_place(application=application, amount=bid_amount)
        _thread_open(application=application, need=need)
        audit_log(
            actor=applicant,
            action="needs.application.applied",
            subject=application.subject,
            region_code=need.region_code,
            data={"need": need.pk, "bid": bid_amount},
        )
        _notify(
            users=_need_team(need),
            kind="needs.application.applied",
            url=application_url(application),
            title=lambda: _("New application for “%(need)s”") % {"need": need.display_title},
            body=lambda: _("%(name)s applied: %(message)s") % {"name": applicant, "message": message[:280]},
        )
    return application


def _thread_open(*, application: Application, need: Need) -> None:
    thread = conversation_services.thread_open(
        subject=application.subject,
        title=f"{need.display_title} · {application.applicant}"[:200],
        participants=[application.applicant, *_need_team(need)],
    )
    Application.objects.filter(pk=application.pk).update(thread_id=thread.pk)
    application.thread_id = thread.pk


def _bid_place(*, application: Application, amount: int) -> Bid:
    if not isinstance(amount, int) or amount < 1:
        raise ValidationError(
            {"bid_amount": ValidationError(_("A bid is a whole number of CV, at least 1."), code="bid.amount_invalid")}
        )
    hold = ledger_services.hold_place(
        user=application.applicant,
        amount=amount,
        cause=application.subject,
        idempotency_key=f"{application.subject}:bid",
        actor=application.applicant,
    )
    return Bid.objects.create(application=application, amount=amount, hold_id=hold.pk)


@transactions.entry_point
def application_outcome_propose(
    *, application: Application, actor: Person, outcome: str, hours: Decimal | None = None
) -> Application:
    """The poster states how it went (completed, partly, not completed) and the hours
    given; the applicant then confirms, or ``applications_auto_confirm`` does after
    AUTO_CONFIRM_DAYS days."""
    if outcome not in Application.Outcome.values:
        raise ValidationError(
            {
                "outcome": ValidationError(
                    _("Choose completed, partly completed or not completed."), code="application.outcome_unknown"
                )
            }
        )
    if hours is not None and (hours <= 0 or hours > 10_000):
        raise ValidationError(
            {"hours": ValidationError(_("Give the hours as a positive number."), code="application.hours_invalid")}
        )
    with transactions.atomic():
        need, application = _lock(application)
        _require_manager(actor=actor, need=need)
        if application.status != S.IN_PROGRESS:
            raise ValidationError(_("Only work in progress can be completed."), code="application.not_in_progress")
        application.proposed_outcome = outcome
        application.proposed_at = timezone.now()
        application.hours = hours
        application.save(update_fields=["proposed_outcome", "proposed_at", "hours", "updated_at"])
        audit_log(
            actor=actor,
            action="needs.application.outcome_proposed",
            subject=application.subject,
            region_code=need.region_code,
            data={"outcome": outcome, "hours": str(hours or "")},
        )
        _notify(
            users=[application.applicant],
            kind="needs.application.outcome_proposed",
            url=application_url(application),
            title=lambda: _("Please confirm: “%(need)s”") % {"need": need.display_title},
            body=lambda: (
                _("The poster marked your participation as %(outcome)s. Confirm it on the application page.")
                % {"outcome": application.get_proposed_outcome_display()}
            ),
        )
    return application


@transactions.entry_point
def application_outcome_confirm(*, application: Application, actor: Person | None) -> Application:
    """The applicant confirms the proposed outcome (``actor=None``: the auto-confirm job).
    Completes the application and opens the double-blind review window. A project or
    community need (CV-E3) records the contribution now, and the organiser's once the
    whole need is done (``_need_complete``); a skill or training need (CV-E2) records it
    when the learner's rating is final (``applications_mark_reviewed``)."""
    with transactions.atomic():
        need, application = _lock(application)
        if actor is not None and actor.pk != application.applicant_id:
            raise Forbidden(_("Only the applicant can confirm the outcome."), code="application.not_applicant")
        if application.status != S.IN_PROGRESS or not application.proposed_outcome:
            raise ValidationError(
                _("There is no outcome waiting for confirmation."), code="application.no_outcome_proposed"
            )
        action = OUTCOME_ACTION[Application.Outcome(application.proposed_outcome)]
        # The table's role for completion is the applicant; the job confirms on their behalf.
        _apply_application_transition(
            application=application,
            need=need,
            action=action,
            actor=actor,
            reason="auto-confirmed" if actor is None else "",
        )
        application.confirmed_at = timezone.now()
        application.auto_confirmed = actor is None
        application.save(update_fields=["confirmed_at", "auto_confirmed"])
        if need.type not in SKILL_TYPES:
            _contribution_record(application=application, need=need)
            _need_complete(need=need)
        _review_window_open(application=application, need=need)
    return application


@transactions.entry_point
def application_role_set(*, application: Application, actor: Person, role: str) -> Application:
    """The poster names a participant's part in a project or community need: participant
    (the default) or core organiser, whose CV-E3 personal share is larger. Possible while
    the application holds a place and its outcome is not confirmed. Raises
    PermissionDenied for anyone but the posting organisation's members, ValidationError
    (code ``application.role_unknown``, ``application.role_not_applicable`` for skill and training needs, which earn
    CV-E2, or ``application.role_fixed`` once the outcome is confirmed) otherwise; nothing changes then."""
    if role not in Application.Role.values:
        raise ValidationError(_("Choose participant or core organiser."), code="application.role_unknown")
    with transactions.atomic():
        need, application = _lock(application)
        _require_manager(actor=actor, need=need)
        if need.type in SKILL_TYPES:
            raise ValidationError(
                _("Roles count for project and community needs; skill sharing earns by hours."),
                code="application.role_not_applicable",
            )
        if application.status not in ROLE_OPEN:
            raise ValidationError(
                _("The role can be set while the person holds a place and before the outcome is confirmed."),
                code="application.role_fixed",
            )
        before = application.role
        application.role = role
        application.save(update_fields=["role", "updated_at"])
        audit_log(
            actor=actor,
            action="needs.application.role_set",
            subject=application.subject,
            region_code=need.region_code,
            data={"from": before, "to": role},
        )
    return application
