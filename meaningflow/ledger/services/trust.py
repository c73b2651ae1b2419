"""Trust levels (TR-2, BX-5) and the penalty reset (TR-4) the reputation app calls."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, TextIO

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError
from django.db.models import Count, Max, Q, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from meaningflow.core import transactions
from meaningflow.core.services import JobProgress, audit_log, notification_send
from meaningflow.ledger.models import (
    Account,
    Contribution,
    Posting,
    Transaction,
    TrustFact,
    TrustLevelChange,
    Unit,
)
from meaningflow.ledger.parameters import parameters_in_force
from meaningflow.ledger.services.core import (
    idempotent,
    person_accounts_lock,
    system_account,
    transaction_post,
)
from meaningflow.ledger.services.domains import cap_rate_for

User = get_user_model()

# Reason codes stored on each change, with the sentence a person reads.
REASONS = {
    "registered": _("You have an account."),
    "contribution_recorded": _("At least one contribution of yours has been recorded."),
    "cv_l3": _("Your lifetime credited CV (net of penalties) reached the L3 threshold."),
    "cv_l4": _("Your lifetime credited CV (net of penalties) reached the L4 threshold."),
    "cv_l5": _("Your lifetime credited CV (net of penalties) reached the L5 threshold."),
    "community_recommendation": _("A community recommended you."),
    "governance_contribution": _("You contributed to community governance."),
}
LEVEL_NAMES = {
    1: _("L1 new user"),
    2: _("L2 regular"),
    3: _("L3 certified contributor"),
    4: _("L4 senior collaborator"),
    5: _("L5 core member"),
}


@dataclass
class TrustStanding:
    level: int
    reasons: list[str]
    net_credited: int
    next_needs: list[str] = field(default_factory=list)  # human sentences, translated

    @property
    def name(self) -> str:
        return str(LEVEL_NAMES[self.level])

    @property
    def reason_texts(self) -> list[str]:
        return [str(REASONS[code]) for code in self.reasons]


def _penalty_counted(taken_by_unit: dict[int, int], units: dict[int, Unit], on: date) -> Decimal:
    """Penalty postings (negative) in Global-CV terms: Domain CV at its rate in force."""
    return sum(
        (
            Decimal(taken) * cap_rate_for(unit=units[unit_id], on=on)
            for unit_id, taken in taken_by_unit.items()
            if taken
        ),
        Decimal(0),
    )


def net_credited_of(*, user: AbstractBaseUser) -> int:
    """Lifetime credited CV net of penalties, in Global CV: Domain CV counts at its
    conversion rate, as for the annual cap (CV-6, TR-2)."""
    credited = Contribution.objects.filter(beneficiary_id=user.pk, status=Contribution.Status.CREDITED).aggregate(
        s=Sum("cap_counted")
    )["s"] or Decimal(0)
    taken = dict(
        Posting.objects.filter(account__owner_id=user.pk, transaction__kind=Transaction.Kind.PENALTY)
        .values("unit_id")
        .annotate(taken=Sum("amount"))
        .values_list("unit_id", "taken")
    )
    units = Unit.objects.select_related("domain").in_bulk(list(taken))
    return max(0, int(credited + _penalty_counted(taken, units, timezone.localdate())))


def trust_standing_compute(*, user: AbstractBaseUser) -> TrustStanding:
    """The level the recorded facts give, why, and what the next level needs."""
    net = net_credited_of(user=user)
    return trust_level_for(
        net_credited=net,
        has_contribution=Contribution.objects.filter(
            beneficiary_id=user.pk, amount__gt=0, status=Contribution.Status.CREDITED
        ).exists(),
        facts=set(TrustFact.objects.filter(user_id=user.pk).values_list("kind", flat=True)),
        thresholds=parameters_in_force().document["trust"],
    )


def trust_level_for(
    *, net_credited: int, has_contribution: bool, facts: set[str], thresholds: dict[str, Any]
) -> TrustStanding:
    """TR-2 as a pure function of the recorded facts: L2 after a first contribution, L3–L5
    by lifetime credited CV net of penalties, L4 also needing a community recommendation
    and L5 a governance contribution."""
    net = net_credited
    reasons, needs = ["registered"], []
    level = 1
    if has_contribution:
        level, reasons = 2, [*reasons, "contribution_recorded"]
    else:
        needs.append(str(_("Complete one contribution.")))
    steps = [
        (3, thresholds["l3"], None),
        (4, thresholds["l4"], TrustFact.Kind.COMMUNITY_RECOMMENDATION),
        (5, thresholds["l5"], TrustFact.Kind.GOVERNANCE_CONTRIBUTION),
    ]
    for target, threshold, fact in steps:
        if level != target - 1:
            break
        missing = []
        if net < threshold:
            missing.append(
                str(
                    _("Reach %(threshold)s lifetime CV (%(left)s to go).")
                    % {"threshold": threshold, "left": threshold - net}
                )
            )
        if fact and fact not in facts:
            missing.append(str(TrustFact.Kind(fact).label))
        if missing:
            needs = missing
            break
        level = target
        reasons = [*reasons, f"cv_l{target}", *([fact] if fact else [])]
    if level == 5:
        needs = []
    return TrustStanding(level=level, reasons=reasons, net_credited=net, next_needs=needs)


def trust_levels_refresh(*, stream: TextIO | None = None) -> dict[str, int]:
    """Bring every stored trust level in line with the facts and the parameters in force
    today: a parameter set that takes effect can move the thresholds without any ledger
    event of the people concerned (the daily job ``ledger_trust_refresh``).

    The facts of everyone are read with four aggregate queries and the level computed by
    ``trust_level_for``; only the people whose level differs go through
    ``trust_level_refresh`` (which records the change, audits and notifies). Idempotent."""
    thresholds = parameters_in_force().document["trust"]
    credited: dict[int, Decimal] = {}
    contributed: set[int] = set()
    for row in (
        Contribution.objects.filter(status=Contribution.Status.CREDITED)
        .values("beneficiary_id")
        .annotate(credited=Sum("cap_counted"), positive=Count("id", filter=Q(amount__gt=0)))
    ):
        credited[row["beneficiary_id"]] = row["credited"] or Decimal(0)
        if row["positive"]:
            contributed.add(row["beneficiary_id"])
    taken: dict[int, dict[int, int]] = {}
    for owner_id, unit_id, amount in (
        Posting.objects.filter(transaction__kind=Transaction.Kind.PENALTY, account__owner__isnull=False)
        .values("account__owner_id", "unit_id")
        .annotate(taken=Sum("amount"))
        .values_list("account__owner_id", "unit_id", "taken")
    ):
        taken.setdefault(owner_id, {})[unit_id] = amount
    units = Unit.objects.select_related("domain").in_bulk()
    today = timezone.localdate()
    penalties = {owner_id: _penalty_counted(by_unit, units, today) for owner_id, by_unit in taken.items()}
    facts: dict[int, set[str]] = {}
    for user_id, kind in TrustFact.objects.values_list("user_id", "kind"):
        facts.setdefault(user_id, set()).add(kind)
    latest = TrustLevelChange.objects.values("user_id").annotate(last=Max("id")).values_list("last", flat=True)
    stored = dict(TrustLevelChange.objects.filter(id__in=Subquery(latest)).values_list("user_id", "level"))
    people = sorted(set(credited) | set(penalties) | set(facts) | set(stored))
    changed = 0
    with JobProgress(
        job="ledger.trust_refresh", key=timezone.now().strftime("%Y-%m-%dT%H:%M"), total=len(people), stream=stream
    ) as progress:
        moving = [
            user_id
            for user_id in people
            if trust_level_for(
                net_credited=max(0, int(credited.get(user_id, 0) + penalties.get(user_id, 0))),
                has_contribution=user_id in contributed,
                facts=facts.get(user_id, set()),
                thresholds=thresholds,
            ).level
            != stored.get(user_id, 1)
        ]
        progress.advance(len(people) - len(moving))
        for user in User.objects.filter(pk__in=moving).order_by("pk"):
            if trust_level_refresh(user=user) is not None:
                changed += 1
            progress.advance(1)
        progress.summary.update(people=len(people), changed=changed)
    return {"people": len(people), "changed": changed}


@transactions.entry_point
def trust_level_refresh(*, user: AbstractBaseUser) -> TrustLevelChange | None:
    """Store a TrustLevelChange when the computed level differs from the last stored one."""
    standing = trust_standing_compute(user=user)
    last = TrustLevelChange.objects.filter(user_id=user.pk).first()
    previous = last.level if last else 1
    if previous == standing.level and last is not None:
        return None
    if last is None and standing.level == 1:
        return None
    with transactions.atomic():
        # The user model is settings.AUTH_USER_MODEL, another app's class that cannot be named here
        # (import-linter), so mypy knows ``user`` only as AbstractBaseUser.
        change = TrustLevelChange.objects.create(  # type: ignore[misc]
            user=user,
            level=standing.level,
            previous_level=previous,
            reasons=standing.reasons,
            net_credited=standing.net_credited,
        )
        audit_log(
            action="ledger.trust.changed",
            subject=f"accounts.user:{user.pk}",
            data={"from": previous, "to": standing.level, "reasons": standing.reasons},
        )
        if standing.level > previous:
            notification_send(
                recipient=user,
                kind="ledger.trust",
                title=str(_("Your trust level is now %(name)s.") % {"name": standing.name}),
                url="/cv/",
            )
    return change


@transactions.entry_point
def trust_fact_record(
    *, user: AbstractBaseUser, kind: str, cause: str, recorded_by: AbstractBaseUser | None = None
) -> TrustFact:
    """Record a community recommendation or a governance contribution (idempotent per cause)."""
    TrustFact.Kind(kind)  # refuses an unknown kind with ValueError
    try:
        with transactions.atomic():
            # The user model is settings.AUTH_USER_MODEL, another app's class that cannot be named here
            # (import-linter), so mypy knows ``user`` and ``recorded_by`` only as AbstractBaseUser.
            fact = TrustFact.objects.create(  # type: ignore[misc]
                user=user, kind=kind, cause=cause, recorded_by=recorded_by
            )
            audit_log(
                actor=recorded_by,
                action="ledger.trust.fact_recorded",
                subject=f"accounts.user:{user.pk}",
                data={"kind": kind, "cause": cause},
            )
    except IntegrityError:
        return TrustFact.objects.get(user_id=user.pk, kind=kind, cause=cause)
    trust_level_refresh(user=user)
    return fact


def penalty_reset(
    *, user: AbstractBaseUser, reason: str, cause: str, idempotency_key: str, actor: AbstractBaseUser | None = None
) -> Transaction:
    """TR-4 first offence: every available balance of the person (all units) goes to the
    penalty account of its unit. Active escrow holds are left to settle with their
    bookings. The reputation app calls this after a moderator confirmed the penalty."""
    payload = {"op": "penalty", "user": user.pk, "reason": reason, "cause": cause}

    def body(fingerprint: str) -> Transaction:
        pairs = [
            (user, a.unit)
            for a in Account.objects.filter(owner_id=user.pk, kind=Account.Kind.PERSON).select_related("unit")
        ]
        accounts = person_accounts_lock(pairs=pairs)
        legs = []
        for account in accounts:
            if account.balance:
                penalty = system_account(kind=Account.Kind.PENALTY, unit=account.unit)
                legs += [(account, -account.balance), (penalty, account.balance)]
        tx = transaction_post(
            kind=Transaction.Kind.PENALTY,
            idempotency_key=idempotency_key,
            request_hash=fingerprint,
            cause=cause,
            memo=reason[:300],
            actor=actor,
            legs=legs,
            activity=False,
        )
        audit_log(
            actor=actor,
            action="ledger.penalty.reset",
            subject=f"accounts.user:{user.pk}",
            reason=reason,
            data={"transaction": tx.pk, "cause": cause, "postings": [[a.pk, x] for a, x in legs]},
        )
        trust_level_refresh(user=user)
        return tx

    return idempotent(model=Transaction, key=idempotency_key, payload=payload, body=body)
