"""The two layers (CV-2, BX-3): domains and budgeted Domain → Global conversion."""

from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from meaningflow.core import transactions
from meaningflow.core.services import audit_log
from meaningflow.ledger.models import Account, ConversionBudget, Domain, DomainTerms, Transaction, Unit
from meaningflow.ledger.parameters import parameters_in_force
from meaningflow.ledger.services.core import (
    amount_check,
    idempotent,
    person_accounts_lock,
    system_account,
    system_accounts_ensure,
    transaction_post,
    unit_for,
)


@transactions.entry_point
def domain_create(
    *,
    code: str,
    name_zh: str,
    name_en: str,
    conversion_rate: Decimal | None = None,
    conversion_budget: int | None = None,
    actor: AbstractBaseUser | None = None,
) -> Domain:
    """Create a domain with its unit, system accounts and first conversion terms (version 1,
    in force from today). Rate and budget default to the parameters in force. The
    communities app attaches a community to the domain."""
    defaults = parameters_in_force().document["conversion"]
    domain = Domain(code=code, name_zh=name_zh, name_en=name_en)
    domain.full_clean()
    terms = DomainTerms(
        version=1,
        effective_from=timezone.localdate(),
        conversion_rate=Decimal(str(defaults["default_rate"] if conversion_rate is None else conversion_rate)),
        conversion_budget=int(defaults["default_budget"] if conversion_budget is None else conversion_budget),
        note="initial terms",
    )
    terms.full_clean(exclude=["domain"])
    with transactions.atomic():
        domain.save()
        terms.domain = domain
        terms.save()
        unit = Unit.objects.create(code=f"D:{code}", domain=domain)
        system_accounts_ensure(unit=unit)
        audit_log(actor=actor, action="ledger.domain.created", subject=f"ledger.domain:{domain.pk}")
    return domain


def domain_terms_date_check(effective_from: date) -> None:
    if effective_from < timezone.localdate():
        raise ValidationError(_("New conversion terms cannot take effect in the past."), code="ledger.terms_in_past")


@transactions.entry_point
def domain_terms_publish(
    *,
    domain: Domain,
    conversion_rate: Decimal,
    conversion_budget: int,
    effective_from: date,
    note: str = "",
    actor: AbstractBaseUser | None = None,
) -> DomainTerms:
    """Publish a new version of the domain's conversion terms from ``effective_from`` (today
    or later). Conversions already made keep the version they used."""
    domain_terms_date_check(effective_from)
    terms = DomainTerms(
        domain=domain,
        version=0,
        effective_from=effective_from,
        conversion_rate=Decimal(str(conversion_rate)),
        conversion_budget=conversion_budget,
        note=note,
    )
    terms.full_clean(exclude=["version"])
    with transactions.atomic():
        Domain.objects.select_for_update(no_key=True).get(pk=domain.pk)  # one publisher at a time
        terms.version = (DomainTerms.objects.filter(domain=domain).aggregate(v=Max("version"))["v"] or 0) + 1
        terms.save()
        audit_log(
            actor=actor,
            action="ledger.domain.terms_published",
            subject=f"ledger.domain:{domain.pk}",
            data={
                "version": terms.version,
                "effective_from": effective_from.isoformat(),
                "rate": str(terms.conversion_rate),
                "budget": terms.conversion_budget,
            },
        )
    return terms


def domain_terms_in_force(*, domain: Domain, on: date | None = None) -> DomainTerms:
    """The version in force on ``on`` (today by default): the latest effective date, then
    the highest version."""
    terms = (
        DomainTerms.objects.filter(domain=domain, effective_from__lte=on or timezone.localdate())
        .order_by("-effective_from", "-version")
        .first()
    )
    if terms is None:
        raise ValidationError(
            _("This domain has no conversion terms in force on that date."), code="ledger.terms_missing"
        )
    return terms


def cap_rate_for(*, unit: Unit, on: date) -> Decimal:
    """Global CV per CV of ``unit`` for the annual cap: 1 for Global CV, the domain's
    conversion rate in force on ``on`` for Domain CV (its first terms for a day before
    them: a contribution may be recorded for a day before the domain's terms began)."""
    domain = unit.domain  # None without a query for Global CV
    if domain is None:
        return Decimal(1)
    try:
        return domain_terms_in_force(domain=domain, on=on).conversion_rate
    except ValidationError:
        first = DomainTerms.objects.filter(domain=domain).order_by("effective_from", "version").first()
        if first is None:
            raise
        return first.conversion_rate


def converted_amount(*, terms: DomainTerms, amount: int) -> int:
    return int((Decimal(amount) * terms.conversion_rate).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def domain_convert(
    *,
    user: AbstractBaseUser,
    domain: Domain,
    amount: int,
    idempotency_key: str,
    actor: AbstractBaseUser | None = None,
    on: date | None = None,
) -> Transaction:
    """Convert ``amount`` Domain CV of ``domain`` into Global CV at the rate of the domain's
    terms in force on ``on`` (today), in one transaction through the conversion accounts of
    both units; the memo records the terms version used. Refused when the person lacks the
    Domain CV, the result rounds to zero, or the month's budget of those terms would be
    exceeded (the budget row is locked while checking)."""
    amount_check(amount)
    on = on or timezone.localdate()
    period = on.strftime("%Y-%m")
    payload = {"op": "convert", "user": user.pk, "domain": domain.pk, "amount": amount}

    def body(fingerprint: str) -> Transaction:
        locked = Domain.objects.select_for_update(no_key=True).get(pk=domain.pk)
        if not locked.is_active:
            raise ValidationError(_("This domain is closed."), code="ledger.domain_closed")
        terms = domain_terms_in_force(domain=locked, on=on)
        result = converted_amount(terms=terms, amount=amount)
        if result <= 0:
            raise ValidationError(
                _("This amount converts to less than one Global CV."), code="ledger.conversion_too_small"
            )
        budget, _created = ConversionBudget.objects.get_or_create(domain=locked, period=period)
        budget = ConversionBudget.objects.select_for_update(no_key=True).get(pk=budget.pk)
        if budget.used + result > terms.conversion_budget:
            raise ValidationError(
                _("The domain's conversion budget for this month allows %(left)s more Global CV.")
                % {"left": max(0, terms.conversion_budget - budget.used)},
                code="ledger.conversion_budget_exceeded",
            )
        domain_unit, global_unit = unit_for(domain=locked), unit_for(domain=None)
        domain_account, global_account = person_accounts_lock(pairs=[(user, domain_unit), (user, global_unit)])
        tx = transaction_post(
            kind=Transaction.Kind.CONVERT,
            idempotency_key=idempotency_key,
            request_hash=fingerprint,
            cause=f"ledger.domain:{locked.pk}",
            memo=f"convert at {terms.conversion_rate} (terms v{terms.version})",
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
            data={
                "transaction": tx.pk,
                "user": user.pk,
                "amount": amount,
                "global": result,
                "terms_version": terms.version,
            },
        )
        return tx

    return idempotent(model=Transaction, key=idempotency_key, payload=payload, body=body)
