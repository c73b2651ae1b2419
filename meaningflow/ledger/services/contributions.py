"""Minting (CV-3) with the annual earning cap (CV-6, BX-4) and pending CV of unverified persons
(ID-2), and burning by direct use."""

import json
from datetime import date
from decimal import ROUND_FLOOR, Decimal

from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from meaningflow.accounts.selectors import identity_verified
from meaningflow.core.services import audit_log
from meaningflow.ledger import formulas
from meaningflow.ledger.models import Account, Contribution, Domain, Transaction
from meaningflow.ledger.parameters import parameters_in_force
from meaningflow.ledger.services.core import (
    amount_check,
    idempotent,
    identity_required_for_use,
    ledger_atomic,
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


def _formula_inputs(kind: str, inputs: dict) -> dict:
    """A skill contribution may name the taxonomy skill; its own difficulty then applies."""
    inputs = dict(inputs)
    skill_id = inputs.pop("skill_id", None)
    if kind == Contribution.Kind.SKILL and skill_id is not None:
        from meaningflow.accounts.models import Skill

        skill = Skill.objects.filter(pk=skill_id).first()
        if skill is None:
            raise ValidationError(_("Unknown skill."))
        inputs["difficulty"] = skill.difficulty
    return inputs


def cap_counted_in_year(*, user, year: int) -> Decimal:
    """What the person's credited contributions of ``year`` count against the annual cap,
    across all units (CV-6: Domain CV at its conversion rate)."""
    return Contribution.objects.filter(beneficiary=user, year=year, status=Contribution.Status.CREDITED).aggregate(
        s=Sum("cap_counted")
    )["s"] or Decimal(0)


def credit_within_cap(*, amount: int, rate: Decimal, room: Decimal) -> int:
    """The whole CV of ``amount`` that fits into ``room`` (Global CV left under the cap)
    when each CV counts ``rate``; a unit that converts at 0 counts nothing."""
    if rate <= 0:
        return amount
    return max(0, min(amount, int((room / rate).to_integral_value(rounding=ROUND_FLOOR))))


def _credit(contributions: list[Contribution], *, user, actor=None) -> None:
    """Credit ``contributions`` (unsaved or pending, of one person, in order) within the
    annual cap of each one's year and mint what fits.

    The person's Global account is locked with every unit account involved (one statement,
    ascending id): every crediting of the person takes that lock, so the year's total
    across units cannot move under us, whichever units two concurrent calls credit."""
    global_unit = unit_for(domain=None)
    units = {global_unit.pk: global_unit} | {c.unit_id: c.unit for c in contributions}
    accounts = {a.unit_id: a for a in person_accounts_lock(pairs=[(user, unit) for unit in units.values()])}
    counted: dict[int, Decimal] = {}
    for contribution in contributions:
        year = contribution.year
        if year not in counted:
            counted[year] = cap_counted_in_year(user=user, year=year)
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
    beneficiary,
    kind: str,
    inputs: dict,
    idempotency_key: str,
    cause: str = "",
    domain: Domain | None = None,
    occurred_on: date | None = None,
    actor=None,
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
        contribution = Contribution(
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
        if identity_verified(user=beneficiary):
            _credit([contribution], user=beneficiary, actor=actor)
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


def contributions_pending_credit(*, user, actor=None) -> list[Contribution]:
    """Credit the person's waiting contributions now that their identity is verified
    (ID-2): oldest first, each within the annual cap of the year it occurred in, with the
    parameters it was computed with. ``identity_verify`` triggers it in its own database
    transaction (accounts' ``identity_verified`` signal), so a verified person never has
    waiting CV. Idempotent: credited contributions are not pending any more."""
    with ledger_atomic():
        pending = list(
            Contribution.objects.select_for_update(of=("self",))
            .filter(beneficiary=user, status=Contribution.Status.PENDING_IDENTITY)
            .select_related("unit__domain", "parameters")
            .order_by("occurred_on", "id")
        )
        if not pending:
            return []
        _credit(pending, user=user, actor=actor)
        Contribution.objects.bulk_update(pending, ["status", "credited", "cap_rate", "cap_counted", "ledger_transaction"])
        for contribution in pending:
            audit_log(
                actor=actor,
                action="ledger.contribution.credited",
                subject=f"ledger.contribution:{contribution.pk}",
                data={"amount": contribution.amount, "credited": contribution.credited, "year": contribution.year},
            )
        trust_level_refresh(user=user)
    return pending


def use_record(
    *,
    user,
    amount: int,
    idempotency_key: str,
    cause: str,
    domain: Domain | None = None,
    memo: str = "",
    actor=None,
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

    def draft_for(fingerprint: str):
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
