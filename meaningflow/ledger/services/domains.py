"""The two layers (CV-2, BX-3): domains and budgeted Domain → Global conversion."""

from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from meaningflow.core.services import audit_log
from meaningflow.ledger.models import Account, ConversionBudget, Domain, Transaction, Unit
from meaningflow.ledger.parameters import parameters_in_force
from meaningflow.ledger.services.core import (
    amount_check,
    idempotent,
    ledger_atomic,
    person_accounts_lock,
    system_account,
    system_accounts_ensure,
    transaction_post,
    unit_for,
)


def domain_create(
    *,
    code: str,
    name_zh: str,
    name_en: str,
    conversion_rate: Decimal | None = None,
    conversion_budget: int | None = None,
    actor=None,
) -> Domain:
    """Create a domain with its unit and system accounts. Rate and budget default to the
    parameters in force. The communities app attaches a community to the domain."""
    defaults = parameters_in_force().document["conversion"]
    domain = Domain(
        code=code,
        name_zh=name_zh,
        name_en=name_en,
        conversion_rate=Decimal(
            str(defaults["default_rate"] if conversion_rate is None else conversion_rate)
        ),
        conversion_budget=int(
            defaults["default_budget"] if conversion_budget is None else conversion_budget
        ),
    )
    domain.full_clean()
    with ledger_atomic():
        domain.save()
        unit = Unit.objects.create(code=f"D:{code}", domain=domain)
        system_accounts_ensure(unit=unit)
        audit_log(actor=actor, action="ledger.domain.created", subject=f"ledger.domain:{domain.pk}")
    return domain


def converted_amount(*, domain: Domain, amount: int) -> int:
    return int(
        (Decimal(amount) * domain.conversion_rate).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
    )


def domain_convert(
    *, user, domain: Domain, amount: int, idempotency_key: str, actor=None, on: date | None = None
) -> Transaction:
    """Convert ``amount`` Domain CV of ``domain`` into Global CV at the domain's rate, in one
    transaction through the conversion accounts of both units. Refused when the person
    lacks the Domain CV, the result rounds to zero, or the domain's monthly budget of
    Global CV would be exceeded (the budget row is locked while checking)."""
    amount_check(amount)
    period = (on or timezone.localdate()).strftime("%Y-%m")
    payload = {"op": "convert", "user": user.pk, "domain": domain.pk, "amount": amount}

    def body(fingerprint: str) -> Transaction:
        locked = Domain.objects.select_for_update().get(pk=domain.pk)
        if not locked.is_active:
            raise ValidationError(_("This domain is closed."))
        result = converted_amount(domain=locked, amount=amount)
        if result <= 0:
            raise ValidationError(_("This amount converts to less than one Global CV."))
        budget, _created = ConversionBudget.objects.get_or_create(domain=locked, period=period)
        budget = ConversionBudget.objects.select_for_update().get(pk=budget.pk)
        if budget.used + result > locked.conversion_budget:
            raise ValidationError(
                _("The domain's conversion budget for this month allows %(left)s more Global CV.")
                % {"left": max(0, locked.conversion_budget - budget.used)}
            )
        domain_unit, global_unit = unit_for(domain=locked), unit_for(domain=None)
        domain_account, global_account = person_accounts_lock(
            pairs=[(user, domain_unit), (user, global_unit)]
        )
        tx = transaction_post(
            kind=Transaction.Kind.CONVERT,
            idempotency_key=idempotency_key,
            request_hash=fingerprint,
            cause=f"ledger.domain:{locked.pk}",
            memo=f"convert at {locked.conversion_rate}",
            actor=actor,
            legs=[
                (domain_account, -amount),
                (system_account(kind=Account.Kind.CONVERSION, unit=domain_unit), amount),
                (system_account(kind=Account.Kind.CONVERSION, unit=global_unit), -result),
                (global_account, result),
            ],
        )
        ConversionBudget.objects.filter(pk=budget.pk).update(used=F("used") + result)
        audit_log(
            actor=actor,
            action="ledger.domain.converted",
            subject=f"ledger.domain:{locked.pk}",
            data={"transaction": tx.pk, "user": user.pk, "amount": amount, "global": result},
        )
        return tx

    return idempotent(model=Transaction, key=idempotency_key, payload=payload, body=body)
