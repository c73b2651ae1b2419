"""The one place that writes transactions and postings, plus locking and idempotency.

Locking order (docs/LEDGER.md): Domain row → ConversionBudget row → Hold row → person
accounts in ascending id. System accounts are never locked (they hold no stored balance).
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from meaningflow.core.services import audit_log
from meaningflow.ledger import hashing
from meaningflow.ledger.models import Account, Domain, ParameterSet, Transaction, Unit
from meaningflow.ledger.parameters import default_document

# The Global unit and its system accounts are reference rows created by ``migrate``
# (post_migrate → ledger_bootstrap) and never deleted; caching them saves two queries on
# every posting. ``caches_clear`` runs after every migrate and flush. Domain units are
# not cached: they can be created inside a transaction that later rolls back.
_global_cache: dict = {}


def caches_clear() -> None:
    _global_cache.clear()


class IdempotencyConflict(ValidationError):
    """The idempotency key was used before for a call with a different payload."""


def ledger_atomic():
    """Durable at a service entry point; a savepoint when another app's service calls us
    inside its own transaction (a booking that places a hold commits with the booking)."""
    return transaction.atomic(durable=not transaction.get_connection().in_atomic_block)


def ledger_bootstrap() -> None:
    """Create the Global unit, its system accounts and the default parameter set (v1) if
    missing. Idempotent; run after every migrate (and flush) and by the demo loader."""
    unit, _created = Unit.objects.get_or_create(code=Unit.GLOBAL)
    system_accounts_ensure(unit=unit)
    if not ParameterSet.objects.exists():
        ParameterSet.objects.create(
            version=1,
            effective_from=date(2020, 1, 1),
            published=True,
            document=default_document(),
            note="SPEC section 3 defaults",
        )


def system_accounts_ensure(*, unit: Unit) -> None:
    for kind in Account.Kind.values:
        if kind != Account.Kind.PERSON:
            Account.objects.get_or_create(kind=kind, unit=unit, owner=None)


def unit_for(*, domain: Domain | None) -> Unit:
    if domain is None:
        if "unit" not in _global_cache:
            unit = Unit.objects.filter(code=Unit.GLOBAL).first()
            if unit is None:
                ledger_bootstrap()
                unit = Unit.objects.get(code=Unit.GLOBAL)
            _global_cache["unit"] = unit
        return _global_cache["unit"]
    try:
        return domain.unit
    except Unit.DoesNotExist as exc:
        raise ValidationError(_("This domain has no CV unit.")) from exc


def system_account(*, kind: str, unit: Unit) -> Account:
    cached = unit.code == Unit.GLOBAL
    if cached and (kind, unit.pk) in _global_cache:
        return _global_cache[(kind, unit.pk)]
    account = Account.objects.filter(kind=kind, unit=unit).first()
    if account is None:
        system_accounts_ensure(unit=unit)
        account = Account.objects.get(kind=kind, unit=unit)
    if cached:
        _global_cache[(kind, unit.pk)] = account
    return account


def person_accounts_lock(*, pairs: Iterable[tuple]) -> list[Account]:
    """Lock the person accounts of (user, unit) pairs, creating missing ones first, in
    ascending id order so that two writers can never wait on each other in a cycle.
    Returns them in the order of ``pairs``."""
    pairs = list(pairs)
    if not pairs:
        return []
    wanted = Q()
    for user, unit in pairs:
        wanted |= Q(owner=user, unit=unit)
    persons = Account.objects.select_for_update().filter(wanted, kind=Account.Kind.PERSON)
    locked = list(persons.order_by("pk"))  # one query when every account exists
    if len(locked) < len(pairs):
        for user, unit in pairs:
            Account.objects.get_or_create(
                kind=Account.Kind.PERSON,
                owner=user,
                unit=unit,
                defaults={"decayed_through": timezone.localdate()},
            )
        locked = list(persons.order_by("pk"))
    by_pair = {(a.owner_id, a.unit_id): a for a in locked}
    return [by_pair[(user.pk, unit.pk)] for user, unit in pairs]


def amount_check(amount) -> int:
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise ValidationError(_("The amount must be a whole number of CV greater than zero."))
    return amount


def transaction_post(
    *,
    kind: str,
    legs: list[tuple[Account, int]],
    idempotency_key: str,
    request_hash: str,
    cause: str = "",
    memo: str = "",
    actor=None,
    activity: bool = True,
) -> Transaction:
    """Write one balanced transaction. Person accounts in ``legs`` must be locked by the
    caller (``person_accounts_lock``); a leg that would take one below zero is refused
    with a ValidationError. Must run inside ``ledger_atomic()``."""
    totals: dict[int, int] = defaultdict(int)
    for account, amount in legs:
        totals[account.unit_id] += amount
        if account.kind == Account.Kind.PERSON and account.balance + amount < 0:
            raise ValidationError(
                _("Not enough CV available: %(available)s available, %(needed)s needed.")
                % {"available": account.balance, "needed": -amount}
            )
    if any(totals.values()):
        raise ValueError(f"unbalanced transaction {idempotency_key}: {dict(totals)}")
    created_at = timezone.now()
    memo = memo[:300]
    rows = [(a.pk, a.unit_id, amount) for a, amount in legs if amount]
    digest = hashing.content_hash(
        kind=kind,
        memo=memo,
        cause=cause,
        idempotency_key=idempotency_key,
        created_at=hashing.normalise_stamp(created_at),
        postings=rows,
    )
    ops = connection.ops
    # Plain SQL on this path: it runs for every posting, and the ORM's per-statement
    # overhead was most of its cost (bench/bench_ledger_posting.py). The balance update
    # is still relative (balance = balance + x, what F() compiles to) under the row lock.
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO ledger_transaction (kind, memo, cause, idempotency_key, request_hash, "
            "created_at, content_hash, prev_hash, chain_hash) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, '', '') RETURNING id",
            [
                kind,
                memo,
                cause,
                idempotency_key,
                request_hash,
                ops.adapt_datetimefield_value(created_at),
                digest,
            ],
        )
        tx_id = cursor.fetchone()[0]
        if rows:
            cursor.execute(
                "INSERT INTO ledger_posting (transaction_id, account_id, unit_id, amount) VALUES "  # noqa: S608 (only constant fragments and placeholders)
                + ", ".join(["(%s, %s, %s, %s)"] * len(rows)),
                [value for row in rows for value in (tx_id, *row)],
            )
        today = ops.adapt_datefield_value(timezone.localdate())
        for account, amount in legs:
            if account.kind != Account.Kind.PERSON or not amount:
                continue  # system accounts are never updated: see Account's docstring
            if activity:
                cursor.execute(
                    "UPDATE ledger_account SET balance = balance + %s, last_activity_on = %s "
                    "WHERE id = %s",
                    [amount, today, account.pk],
                )
            else:
                cursor.execute(
                    "UPDATE ledger_account SET balance = balance + %s WHERE id = %s",
                    [amount, account.pk],
                )
            account.balance += amount
    tx = Transaction(
        pk=tx_id,
        kind=kind,
        memo=memo,
        cause=cause,
        idempotency_key=idempotency_key,
        request_hash=request_hash,
        created_at=created_at,
        content_hash=digest,
    )
    tx._state.adding = False
    audit_log(
        actor=actor,
        action="ledger.transaction.posted",
        subject=f"ledger.transaction:{tx.pk}",
        data={"kind": kind, "cause": cause, "postings": rows},
    )
    return tx


def idempotent(
    *, model: type[models.Model], key: str, payload: dict, body: Callable[[str], models.Model]
):
    """Run ``body(request_hash)`` once per key: a retry with the same payload returns the
    first result; the same key with another payload raises IdempotencyConflict."""
    if not key or len(key) > 200:
        raise ValidationError(_("An idempotency key of at most 200 characters is required."))
    fingerprint = hashing.request_hash(payload)
    try:
        # No look-up first: the unique key refuses a second insert, which is cheaper on
        # the common path and also covers a concurrent call with the same key.
        with ledger_atomic():
            return body(fingerprint)
    except (IntegrityError, ValidationError):
        # A retry may also fail a check the first call passed (the CV it moved is gone
        # now): the recorded first result wins over the refusal.
        existing = model.objects.filter(idempotency_key=key).first()
        if existing is None:
            raise
    if existing.request_hash != fingerprint:
        raise IdempotencyConflict(
            _("This idempotency key was already used for a different request.")
        )
    return existing
