"""Minting (CV-3) with the annual earning cap (CV-6, BX-4), and burning by direct use."""

import json
from datetime import date

from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from meaningflow.core.services import audit_log
from meaningflow.ledger import formulas
from meaningflow.ledger.models import Account, Contribution, Domain, Transaction
from meaningflow.ledger.parameters import parameters_in_force
from meaningflow.ledger.services.core import (
    amount_check,
    idempotent,
    person_accounts_lock,
    person_post,
    person_post_draft,
    person_post_standalone,
    system_account,
    transaction_post,
    unit_for,
)


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


def credited_in_year(*, user, unit, year: int) -> int:
    return (
        Contribution.objects.filter(beneficiary=user, unit=unit, year=year).aggregate(
            s=Sum("credited")
        )["s"]
        or 0
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
    ``occurred_on``; what exceeds the person's annual cap for the unit is recorded but not
    credited. Raises ValidationError for bad inputs and IdempotencyConflict when the key
    was used for a different contribution; a retry with the same payload returns the first.
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
        unit = unit_for(domain=domain)
        (account,) = person_accounts_lock(pairs=[(beneficiary, unit)])
        # The account row is locked, so the year's credited sum cannot move under us.
        already = credited_in_year(user=beneficiary, unit=unit, year=occurred_on.year)
        credited = max(0, min(result.amount, int(params.document["annual_cap"]) - already))
        tx = None
        if credited:
            tx = transaction_post(
                kind=Transaction.Kind.MINT,
                idempotency_key=f"contribution:{idempotency_key}",
                request_hash=fingerprint,
                cause=cause,
                memo=f"{kind} contribution",
                actor=actor,
                legs=[
                    (system_account(kind=Account.Kind.ISSUANCE, unit=unit), -credited),
                    (account, credited),
                ],
            )
        contribution = Contribution.objects.create(
            kind=kind,
            beneficiary=beneficiary,
            unit=unit,
            inputs=json.loads(json.dumps(inputs, default=str)),
            explanation=result.as_dict(),
            parameters=params,
            amount=result.amount,
            credited=credited,
            year=occurred_on.year,
            occurred_on=occurred_on,
            cause=cause,
            idempotency_key=idempotency_key,
            request_hash=fingerprint,
            ledger_transaction=tx,
        )
        audit_log(
            actor=actor,
            action="ledger.contribution.recorded",
            subject=f"ledger.contribution:{contribution.pk}",
            data={"kind": kind, "cause": cause, "amount": result.amount, "credited": credited},
        )
        from meaningflow.ledger.services.trust import trust_level_refresh

        trust_level_refresh(user=beneficiary)
        return contribution

    return idempotent(model=Contribution, key=idempotency_key, payload=payload, body=body)


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
    available balance is too small. Compute ``amount`` with ``formulas.cv_consumption``."""
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

    return idempotent(
        model=Transaction, key=idempotency_key, payload=payload, body=body, standalone=standalone
    )
