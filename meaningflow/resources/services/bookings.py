"""Bookings as an explicit state machine (SW-4, SW-5, BX-1, BX-14).

::

    request ─► requested ─accept─► accepted ─start─► in_use ─complete─► completed
                  │ decline/expire/cancel    │ cancel/no_show   │ no_show / end_early
    instant ──────┴──────────────────────────┘                  ▼
                                                     no_show, ended_early

``TRANSITIONS`` names, per action, the states it leaves, the state it reaches and who may
take it; ``_apply`` is the one function that changes a booking's state: it refuses illegal
moves, writes the history row and the audit event, and notifies the other side.

Money and CV (docs/RESOURCES.md): the CV price is held in escrow when the booking is made
(requested or instant) and consumed when the stay completes; a cancellation consumes the
non-refundable share and releases the rest; a safeguard end consumes the used share. The
money part is a ``PaymentDue`` paid offline: the owner confirms receipt (and refunds).

Locking, in the global order of ``core.transactions`` (user → resource → unit → booking →
ledger): a new booking locks the guest's user row (quota), then the resource's units in id
order, inserts the booking, then the ledger locks the guest's account; a transition locks the
booking row (only it), then its payment, then the ledger locks its hold and the person's
account. Every lock is ``FOR NO KEY UPDATE`` of the rows meant, so the foreign-key checks of
concurrent writers never wait on them. Every public function is a
``transactions.entry_point``: a deadlock or a locked database runs it again.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from meaningflow.accounts import selectors as accounts_selectors
from meaningflow.conversations import services as conversations
from meaningflow.core import transactions
from meaningflow.core.errors import Forbidden
from meaningflow.core.services import audit_log
from meaningflow.ledger import selectors as ledger_selectors
from meaningflow.ledger import services as ledger
from meaningflow.ledger.formulas import FormulaResult
from meaningflow.resources import pricing, rules, selectors
from meaningflow.resources.models import (
    Booking,
    BookingLine,
    BookingTransition,
    CheckIn,
    NoShow,
    PaymentDue,
    Resource,
    ResourceUnit,
    SafeguardCase,
)
from meaningflow.resources.periods import Period, period_check, period_for
from meaningflow.resources.services.parties import (
    GUEST,
    MODERATOR,
    OWNER,
    SYSTEM,
    moderators,
    notify,
    owners_of,
    role_of,
)
from meaningflow.resources.services.payments import payment_due_open, payment_refund_record
from meaningflow.reviews import services as reviews

User = get_user_model()
S = Booking.Status
# Who acts: a person, or nobody (None) when a job does.
Actor = AbstractBaseUser | None

# action: (states it may leave, state it reaches, who may take it)
TRANSITIONS: dict[str, tuple[frozenset[str], str, frozenset[str]]] = {
    "accept": (frozenset({S.REQUESTED}), S.ACCEPTED, frozenset({OWNER})),
    "decline": (frozenset({S.REQUESTED}), S.DECLINED, frozenset({OWNER})),
    "expire": (frozenset({S.REQUESTED}), S.EXPIRED, frozenset({SYSTEM})),
    "cancel": (frozenset({S.REQUESTED, S.ACCEPTED}), S.CANCELLED, frozenset({GUEST, OWNER})),
    "start": (frozenset({S.ACCEPTED}), S.IN_USE, frozenset({SYSTEM})),
    "no_show": (frozenset({S.ACCEPTED, S.IN_USE}), S.NO_SHOW, frozenset({OWNER})),
    "complete": (frozenset({S.IN_USE}), S.COMPLETED, frozenset({SYSTEM, MODERATOR})),
    "end_early": (frozenset({S.IN_USE}), S.ENDED_EARLY, frozenset({GUEST, OWNER, MODERATOR})),
}
# payment status → the status the owner's confirmation moves it to
PAYMENT_STEPS: dict[str, str] = {
    PaymentDue.Status.DUE: PaymentDue.Status.RECEIVED,
    PaymentDue.Status.REFUND_DUE: PaymentDue.Status.REFUNDED,
}
ACTION_LABELS = {
    "request": gettext_lazy("requested"),
    "book": gettext_lazy("booked"),
    "accept": gettext_lazy("accepted"),
    "decline": gettext_lazy("declined"),
    "expire": gettext_lazy("expired"),
    "cancel": gettext_lazy("cancelled"),
    "start": gettext_lazy("started"),
    "no_show": gettext_lazy("reported as a no-show"),
    "complete": gettext_lazy("completed"),
    "end_early": gettext_lazy("ended early"),
}


def _apply(booking: Booking, action: str, *, actor: Actor, role: str, now: datetime, reason: str = "") -> Booking:
    """Apply one transition to a locked booking, or refuse it (ValidationError when the
    state does not allow it, PermissionDenied when ``role`` may not take it)."""
    transactions.require_transaction()
    sources, target, roles = TRANSITIONS[action]
    if role not in roles:
        raise Forbidden(_("You cannot do this to the booking."), code="booking.action_not_allowed")
    if booking.status not in sources:
        raise ValidationError(
            _("This booking is %(status)s; it cannot be %(action)s.")
            % {"status": booking.get_status_display().lower(), "action": ACTION_LABELS[action]},
            code="booking.wrong_status",
        )
    previous = booking.status
    booking.status = target
    stamp = {"accept": "decided_at", "decline": "decided_at", "start": "started_at"}.get(action)
    if stamp:
        setattr(booking, stamp, now)
    if target not in Booking.BLOCKING:
        booking.closed_at = now
    booking.save()
    _history(booking, action, previous, actor=actor, now=now, reason=reason)
    title = _("Booking #%(id)s of “%(resource)s” was %(action)s.") % {
        "id": booking.pk,
        "resource": booking.resource.title,
        "action": ACTION_LABELS[action],
    }
    others = [u for u in [booking.guest, *owners_of(booking.resource)] if u != actor]
    notify(booking, recipients=others, kind=f"booking.{action}", title=title, body=reason)
    return booking


def _history(booking: Booking, action: str, previous: str, *, actor: Actor, now: datetime, reason: str = "") -> None:
    BookingTransition.objects.create(
        booking=booking,
        action=action,
        from_status=previous,
        to_status=booking.status,
        actor_id=actor.pk if actor is not None and actor.is_authenticated else None,
        reason=reason[:500],
        at=now,
    )
    audit_log(
        actor=actor,
        action=f"resources.booking.{action}",
        subject=booking.subject,
        region_code=booking.resource.region_code,
        reason=reason,
        data={"from": previous, "to": booking.status, "unit": booking.unit_id},
    )


def booking_locked(booking: Booking) -> Booking:
    """The booking row locked, its resource and guest read with it but not locked (locking
    them too made concurrent bookings deadlock: issue 12)."""
    return (
        Booking.objects.select_for_update(no_key=True, of=("self",))
        .select_related("resource", "guest")
        .get(pk=booking.pk)
    )


# --- creating a booking ----------------------------------------------------------------


def _guest_check(
    *, resource: Resource, guest: AbstractBaseUser, people: int, now: datetime, params: dict[str, Any]
) -> None:
    """Who may book (TR-2 levels and quotas, TR-4 no-shows, the resource's requirements)."""
    if resource.status != Resource.Status.ACTIVE:
        raise ValidationError(_("This resource is not open for booking."), code="booking.resource_not_open")
    if selectors.can_manage_resource(user=guest, resource=resource):
        raise ValidationError(_("You cannot book your own resource."), code="booking.own_resource")
    if not ledger_selectors.can_use_resources(guest):
        raise Forbidden(
            _("New members (trust level L1) cannot book yet: complete one contribution first."),
            code="booking.trust_level_new",
        )
    level = ledger_selectors.trust_level_of(guest)
    if level < resource.min_trust_level:
        raise Forbidden(
            _("This resource needs trust level L%(need)s; you are at L%(have)s.")
            % {"need": resource.min_trust_level, "have": level},
            code="booking.trust_level_too_low",
        )
    # request.user is typed AbstractBaseUser; at run time it is accounts' User (AUTH_USER_MODEL).
    if resource.requires_verified_identity and not accounts_selectors.identity_verified(
        user=guest  # type: ignore[arg-type]
    ):
        raise Forbidden(
            _("This resource needs a verified identity (real-name check)."), code="booking.identity_required"
        )
    no_shows = selectors.no_shows_recent(user=guest, now=now, months=params["no_show_months"])
    if no_shows >= params["no_show_limit"]:
        raise Forbidden(
            _("Booking is restricted after %(n)s no-shows in %(m)s months.")
            % {"n": no_shows, "m": params["no_show_months"]},
            code="booking.no_show_restricted",
        )
    if not 1 <= people <= resource.capacity:
        raise ValidationError(
            _("This resource takes 1 to %(n)s people.") % {"n": resource.capacity},
            code="booking.people_out_of_range",
        )


def _quota_check(*, guest: AbstractBaseUser, now: datetime, params: dict[str, Any]) -> None:
    level = ledger_selectors.trust_level_of(guest)
    quota = rules.quota_for(params, level)
    if selectors.active_bookings_count(user=guest, now=now) >= quota:
        raise ValidationError(
            _("At trust level L%(level)s you can hold %(quota)s booking(s) at a time.")
            % {"level": level, "quota": quota},
            code="booking.quota_reached",
        )


def _guest_lock(guest: AbstractBaseUser) -> None:
    """Lock the guest's user row: their concurrent bookings queue here (quota)."""
    transactions.require_transaction()
    User.objects.select_for_update(no_key=True).filter(pk=guest.pk).first()


def _free_unit(resource: Resource, period: Period, blocked_until: datetime) -> ResourceUnit:
    # Lock every unit of the resource in id order: concurrent bookings of the resource
    # queue here, so the overlap check below cannot race (PostgreSQL row locks; SQLite's
    # IMMEDIATE transaction already serialises writers). The exclusion constraint is the
    # last line of defence on PostgreSQL.
    list(ResourceUnit.objects.select_for_update(no_key=True).filter(resource=resource).order_by("pk"))
    unit: ResourceUnit | None = selectors.free_units(
        resource, starts_at=period.starts_at, blocked_until=blocked_until
    ).first()
    if unit is None:
        raise ValidationError(
            _("Not available for these dates: every unit is taken or blocked."), code="booking.not_available"
        )
    return unit


@transactions.entry_point
def booking_create(
    *,
    resource: Resource,
    guest: AbstractBaseUser,
    start: date | datetime | str,
    end: date | datetime | str,
    people: int = 1,
    message: str = "",
    now: datetime | None = None,
) -> Booking:
    """Book ``resource`` from ``start`` to ``end`` (dates, or date-times for hourly).

    On request the booking waits for the owner (``respond_by``); with instant booking it
    is accepted at once. The CV price is held in escrow now; the money part (if any) is a
    PaymentDue once accepted. Raises ValidationError (bad period, not available, quota,
    not enough CV) or PermissionDenied (trust level, identity, no-shows) and changes
    nothing then."""
    now = now or timezone.now()
    params = rules.rules_in_force(on=timezone.localdate(now))
    period = period_for(resource, start, end)
    period_check(resource, period, now=now)
    _guest_check(resource=resource, guest=guest, people=people, now=now, params=params)
    blocked_until = period.ends_at + timedelta(minutes=resource.preparation_minutes)
    instant = resource.booking_mode == Resource.BookingMode.INSTANT
    with transactions.atomic():
        # The guest's row first (quota), then the units: the documented order.
        _guest_lock(guest)
        _quota_check(guest=guest, now=now, params=params)
        unit = _free_unit(resource, period, blocked_until)
        index, level = selectors.demand_index_of(region_key=resource.region_key, now=now, params=params)
        cv = pricing.cv_cost(resource, slots=period.slots, demand=level) if resource.accepts_cv else None
        money = pricing.money_cost(resource, slots=period.slots)
        booking = Booking(
            resource=resource,
            unit=unit,
            guest_id=guest.pk,
            status=S.ACCEPTED if instant else S.REQUESTED,
            starts_at=period.starts_at,
            ends_at=period.ends_at,
            blocked_until=blocked_until,
            slots=period.slots,
            people=people,
            message=message[:2000],
            policy=rules.policy_in_force(resource.cancellation_policy, on=timezone.localdate(now)),
            cv_amount=cv.amount if cv else 0,
            money_amount=money,
            money_currency=resource.price_currency if money else "",
            demand_index=index,
            demand_level=level,
            pricing={"cv": cv.as_dict() if cv else None, "demand_index": str(index)},
            is_exchange=resource.is_exchange,
            exchange_hours_per_day=resource.exchange_hours_per_day,
            exchange_provides=resource.exchange_provides,
            respond_by=None if instant else rules.deadline(now, params["response_hours"], not_after=period.starts_at),
            decided_at=now if instant else None,
            created_at=now,
        )
        try:
            with transaction.atomic():
                booking.save()
        except IntegrityError as exc:  # the PostgreSQL exclusion constraint
            raise ValidationError(
                _("Not available for these dates: every unit is taken or blocked."), code="booking.not_available"
            ) from exc
        _lines(booking, cv, money)
        if booking.cv_amount:
            hold = ledger.hold_place(
                user=guest,
                amount=booking.cv_amount,
                cause=booking.subject,
                idempotency_key=f"{booking.subject}:hold",
                actor=guest,
            )
            booking.cv_hold_id = hold.pk
            booking.save(update_fields=["cv_hold_id"])
        if instant and money:
            payment_due_open(booking)
        _history(booking, "book" if instant else "request", "", actor=guest, now=now)
        _open_thread(booking)
        title = (
            _("New booking of “%(r)s” from %(s)s.")
            if instant
            else _("Booking request for “%(r)s” from %(s)s: please answer.")
        ) % {"r": resource.title, "s": timezone.localtime(period.starts_at).date()}
        notify(booking, recipients=owners_of(resource), kind="booking.new", title=title, body=message)
    return booking


def _lines(booking: Booking, cv: FormulaResult | None, money: Decimal | None) -> None:
    if cv is not None:
        BookingLine.objects.create(
            booking=booking,
            kind=BookingLine.Kind.CV,
            amount=Decimal(cv.amount),
            currency="CV",
            description=f"{cv.formula}: {cv.factors}"[:300],
        )
    if money is not None:
        BookingLine.objects.create(
            booking=booking,
            kind=BookingLine.Kind.MONEY,
            amount=money,
            currency=booking.money_currency,
            description=f"{booking.resource.price_amount} × {booking.slots}",
        )


def _open_thread(booking: Booking) -> None:
    thread = conversations.thread_open(
        subject=booking.subject,
        title=str(_("Booking #%(id)s: %(r)s") % {"id": booking.pk, "r": booking.resource.title}),
        participants=[booking.guest, *owners_of(booking.resource)],
    )
    if booking.message:
        conversations.message_post(thread=thread, sender=booking.guest, body=booking.message)


# --- settling CV and money -------------------------------------------------------------


def _settle_cv(booking: Booking, *, consume: int, actor: Actor) -> None:
    """Close the escrow: ``consume`` CV are used up, the rest goes back to the guest."""
    if not booking.cv_hold_id:
        return
    consume = max(0, min(consume, booking.cv_amount))
    hold = ledger_selectors.holds_of(booking.guest).get(pk=booking.cv_hold_id)
    if consume:
        ledger.hold_consume(hold=hold, amount=consume, actor=actor)
    else:
        ledger.hold_release(hold=hold, actor=actor)
    booking.cv_consumed = consume
    booking.save(update_fields=["cv_consumed"])


# --- transitions -----------------------------------------------------------------------


@transactions.entry_point
def booking_accept(*, booking: Booking, actor: AbstractBaseUser, now: datetime | None = None) -> Booking:
    """The owner accepts a request; the money part becomes due."""
    now = now or timezone.now()
    with transactions.atomic():
        booking = booking_locked(booking)
        _apply(booking, "accept", actor=actor, role=role_of(user=actor, booking=booking), now=now)
        if booking.money_amount:
            payment_due_open(booking)
    return booking


@transactions.entry_point
def booking_decline(
    *, booking: Booking, actor: AbstractBaseUser, reason: str = "", now: datetime | None = None
) -> Booking:
    now = now or timezone.now()
    with transactions.atomic():
        booking = booking_locked(booking)
        _apply(
            booking,
            "decline",
            actor=actor,
            role=role_of(user=actor, booking=booking),
            now=now,
            reason=reason,
        )
        _settle_cv(booking, consume=0, actor=actor)
    return booking


@transactions.entry_point
def booking_expire(*, booking: Booking, now: datetime | None = None) -> Booking:
    """A request the owner did not answer by ``respond_by`` (job)."""
    now = now or timezone.now()
    with transactions.atomic():
        booking = booking_locked(booking)
        if booking.respond_by is None or booking.respond_by > now:
            raise ValidationError(_("The owner can still answer this request."), code="booking.still_answerable")
        _apply(booking, "expire", actor=None, role=SYSTEM, now=now)
        _settle_cv(booking, consume=0, actor=None)
    return booking


@transactions.entry_point
def booking_cancel(
    *, booking: Booking, actor: AbstractBaseUser, reason: str = "", now: datetime | None = None
) -> Booking:
    """Cancel a request or an accepted booking. The guest gets the refund of the booking's
    policy version for the time left before the start (a request: everything); when the
    owner cancels, the guest gets everything back."""
    now = now or timezone.now()
    with transactions.atomic():
        booking = booking_locked(booking)
        role = role_of(user=actor, booking=booking)
        if booking.status == S.REQUESTED or role == OWNER:
            percent = 100
        else:
            percent = rules.refund_percent(booking.policy.rules, starts_at=booking.starts_at, cancelled_at=now)
        _apply(booking, "cancel", actor=actor, role=role, now=now, reason=reason)
        booking.refund_percent = percent
        booking.save(update_fields=["refund_percent"])
        if booking.money_amount:  # the payment row before the ledger: the lock order
            payment_refund_record(booking, refund=booking.money_amount * percent / 100)
        refunded = rules.share(booking.cv_amount, percent, 100)
        _settle_cv(booking, consume=booking.cv_amount - refunded, actor=actor)
    return booking


@transactions.entry_point
def booking_start(*, booking: Booking, now: datetime | None = None) -> Booking:
    """The stay begins (job, at ``starts_at``)."""
    now = now or timezone.now()
    with transactions.atomic():
        booking = booking_locked(booking)
        if booking.starts_at > now:
            raise ValidationError(_("This booking has not started yet."), code="booking.not_started")
        _apply(booking, "start", actor=None, role=SYSTEM, now=now)
        if booking.is_exchange:
            notify(
                booking,
                recipients=[booking.guest, *owners_of(booking.resource)],
                kind="checkin.open",
                title=_("Exchange stay #%(id)s: tell us at mid-stay whether it is going as agreed.")
                % {"id": booking.pk},
            )
    return booking


@transactions.entry_point
def booking_report_no_show(*, booking: Booking, actor: AbstractBaseUser, now: datetime | None = None) -> Booking:
    """The owner reports that the guest did not come: the CV is consumed, the money part
    stays due, and a NoShow counts against the guest (TR-4)."""
    now = now or timezone.now()
    with transactions.atomic():
        booking = booking_locked(booking)
        if booking.starts_at > now:
            raise ValidationError(
                _("A no-show can be reported only after the start."), code="booking.no_show_too_early"
            )
        _apply(booking, "no_show", actor=actor, role=role_of(user=actor, booking=booking), now=now)
        _settle_cv(booking, consume=booking.cv_amount, actor=actor)
        NoShow.objects.create(user=booking.guest, booking=booking, reported_by_id=actor.pk, created_at=now)
    return booking


@transactions.entry_point
def booking_report_problem(
    *, booking: Booking, actor: AbstractBaseUser, note: str, now: datetime | None = None
) -> Booking:
    """Either side reports a problem during the stay: it is not completed automatically
    and moderators look at it (they complete it or end it early)."""
    now = now or timezone.now()
    note = (note or "").strip()
    if not note:
        raise ValidationError(_("Describe the problem."), code="booking.problem_note_blank")
    with transactions.atomic():
        booking = booking_locked(booking)
        role = role_of(user=actor, booking=booking)
        if booking.status != S.IN_USE or role == MODERATOR:
            raise ValidationError(
                _("Problems are reported by the guest or host during the stay."),
                code="booking.problem_not_allowed",
            )
        booking.problem_reported_at = now
        booking.problem_note = note[:1000]
        booking.save(update_fields=["problem_reported_at", "problem_note"])
        audit_log(
            actor=actor,
            action="resources.booking.problem_reported",
            subject=booking.subject,
            region_code=booking.resource.region_code,
            reason=note,
        )
        notify(
            booking,
            recipients=moderators(),
            kind="booking.problem",
            title=_("Problem reported in booking #%(id)s.") % {"id": booking.pk},
            body=note,
        )
    return booking


@transactions.entry_point
def booking_complete(
    *, booking: Booking, actor: AbstractBaseUser | None = None, now: datetime | None = None
) -> Booking:
    """The stay is over (job, ``autocomplete_hours`` after the end, or a moderator after a
    problem): the held CV is consumed, the review window opens (SW-6) and the host's
    credit waits for the guest's review (``contribution_credit``)."""
    now = now or timezone.now()
    with transactions.atomic():
        booking = booking_locked(booking)
        role = SYSTEM if actor is None else role_of(user=actor, booking=booking)
        if role == SYSTEM and booking.problem_reported_at:
            raise ValidationError(
                _("A problem was reported; a moderator completes this stay."), code="booking.problem_pending"
            )
        if booking.ends_at > now:
            raise ValidationError(_("This stay has not ended yet."), code="booking.not_ended")
        _apply(booking, "complete", actor=actor, role=role, now=now)
        _settle_cv(booking, consume=booking.cv_amount, actor=actor)
        booking.used_slots = booking.slots
        booking.credit_status = Booking.Credit.NONE if booking.resource.is_public else Booking.Credit.PENDING
        booking.save(update_fields=["used_slots", "credit_status"])
        _reviews_open(booking)
    return booking


def _reviews_open(booking: Booking) -> None:
    # Opened at the real time: the reviews app times its 14-day window itself.
    reviews.review_window_open(
        subject=booking.subject,
        parties=[(booking.resource.owner, "host"), (booking.guest, "guest")],
        title=str(booking.resource.title)[:200],
    )
    booking.reviews_opened = True
    booking.save(update_fields=["reviews_opened"])


@transactions.entry_point
def booking_end_early(
    *, booking: Booking, actor: AbstractBaseUser, reason: str, now: datetime | None = None
) -> Booking:
    """The safeguard path (BX-14): the guest, the host or a moderator ends a stay early.
    The guest pays only for the slots used (CV and money); the host is credited only for
    those; moderators get the case."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say what went wrong."), code="booking.end_reason_blank")
    with transactions.atomic():
        booking = booking_locked(booking)
        _apply(
            booking,
            "end_early",
            actor=actor,
            role=role_of(user=actor, booking=booking),
            now=now,
            reason=reason,
        )
        used = rules.used_slots(
            slot=booking.resource.slot,
            starts_at=booking.starts_at,
            ended_at=now,
            slots=booking.slots,
        )
        consume = rules.share(booking.cv_amount, used, booking.slots)
        if booking.money_amount:  # the payment row before the ledger: the lock order
            payment_refund_record(booking, refund=booking.money_amount * (booking.slots - used) / booking.slots)
        _settle_cv(booking, consume=consume, actor=actor)
        booking.used_slots = used
        booking.credit_status = (
            Booking.Credit.PENDING if used and not booking.resource.is_public else Booking.Credit.NONE
        )
        booking.save(update_fields=["used_slots", "credit_status"])
        SafeguardCase.objects.create(
            booking=booking,
            opened_by_id=actor.pk,
            reason=reason[:1000],
            used_slots=used,
            refunded_cv=booking.cv_amount - consume,
            created_at=now,
        )
        notify(
            booking,
            recipients=moderators(),
            kind="booking.safeguard",
            title=_("Safeguard: stay #%(id)s was ended early.") % {"id": booking.pk},
            body=reason,
        )
    return booking


@transactions.entry_point
def checkin_record(
    *, booking: Booking, actor: AbstractBaseUser, as_agreed: bool, note: str = "", now: datetime | None = None
) -> CheckIn:
    """The mid-stay check-in of an exchange stay; each side answers once. A "no" tells the
    other side and points both to the safeguard path."""
    now = now or timezone.now()
    with transactions.atomic():
        booking = booking_locked(booking)
        role = role_of(user=actor, booking=booking)
        if role not in (GUEST, OWNER):
            raise Forbidden(_("Only the guest and the host answer the check-in."), code="checkin.not_party")
        if not booking.is_exchange or booking.status != S.IN_USE:
            raise ValidationError(_("Check-ins are for exchange stays that are under way."), code="checkin.not_open")
        try:
            with transaction.atomic():
                checkin = CheckIn.objects.create(
                    booking=booking,
                    user_id=actor.pk,
                    role=CheckIn.Role.GUEST if role == GUEST else CheckIn.Role.HOST,
                    as_agreed=as_agreed,
                    note=(note or "")[:1000],
                    created_at=now,
                )
        except IntegrityError as exc:
            raise ValidationError(
                _("You have already answered this check-in."), code="checkin.already_answered"
            ) from exc
        audit_log(
            actor=actor,
            action="resources.booking.checkin",
            subject=booking.subject,
            data={"role": role, "as_agreed": as_agreed},
        )
        if not as_agreed:
            others = [u for u in [booking.guest, *owners_of(booking.resource)] if u != actor]
            notify(
                booking,
                recipients=others + moderators(),
                kind="checkin.concern",
                title=_("Exchange stay #%(id)s is not going as agreed.") % {"id": booking.pk},
                body=note,
            )
    return checkin


@transactions.entry_point
def payment_confirm(*, booking: Booking, actor: AbstractBaseUser, now: datetime | None = None) -> PaymentDue:
    """The owner confirms the money was received, or that a due refund was paid back
    (offline/manual provider: nothing is captured by the platform)."""
    now = now or timezone.now()
    with transactions.atomic():
        booking = booking_locked(booking)
        if role_of(user=actor, booking=booking) != OWNER:
            raise Forbidden(_("Only the owner confirms payments."), code="payment.not_owner")
        payment = PaymentDue.objects.select_for_update(no_key=True).filter(booking=booking).first()
        if payment is None:
            raise ValidationError(_("Nothing is due in money for this booking."), code="payment.none_due")
        step = PAYMENT_STEPS.get(payment.status)
        if step is None:
            raise ValidationError(_("There is nothing to confirm for this payment."), code="payment.nothing_to_confirm")
        payment.status, payment.confirmed_by_id, payment.confirmed_at = step, actor.pk, now
        payment.save()
        audit_log(
            actor=actor,
            action=f"resources.payment.{step}",
            subject=booking.subject,
            data={
                "amount": str(payment.amount),
                "refund": str(payment.refund_amount),
                "currency": payment.currency,
            },
        )
        notify(
            booking,
            recipients=[booking.guest],
            kind=f"payment.{step}",
            title=_("Payment for booking #%(id)s: %(status)s.")
            % {"id": booking.pk, "status": payment.get_status_display()},
        )
    return payment
