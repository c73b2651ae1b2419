"""Escrow holds for bookings and bids (CV-4, SW-5).

A hold moves CV from the person's account to the unit's escrow account, so the person's
stored balance is what they can still spend. Each hold row says how much of the escrow is
its own. Transitions: active → released | consumed | expired; anything else is refused.
"""

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from meaningflow.core import transactions
from meaningflow.core.services import audit_log
from meaningflow.ledger.models import Account, Domain, Hold, Transaction
from meaningflow.ledger.services.core import (
    amount_check,
    idempotent,
    identity_required_for_use,
    person_accounts_lock,
    system_account,
    transaction_post,
    unit_for,
)

TRANSITIONS: dict[str, set[str]] = {
    Hold.Status.ACTIVE: {Hold.Status.RELEASED, Hold.Status.CONSUMED, Hold.Status.EXPIRED},
}


def _transition(hold: Hold, target: str) -> None:
    if target not in TRANSITIONS.get(hold.status, set()):
        raise ValidationError(
            _("This hold is %(status)s and cannot be changed any more.") % {"status": hold.get_status_display()},
            code="ledger.hold_not_open",
        )
    hold.status = target
    hold.closed_at = timezone.now()
    hold.save(update_fields=["status", "closed_at", "consumed"])


def hold_place(
    *,
    user: AbstractBaseUser,
    amount: int,
    cause: str,
    idempotency_key: str,
    domain: Domain | None = None,
    expires_at: datetime | None = None,
    actor: AbstractBaseUser | None = None,
) -> Hold:
    """Hold ``amount`` CV of the person's available balance in escrow for ``cause`` (e.g.
    ``resources.booking:7``). Raises ValidationError when not enough CV is available
    (code ``ledger.insufficient``) or the person has no verified identity
    (``ledger.identity_required``)."""
    amount_check(amount)
    payload = {
        "op": "hold",
        "user": user.pk,
        "amount": amount,
        "cause": cause,
        "domain": domain.pk if domain else None,
        "expires_at": expires_at,
    }

    def body(fingerprint: str) -> Hold:
        unit = unit_for(domain=domain)
        (account,) = person_accounts_lock(pairs=[(user, unit)])
        transaction_post(
            kind=Transaction.Kind.HOLD,
            idempotency_key=f"hold:{idempotency_key}",
            request_hash=fingerprint,
            cause=cause,
            memo="escrow hold",
            actor=actor,
            legs=[
                (account, -amount),
                (system_account(kind=Account.Kind.ESCROW, unit=unit), amount),
            ],
        )
        # The user model is settings.AUTH_USER_MODEL, another app's class that cannot be named here
        # (import-linter), so mypy knows ``user`` only as AbstractBaseUser.
        return Hold.objects.create(  # type: ignore[misc]
            owner=user,
            account=account,
            amount=amount,
            cause=cause,
            expires_at=expires_at,
            idempotency_key=idempotency_key,
            request_hash=fingerprint,
        )

    with identity_required_for_use(user):
        return idempotent(model=Hold, key=idempotency_key, payload=payload, body=body)


@transactions.entry_point
def _settle(*, hold: Hold, consume: int, target: str, actor: AbstractBaseUser | None = None) -> Hold:
    """Close an active hold: ``consume`` CV go to consumption, the rest back to the person.
    Locks the hold row (only it: the account comes with it unlocked), then the person's
    account (the documented order)."""
    with transactions.atomic():
        hold = Hold.objects.select_for_update(no_key=True, of=("self",)).select_related("account").get(pk=hold.pk)
        if hold.status == target and hold.status != Hold.Status.ACTIVE and hold.consumed == consume:
            return hold  # a retry of the same settlement
        if consume > hold.amount:
            raise ValidationError(
                _("Cannot consume more than the %(amount)s CV held.") % {"amount": hold.amount},
                code="ledger.hold_exceeded",
            )
        unit = hold.account.unit
        (account,) = person_accounts_lock(pairs=[(hold.owner, unit)])
        hold.consumed = consume
        _transition(hold, target)
        escrow = system_account(kind=Account.Kind.ESCROW, unit=unit)
        legs = [(escrow, -hold.amount), (account, hold.amount - consume)]
        if consume:
            legs.append((system_account(kind=Account.Kind.CONSUMPTION, unit=unit), consume))
        transaction_post(
            kind=Transaction.Kind.CONSUME if consume else Transaction.Kind.RELEASE,
            idempotency_key=f"hold-{target}:{hold.pk}",
            request_hash="",
            cause=hold.cause,
            memo=f"escrow {target}",
            actor=actor,
            legs=legs,
            activity=target != Hold.Status.EXPIRED,
        )
        audit_log(
            actor=actor,
            action=f"ledger.hold.{target}",
            subject=f"ledger.hold:{hold.pk}",
            data={"amount": hold.amount, "consumed": consume},
        )
        return hold


def hold_release(*, hold: Hold, actor: AbstractBaseUser | None = None) -> Hold:
    """Give the whole hold back to the person (booking declined, cancelled, bid lost).
    Releasing a released hold again returns it unchanged."""
    return _settle(hold=hold, consume=0, target=Hold.Status.RELEASED, actor=actor)


def hold_consume(*, hold: Hold, amount: int | None = None, actor: AbstractBaseUser | None = None) -> Hold:
    """Consume the hold at use; a partial ``amount`` consumes that much and releases the
    rest in the same transaction. A retry with the same amount returns the hold unchanged."""
    consume = hold.amount if amount is None else amount_check(amount)
    return _settle(hold=hold, consume=consume, target=Hold.Status.CONSUMED, actor=actor)


def holds_due(*, now: datetime | None = None) -> QuerySet[Hold]:
    return Hold.objects.filter(status=Hold.Status.ACTIVE, expires_at__lte=now or timezone.now()).order_by("pk")


def holds_expire(*, now: datetime | None = None) -> int:
    """Release every active hold past its expiry (one transaction each, so a failure
    leaves the others done). Returns how many expired; safe to re-run."""
    count = 0
    for hold in holds_due(now=now).iterator():
        try:
            _settle(hold=hold, consume=0, target=Hold.Status.EXPIRED)
        except ValidationError:
            continue  # settled meanwhile by its booking
        count += 1
    return count
