"""Reads of the ledger that other apps and the pages use."""

from datetime import date
from decimal import ROUND_FLOOR, Decimal
from typing import Any, TypedDict

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, DecimalField, F, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from meaningflow.ledger.models import (
    Account,
    Contribution,
    Domain,
    Hold,
    Posting,
    Transaction,
    TrustLevelChange,
    Unit,
)
from meaningflow.ledger.parameters import parameters_in_force
from meaningflow.ledger.services.trust import TrustStanding, trust_standing_compute


class BalanceRow(TypedDict):
    unit: Unit
    available: int
    held: int
    total: int


class Headroom(TypedDict):
    year: int
    cap: int
    credited: int
    remaining: int
    not_credited: int


class PendingRow(TypedDict):
    unit: Unit
    amount: int
    contributions: int


def _unit(unit: Unit | Domain | None) -> Unit | None:
    """Accept None (Global CV), a Domain or a Unit."""
    if unit is None:
        return Unit.objects.filter(code=Unit.GLOBAL).first()
    if isinstance(unit, Domain):
        return Unit.objects.filter(domain=unit).first()
    return unit


def available_balance_of(user: AbstractBaseUser, unit: Unit | Domain | None = None) -> int:
    """CV the person can spend or hold now in ``unit`` (Global by default): held CV excluded."""
    unit = _unit(unit)
    account = Account.objects.filter(kind=Account.Kind.PERSON, owner_id=user.pk, unit=unit).only("balance").first()
    return account.balance if account else 0


def held_of(user: AbstractBaseUser, unit: Unit | Domain | None = None) -> int:
    unit = _unit(unit)
    held = Hold.objects.filter(owner_id=user.pk, account__unit=unit, status=Hold.Status.ACTIVE).aggregate(
        s=Sum("amount")
    )
    total: int = held["s"] or 0
    return total


def balance_of(user: AbstractBaseUser, unit: Unit | Domain | None = None) -> int:
    """The person's CV in ``unit``: available plus what is held in escrow for them."""
    return available_balance_of(user, unit) + held_of(user, unit)


def balances_of(user: AbstractBaseUser) -> list[BalanceRow]:
    """One row per unit the person has an account in: unit, available, held, total."""
    rows: list[BalanceRow] = []
    accounts = Account.objects.filter(kind=Account.Kind.PERSON, owner_id=user.pk).select_related("unit__domain")
    for account in accounts.order_by("unit_id"):
        held = held_of(user, account.unit)
        rows.append(
            {
                "unit": account.unit,
                "available": account.balance,
                "held": held,
                "total": account.balance + held,
            }
        )
    return rows


def trust_level_of(user: AbstractBaseUser) -> int:
    """The person's stored trust level, 1…5 (L1 until a change is recorded)."""
    last = TrustLevelChange.objects.filter(user_id=user.pk).only("level").first()
    return last.level if last else 1


def trust_standing_of(user: AbstractBaseUser) -> TrustStanding:
    """Level, reasons and what the next level needs, computed from the recorded facts."""
    return trust_standing_compute(user=user)


def trust_history_of(user: AbstractBaseUser) -> QuerySet[TrustLevelChange]:
    return TrustLevelChange.objects.filter(user_id=user.pk)


def can_use_resources(user: AbstractBaseUser | AnonymousUser) -> bool:
    """TR-2: L1 may browse only; using resources needs L2 or above."""
    if isinstance(user, AnonymousUser) or not getattr(user, "is_authenticated", False):
        return False
    return trust_level_of(user) >= 2


def earning_headroom(user: AbstractBaseUser, *, year: int | None = None) -> Headroom:
    """BX-4, CV-6: the annual cap in force, what the person's credits of the year count
    against it (one figure across all units, Domain CV at its conversion rate), what is
    left, and what was recorded above the cap and not credited (in Global CV)."""
    today = timezone.localdate()
    year = year or today.year
    cap = int(parameters_in_force(on=min(today, date(year, 12, 31))).document["annual_cap"])
    totals = Contribution.objects.filter(
        beneficiary_id=user.pk, year=year, status=Contribution.Status.CREDITED
    ).aggregate(
        counted=Sum("cap_counted"),
        above=Sum(
            (F("amount") - F("credited")) * F("cap_rate"), output_field=DecimalField(max_digits=24, decimal_places=4)
        ),
    )
    counted = totals["counted"] or Decimal(0)
    return {
        "year": year,
        "cap": cap,
        "credited": _whole(counted),
        "remaining": max(0, _whole(cap - counted)),
        "not_credited": _whole(totals["above"] or Decimal(0)),
    }


