"""The two state machines, each a transitions table and one function that applies a move:
``need_transition`` and ``application_transition``. They call each other: taking or freeing
a place fills or reopens the need, and closing or expiring a need expires its open
applications. Lock order everywhere: the need row, then application rows in id order, then
the ledger (``_lock``; docs/MATCHING.md, "Allocation and locking"; the global order of
``core.transactions``): only those rows (``of=("self",)``), ``FOR NO KEY UPDATE``. Public
functions are ``transactions.entry_point``s: a deadlock runs them again."""

from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from meaningflow.core import transactions
from meaningflow.core.errors import Forbidden
from meaningflow.core.services import audit_log
from meaningflow.ledger import selectors as ledger_selectors
from meaningflow.ledger import services as ledger_services
from meaningflow.needs.models import Application, Bid, Need
from meaningflow.needs.services.common import (
    HOLDS_PLACE,
    OPEN_APPLICATION,
    Person,
    S,
    _need_team,
    _notify,
    _require_manager,
    application_url,
    can_manage_need,
)
from meaningflow.needs.services.contributions import _need_complete

# --- need state machine -----------------------------------------------------------------

NEED_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "publish": (frozenset({Need.Status.DRAFT}), Need.Status.PUBLISHED),
    "fill": (frozenset({Need.Status.PUBLISHED}), Need.Status.FILLED),
    "reopen": (frozenset({Need.Status.FILLED}), Need.Status.PUBLISHED),
    "close": (
        frozenset({Need.Status.DRAFT, Need.Status.PUBLISHED, Need.Status.FILLED}),
        Need.Status.CLOSED,
    ),
    "expire": (frozenset({Need.Status.PUBLISHED, Need.Status.FILLED}), Need.Status.EXPIRED),
}

# --- application state machine: action → (from, to, who may do it) ----------------------

APPLICATION_TRANSITIONS: dict[str, tuple[frozenset[str], str, str]] = {
    "shortlist": (frozenset({S.APPLIED}), S.SHORTLISTED, "poster"),
    "accept": (OPEN_APPLICATION, S.ACCEPTED, "poster"),
    "decline": (OPEN_APPLICATION, S.DECLINED, "poster"),
    "withdraw": (frozenset({S.APPLIED, S.SHORTLISTED, S.ACCEPTED}), S.WITHDRAWN, "applicant"),
    "start": (frozenset({S.ACCEPTED}), S.IN_PROGRESS, "poster"),
    "expire": (OPEN_APPLICATION, S.EXPIRED, "system"),
    "complete": (frozenset({S.IN_PROGRESS}), S.COMPLETED, "applicant"),
    "complete_partly": (frozenset({S.IN_PROGRESS}), S.PARTLY_COMPLETED, "applicant"),
    "complete_not": (frozenset({S.IN_PROGRESS}), S.NOT_COMPLETED, "applicant"),
    "mark_reviewed": (
        frozenset({S.COMPLETED, S.PARTLY_COMPLETED, S.NOT_COMPLETED}),
        S.REVIEWED,
        "system",
    ),
}


@transactions.entry_point
def need_transition(*, need: Need, action: str, actor: Person | None = None, reason: str = "") -> Need:
    """Apply ``action`` (publish, fill, reopen, close, expire) to the need. ``actor`` None
    means a system job; otherwise the actor must manage the need. Illegal moves raise
    ValidationError and change nothing."""
    if action not in NEED_TRANSITIONS:
        raise ValidationError(_("Unknown action."), code="transition.unknown_action")
    sources, target = NEED_TRANSITIONS[action]
    with transactions.atomic():
        need = Need.objects.select_for_update(no_key=True, of=("self",)).select_related("organisation").get(pk=need.pk)
        if actor is not None:
            _require_manager(actor=actor, need=need)
        if need.status not in sources:
            raise ValidationError(
                _("A need that is %(status)s cannot be %(action)s.")
                % {"status": need.get_status_display(), "action": action},
                code="need.transition_not_allowed",
            )
        if action == "publish" and need.ends_at <= timezone.now():
            raise ValidationError(
                _("This need has already ended; change its dates before publishing."), code="need.already_ended"
            )
        before = need.status
        need.status = target
        update = ["status", "updated_at"]
        if action == "publish" and need.published_at is None:
            need.published_at = timezone.now()
            update.append("published_at")
        need.save(update_fields=update)
        audit_log(
            actor=actor,
            action=f"needs.need.{target}",
            subject=need.subject,
            region_code=need.region_code,
            reason=reason,
            data={"from": before},
        )
        if target in (Need.Status.CLOSED, Need.Status.EXPIRED):
            _expire_open_applications(need=need)
            _need_complete(need=need)
    return need


def _expire_open_applications(*, need: Need) -> None:
    for application in need.applications.filter(status__in=OPEN_APPLICATION).order_by("pk"):
        _apply_application_transition(application=application, need=need, action="expire", actor=None)


def _lock(application: Application) -> tuple[Need, Application]:
    """Lock the need, then the application (the documented order): only those rows, not
    the organisation or the applicant read with them."""
    transactions.require_transaction()
    need = (
        Need.objects.select_for_update(no_key=True, of=("self",))
        .select_related("organisation")
        .get(pk=application.need_id)
    )
    application = (
        Application.objects.select_for_update(no_key=True, of=("self",))
        .select_related("applicant")
        .get(pk=application.pk)
    )
    return need, application


