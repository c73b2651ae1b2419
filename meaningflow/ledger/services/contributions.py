"""Minting (CV-3) with the annual earning cap (CV-6, BX-4) and pending CV of unverified persons
(ID-2), and burning by direct use."""

import json
from collections.abc import Iterable
from datetime import date
from decimal import ROUND_FLOOR, Decimal
from typing import Any, TextIO

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from meaningflow.accounts.selectors import identity_verified, skill_get, verified_users
from meaningflow.core import transactions
from meaningflow.core.services import JobProgress, audit_log
from meaningflow.ledger import formulas
from meaningflow.ledger.models import Account, Contribution, Domain, Transaction, Unit
from meaningflow.ledger.parameters import parameters_in_force
from meaningflow.ledger.services.core import (
    TransactionDraft,
    amount_check,
    idempotent,
    identity_required_for_use,
    person_accounts_lock,
    person_post,
    person_post_draft,
    person_post_standalone,
    system_account,
    transaction_post,
    unit_for,
)
from meaningflow.ledger.services.domains import cap_rate_for
from meaningflow.ledger.services.trust import trust_level_refresh


def _formula_inputs(kind: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """A skill contribution may name the taxonomy skill; its own difficulty then applies."""
    inputs = dict(inputs)
    skill_id = inputs.pop("skill_id", None)
    if kind == Contribution.Kind.SKILL and skill_id is not None:
        skill = skill_get(skill_id=skill_id)
        if skill is None:
            raise ValidationError(_("Unknown skill."), code="ledger.skill_unknown")
        inputs["difficulty"] = skill.difficulty
    return inputs


def cap_counted_in_year(*, user: AbstractBaseUser, year: int) -> Decimal:
    """What the person's credited contributions of ``year`` count against the annual cap,
    across all units (CV-6: Domain CV at its conversion rate)."""
    return Contribution.objects.filter(
        beneficiary_id=user.pk, year=year, status=Contribution.Status.CREDITED
    ).aggregate(s=Sum("cap_counted"))["s"] or Decimal(0)


def credit_within_cap(*, amount: int, rate: Decimal, room: Decimal) -> int:
    """The whole CV of ``amount`` that fits into ``room`` (Global CV left under the cap)
    when each CV counts ``rate``; a unit that converts at 0 counts nothing."""
    if rate <= 0:
        return amount
    return max(0, min(amount, int((room / rate).to_integral_value(rounding=ROUND_FLOOR))))


def _lock_for_credit(*, user: AbstractBaseUser, units: Iterable[Unit]) -> dict[int, Account]:
    """Lock the person's Global account with their accounts of ``units`` (one statement,
    ascending id), creating missing ones. Every crediting of the person — and every
    recording, verified or not — takes this lock first: the annual cap is one figure across
    units, so the year's total cannot move under a credit, and a contribution recorded while
    the person's identity is being verified is ordered before or after the crediting of the
    waiting ones (``contributions_pending_credit``)."""
    global_unit = unit_for(domain=None)
    wanted = {global_unit.pk: global_unit} | {unit.pk: unit for unit in units}
    return {account.unit_id: account for account in person_accounts_lock(pairs=[(user, u) for u in wanted.values()])}


def _credit(
    contributions: list[Contribution], *, accounts: dict[int, Account], actor: AbstractBaseUser | None = None
) -> None:
    """Credit ``contributions`` (unsaved or waiting, of one person, in order) within the
    annual cap of each one's year and mint what fits, onto ``accounts`` (locked by
    ``_lock_for_credit``)."""
    counted: dict[int, Decimal] = {}
    for contribution in contributions:
        year = contribution.year
        if year not in counted:
            counted[year] = cap_counted_in_year(user=contribution.beneficiary, year=year)
        cap = Decimal(int(contribution.parameters.document["annual_cap"]))
        rate = cap_rate_for(unit=contribution.unit, on=contribution.occurred_on)
        credited = credit_within_cap(amount=contribution.amount, rate=rate, room=cap - counted[year])
        contribution.status = Contribution.Status.CREDITED
        contribution.credited, contribution.cap_rate, contribution.cap_counted = credited, rate, credited * rate
        counted[year] += contribution.cap_counted
        if credited:
            unit = contribution.unit
            contribution.ledger_transaction = transaction_post(
                kind=Transaction.Kind.MINT,
                idempotency_key=f"contribution:{contribution.idempotency_key}",
                request_hash=contribution.request_hash,
                cause=contribution.cause,
                memo=f"{contribution.kind} contribution",
                actor=actor,
                legs=[
                    (system_account(kind=Account.Kind.ISSUANCE, unit=unit), -credited),
                    (accounts[unit.pk], credited),
                ],
            )


def contribution_record(
    *,
    beneficiary: AbstractBaseUser,
    kind: str,
    inputs: dict[str, Any],
    idempotency_key: str,
    cause: str = "",
    domain: Domain | None = None,
    occurred_on: date | None = None,
    actor: AbstractBaseUser | None = None,
) -> Contribution:
    """Record a contribution and mint its CV (the only way CV comes into being).

    The amount comes from the formula of ``kind`` with the parameters in force on
    ``occurred_on``. What exceeds the person's annual cap for that year — one figure across
    all units, Domain CV counted at its conversion rate (CV-6) — is recorded but not
    credited. A person without a verified identity (ID-2) gets the contribution recorded as
    waiting (status ``pending_identity``, nothing credited); ``identity_verify`` credits it
    later (``contributions_pending_credit``). Raises ValidationError for bad inputs and
    IdempotencyConflict when the key was used for a different contribution; a retry with
    the same payload returns the first.
    """
    occurred_on = occurred_on or timezone.localdate()
    params = parameters_in_force(on=occurred_on)
    result = formulas.cv_for(kind, params.document, _formula_inputs(kind, inputs))
    payload = {
        "op": "contribution",
        "user": beneficiary.pk,
        "kind": kind,
        "inputs": inputs,
        "cause": cause,
        "domain": domain.pk if domain else None,
        "on": occurred_on.isoformat(),
    }

    def body(fingerprint: str) -> Contribution:
        # The user model is settings.AUTH_USER_MODEL, another app's class that cannot be named here
        # (import-linter), so mypy knows ``beneficiary`` only as AbstractBaseUser.
        contribution = Contribution(  # type: ignore[misc]
            kind=kind,
            beneficiary=beneficiary,
            unit=unit_for(domain=domain),
            inputs=json.loads(json.dumps(inputs, default=str)),
            explanation=result.as_dict(),
            parameters=params,
            amount=result.amount,
            credited=0,
            status=Contribution.Status.PENDING_IDENTITY,
            year=occurred_on.year,
            occurred_on=occurred_on,
            cause=cause,
            idempotency_key=idempotency_key,
            request_hash=fingerprint,
        )
        accounts = _lock_for_credit(user=beneficiary, units=[contribution.unit])
        if identity_verified(user=beneficiary):  # type: ignore[arg-type] # AbstractBaseUser: see above
            _credit([contribution], accounts=accounts, actor=actor)
        contribution.save()
        audit_log(
            actor=actor,
            action="ledger.contribution.recorded",
            subject=f"ledger.contribution:{contribution.pk}",
            data={
                "kind": kind,
                "cause": cause,
                "amount": result.amount,
                "credited": contribution.credited,
                "status": contribution.status,
            },
        )
        if contribution.status == Contribution.Status.CREDITED:
            trust_level_refresh(user=beneficiary)
        return contribution

    return idempotent(model=Contribution, key=idempotency_key, payload=payload, body=body)


@transactions.entry_point
def contributions_pending_credit(
    *, user: AbstractBaseUser, actor: AbstractBaseUser | None = None
) -> list[Contribution]:
    """Credit the person's waiting contributions now that their identity is verified
    (ID-2): oldest first, each within the annual cap of the year it occurred in, with the
    parameters it was computed with. ``identity_verify`` triggers it in its own database
    transaction (accounts' ``identity_verified`` signal); the periodic job
    ``ledger_credit_pending`` catches any left behind. Idempotent: returns what it credited
    (nothing for a person without a verified identity or without waiting CV)."""
    waiting = Contribution.objects.filter(beneficiary_id=user.pk, status=Contribution.Status.PENDING_IDENTITY)
    with transactions.atomic():
        # The Global account first: a recording that checked the identity before it was
        # committed has committed its waiting row by the time we hold the lock (and one
        # that comes later sees the identity). Then the units involved, in ascending id —
        # the Global account is created first, so it comes first in that order too.
        _lock_for_credit(user=user, units=[])
        units = list(Unit.objects.select_related("domain").filter(pk__in=waiting.values("unit_id")))
        # The user model cannot be named here (import-linter): mypy knows ``user`` as AbstractBaseUser.
        if not units or not identity_verified(user=user):  # type: ignore[arg-type]
            return []
        accounts = _lock_for_credit(user=user, units=units)
        # Read again under the lock: only what is still waiting, in the units locked (a
        # contribution in another unit recorded meanwhile waits for the job's next run).
        pending = list(
            waiting.select_for_update(no_key=True, of=("self",))
            .filter(unit_id__in=list(accounts))
            .select_related("beneficiary", "unit__domain", "parameters")
            .order_by("occurred_on", "id")
        )
        _credit(pending, accounts=accounts, actor=actor)
        Contribution.objects.bulk_update(
            pending, ["status", "credited", "cap_rate", "cap_counted", "ledger_transaction"]
        )
        for contribution in pending:
            audit_log(
                actor=actor,
                action="ledger.contribution.credited",
                subject=f"ledger.contribution:{contribution.pk}",
                data={"amount": contribution.amount, "credited": contribution.credited, "year": contribution.year},
            )
        if pending:
            trust_level_refresh(user=user)
    return pending


def contributions_pending_credit_all(*, stream: TextIO | None = None) -> dict[str, int]:
    """The periodic job ``ledger_credit_pending``: credit the waiting contributions of every
    person who has verified their identity since (a verification racing with a recording
    can leave one behind). Progress and a summary in core.JobRun."""
    waiting = Contribution.objects.filter(status=Contribution.Status.PENDING_IDENTITY).values("beneficiary_id")
    people = list(verified_users(ids=waiting))
    credited = 0
    with JobProgress(
        job="ledger.credit_pending", key=timezone.now().strftime("%Y-%m-%dT%H:%M"), total=len(people), stream=stream
    ) as progress:
        for user in people:
            credited += len(contributions_pending_credit(user=user))
            progress.advance(1)
        progress.summary.update(people=len(people), contributions=credited)
    return {"people": len(people), "contributions": credited}


def use_record(
    *,
    user: AbstractBaseUser,
    amount: int,
    idempotency_key: str,
    cause: str,
    domain: Domain | None = None,
    memo: str = "",
    actor: AbstractBaseUser | None = None,
) -> Transaction:
    """Consume ``amount`` CV of the person's available balance for a use that was not held
    in escrow (a course fee, matching priority …). Raises ValidationError when the
    available balance is too small (code ``ledger.insufficient``) or the person has no
    verified identity (``ledger.identity_required``). Compute ``amount`` with
    ``formulas.cv_consumption``."""
    amount_check(amount)
    payload = {
        "op": "use",
        "user": user.pk,
        "amount": amount,
        "cause": cause,
        "domain": domain.pk if domain else None,
    }
    unit = unit_for(domain=domain)
    consumption = system_account(kind=Account.Kind.CONSUMPTION, unit=unit)
    memo = memo or "use"

    def draft_for(fingerprint: str) -> TransactionDraft | None:
        return person_post_draft(
            user=user,
            unit=unit,
            amount=-amount,
            counter=consumption,
            kind=Transaction.Kind.CONSUME,
            idempotency_key=idempotency_key,
            request_hash=fingerprint,
            cause=cause,
            memo=memo,
        )

    def standalone(fingerprint: str) -> Transaction | None:
        # The lean path once this process knows the account's id, outside any caller's
        # transaction: its own database transaction, begun and committed through the
        # driver (person_post_standalone); None sends the call to ``body``.
        return person_post_standalone(lambda: draft_for(fingerprint))

    def body(fingerprint: str) -> Transaction:
        draft = draft_for(fingerprint)
        if draft is not None and (tx := person_post(draft)) is not None:
            return tx
        (account,) = person_accounts_lock(pairs=[(user, unit)])
        return transaction_post(
            kind=Transaction.Kind.CONSUME,
            idempotency_key=idempotency_key,
            request_hash=fingerprint,
            cause=cause,
            memo=memo,
            actor=actor,
            legs=[(account, -amount), (consumption, amount)],
        )

    with identity_required_for_use(user):
        return idempotent(model=Transaction, key=idempotency_key, payload=payload, body=body, standalone=standalone)