def _whole(amount: Decimal) -> int:
    return int(amount.to_integral_value(rounding=ROUND_FLOOR))


PENDING_REASON = _(
    "Waiting for your verified identity: contribution value belongs to a verified person (real-name rule). "
    "Once you verify your identity it is credited at once, within the annual cap of the year you earned it."
)


def pending_of(user: AbstractBaseUser) -> list[PendingRow]:
    """ID-2: CV recorded for the person that waits for a verified identity, per unit:
    ``{"unit", "amount", "contributions"}`` (nothing when the person is verified)."""
    rows = (
        Contribution.objects.filter(beneficiary_id=user.pk, status=Contribution.Status.PENDING_IDENTITY)
        .values("unit_id")
        .annotate(amount=Sum("amount"), contributions=Count("id"))
        .order_by("unit_id")
    )
    units = Unit.objects.select_related("domain").in_bulk([row["unit_id"] for row in rows])
    return [
        {"unit": units[row["unit_id"]], "amount": row["amount"], "contributions": row["contributions"]} for row in rows
    ]


def rating_levels_in_force(*, on: date) -> dict[str, Any]:
    """The star thresholds of the rating levels (CV-E1's rating coefficient, CV-E2's learner
    rating) in force on ``on``: ``{"good_from": 4, "neutral_from": 3}``."""
    levels: dict[str, Any] = parameters_in_force(on=on).document["rating_levels"]
    return levels


def contributions_of(user: AbstractBaseUser) -> QuerySet[Contribution]:
    return Contribution.objects.filter(beneficiary_id=user.pk).select_related("unit__domain", "parameters")


def transactions_of(user: AbstractBaseUser) -> QuerySet[Transaction]:
    """Transactions that touched one of the person's accounts, newest first."""
    tx_ids = Posting.objects.filter(account__owner_id=user.pk).values("transaction_id")
    return Transaction.objects.filter(pk__in=tx_ids).order_by("-pk")


def transaction_for_user(user: AbstractBaseUser, pk: int) -> Transaction | None:
    """The transaction if it touched one of the person's accounts, else None."""
    if not Posting.objects.filter(transaction_id=pk, account__owner_id=user.pk).exists():
        return None
    return Transaction.objects.filter(pk=pk).first()


def postings_of(user: AbstractBaseUser) -> QuerySet[Posting]:
    """The person's own postings with their transaction and unit, oldest first (PR-1: the
    data export)."""
    return (
        Posting.objects.filter(account__owner_id=user.pk)
        .select_related("transaction", "unit")
        .order_by("transaction_id", "pk")
    )


def holds_of(user: AbstractBaseUser) -> QuerySet[Hold]:
    return Hold.objects.filter(owner_id=user.pk).select_related("account__unit")


def balance_series(user: AbstractBaseUser) -> dict[str, list[tuple[str, int]]]:
    """Per unit code, the available balance at the end of each day with a posting (for
    the chart)."""
    postings = (
        Posting.objects.filter(account__owner_id=user.pk)
        .values_list("unit__code", "transaction__created_at", "amount")
        .order_by("transaction__created_at", "pk")
    )
    series: dict[str, list[tuple[str, int]]] = {}
    running: dict[str, int] = {}
    for code, created_at, amount in postings:
        running[code] = running.get(code, 0) + amount
        day = timezone.localtime(created_at).date().isoformat()
        points = series.setdefault(code, [])
        if points and points[-1][0] == day:
            points[-1] = (day, running[code])
        else:
            points.append((day, running[code]))
    return series


def hold_get(*, hold_id: int) -> Hold:
    """One escrow hold by id (DoesNotExist when there is none), for settling it through
    ``ledger.services``."""
    return Hold.objects.get(pk=hold_id)