@transactions.entry_point
def application_transition(
    *, application: Application, action: str, actor: Person | None, reason: str = ""
) -> Application:
    """Apply ``action`` to the application (see APPLICATION_TRANSITIONS).

    Poster actions need a member of the posting organisation, applicant actions the
    applicant, system actions ``actor=None``. ``accept`` refuses once every place is
    taken (the need row is locked, then the filled counter and its check constraint
    guard). Raises ValidationError for illegal moves and PermissionDenied for others.
    """
    if action not in APPLICATION_TRANSITIONS:
        raise ValidationError(_("Unknown action."), code="transition.unknown_action")
    with transactions.atomic():
        need, application = _lock(application)
        _authorise(application=application, need=need, action=action, actor=actor)
        application = _apply_application_transition(
            application=application, need=need, action=action, actor=actor, reason=reason
        )
        if action == "withdraw":  # the last one still at work in a closed need may leave
            _need_complete(need=need)
        return application


def _authorise(*, application: Application, need: Need, action: str, actor: Person | None) -> None:
    role = APPLICATION_TRANSITIONS[action][2]
    if role == "poster" and not can_manage_need(user=actor, need=need):
        raise Forbidden(_("Only members of the posting organisation can do this."), code="application.not_poster")
    if role == "applicant" and (actor is None or actor.pk != application.applicant_id):
        raise Forbidden(_("Only the applicant can do this."), code="application.not_applicant")
    if role == "system" and actor is not None:
        raise Forbidden(_("This happens automatically."), code="application.system_only")
    if action == "accept" and need.allocation != Need.Allocation.SELECTION:
        raise ValidationError(
            _("Places of this need are allocated by %(mode)s.") % {"mode": need.get_allocation_display()},
            code="application.allocated_otherwise",
        )


def _apply_application_transition(
    *, application: Application, need: Need, action: str, actor: Person | None, reason: str = ""
) -> Application:
    """The move itself; the caller holds the locks and has authorised it."""
    transactions.require_transaction()
    sources, target, _role = APPLICATION_TRANSITIONS[action]
    if application.status not in sources:
        raise ValidationError(
            _("An application that is %(status)s cannot be changed that way.")
            % {"status": application.get_status_display()},
            code="application.transition_not_allowed",
        )
    before = application.status
    if target == S.ACCEPTED:
        _take_place(need=need)
    elif before in HOLDS_PLACE and target not in HOLDS_PLACE:
        _free_place(need=need)
    application.status = target
    fields = ["status", "updated_at"]
    if target in (S.ACCEPTED, S.DECLINED):
        application.decided_at = timezone.now()
        fields.append("decided_at")
    application.save(update_fields=fields)
    if target in (S.WITHDRAWN, S.DECLINED, S.EXPIRED):
        _bid_settle(application=application, won=False)
    audit_log(
        actor=actor,
        action=f"needs.application.{target}",
        subject=application.subject,
        region_code=need.region_code,
        reason=reason,
        data={"from": before, "need": need.pk},
    )
    _notify_transition(application=application, need=need, actor=actor)
    return application


def _take_place(*, need: Need) -> None:
    if need.filled_places >= need.places:
        raise ValidationError(_("All %(n)d places of this need are taken.") % {"n": need.places}, code="need.full")
    # The counter moves with F(); the check constraint filled_places <= places is the
    # database's own guard should a writer ever skip the lock.
    Need.objects.filter(pk=need.pk).update(filled_places=F("filled_places") + 1, updated_at=timezone.now())
    need.refresh_from_db(fields=["filled_places", "status"])
    if need.filled_places >= need.places and need.status == Need.Status.PUBLISHED:
        need_transition(need=need, action="fill", reason="all places taken")
        need.refresh_from_db(fields=["status"])


def _free_place(*, need: Need) -> None:
    Need.objects.filter(pk=need.pk).update(filled_places=F("filled_places") - 1, updated_at=timezone.now())
    need.refresh_from_db(fields=["filled_places", "status"])
    if need.status == Need.Status.FILLED and need.ends_at > timezone.now():
        need_transition(need=need, action="reopen", reason="a place became free")
        need.refresh_from_db(fields=["status"])


def _notify_transition(*, application: Application, need: Need, actor: Person | None) -> None:
    applicant = application.applicant
    to_applicant = actor is None or actor.pk != applicant.pk
    users = [applicant] if to_applicant else _need_team(need)
    _notify(
        users=users,
        kind=f"needs.application.{application.status}",
        url=application_url(application),
        title=lambda: (
            _("Application for “%(need)s”: %(status)s")
            % {"need": need.display_title, "status": application.get_status_display()}
        ),
        body=lambda: (
            _("%(name)s's application is now %(status)s.")
            % {"name": applicant, "status": application.get_status_display()}
        ),
    )


# Part of the move: a withdrawn, declined or expired application's bid is released, a
# winning one (bids.bids_allocate) consumed.
def _bid_settle(*, application: Application, won: bool) -> None:
    bid = Bid.objects.filter(application=application, status=Bid.Status.ACTIVE).first()
    if bid is None:
        return
    hold = ledger_selectors.hold_get(hold_id=bid.hold_id)
    if won:
        ledger_services.hold_consume(hold=hold, actor=None)
    else:
        ledger_services.hold_release(hold=hold, actor=None)
    bid.status = (
        Bid.Status.WON if won else (Bid.Status.WITHDRAWN if application.status == S.WITHDRAWN else Bid.Status.LOST)
    )
    bid.settled_at = timezone.now()
    bid.save(update_fields=["status", "settled_at"])
