"""The one place that writes transactions and postings, plus locking and idempotency.

Locking order (docs/LEDGER.md): the ledger comes last in the global order (user → resource
→ unit → booking → ledger, ``core.transactions``); inside it Domain row → ConversionBudget
row → Hold row → person accounts in ascending id (``FOR NO KEY UPDATE``) → ChainHead.
System accounts are never locked (they hold no stored balance). Statements of the posting
path go through ``driver`` (the driver's own cursor, the one module below Django's API).
"""

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any, TypeVar

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.transaction import Atomic
from django.utils import timezone
from django.utils.translation import gettext as _

from meaningflow.accounts.selectors import identity_verified
from meaningflow.core import transactions
from meaningflow.ledger import hashing
from meaningflow.ledger.models import Account, Domain, ParameterSet, Transaction, Unit
from meaningflow.ledger.parameters import default_document
from meaningflow.ledger.services import driver
from meaningflow.ledger.services.driver import Cursor

M = TypeVar("M", bound=models.Model)

# The Global unit and its system accounts are reference rows created by ``migrate``
# (post_migrate → ledger_bootstrap) and never deleted; caching them saves two queries on
# every posting. ``caches_clear`` runs after every migrate and flush. Domain units are
# not cached: they can be created inside a transaction that later rolls back.
_global_unit: dict[str, Unit] = {}
_global_accounts: dict[tuple[str, int], Account] = {}


def caches_clear() -> None:
    _global_unit.clear()
    _global_accounts.clear()
    _account_ids.clear()


class IdempotencyConflict(ValidationError):
    """The idempotency key was used before for a call with a different payload."""


def ledger_atomic() -> Atomic:
    """``core.transactions.atomic()``: durable at a service entry point; a savepoint when
    another app's service calls us inside its own transaction (a booking that places a hold
    commits with the booking). Kept as a name for the ledger's modules."""
    block: Atomic = transactions.atomic()
    return block


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
        if "unit" not in _global_unit:
            unit = Unit.objects.filter(code=Unit.GLOBAL).first()
            if unit is None:
                ledger_bootstrap()
                unit = Unit.objects.get(code=Unit.GLOBAL)
            _global_unit["unit"] = unit
        return _global_unit["unit"]
    try:
        return domain.unit
    except Unit.DoesNotExist as exc:
        raise ValidationError(_("This domain has no CV unit."), code="ledger.domain_without_unit") from exc


def system_account(*, kind: str, unit: Unit) -> Account:
    cached = unit.code == Unit.GLOBAL
    if cached and (kind, unit.pk) in _global_accounts:
        return _global_accounts[(kind, unit.pk)]
    account = Account.objects.filter(kind=kind, unit=unit).first()
    if account is None:
        system_accounts_ensure(unit=unit)
        account = Account.objects.get(kind=kind, unit=unit)
    if cached:
        _global_accounts[(kind, unit.pk)] = account
    return account


_LOCK_FIELDS = ("id", "kind", "unit_id", "owner_id", "balance")
_OWNER_FIELD = Account._meta.get_field("owner")
_UNIT_FIELD = Account._meta.get_field("unit")


_db = driver.connection


def _placeholders(sql: str, qmark: bool) -> str:
    return sql.replace("%s", "?") if qmark else sql


@lru_cache(maxsize=32)
def _lock_sql(pairs: int, for_update: bool, qmark: bool) -> str:
    wanted = " OR ".join(["(owner_id = %s AND unit_id = %s)"] * pairs)
    # NO KEY UPDATE: postings and holds of other transactions check their foreign key to
    # the account with FOR KEY SHARE, which this lock does not block (core.transactions).
    sql = (
        "SELECT id, kind, unit_id, owner_id, balance FROM ledger_account "  # noqa: S608 (only constant fragments and placeholders)
        f"WHERE kind = 'person' AND ({wanted}) ORDER BY id" + (" FOR NO KEY UPDATE" if for_update else "")
    )
    return _placeholders(sql, qmark)


def _person_rows(db: BaseDatabaseWrapper, keys: list[tuple[int, int]]) -> list[tuple[Any, ...]]:
    with driver.cursor(db) as (cursor, qmark):
        cursor.execute(
            _lock_sql(len(keys), db.features.has_select_for_update, qmark),
            [value for key in keys for value in key],
        )
        rows: list[tuple[Any, ...]] = cursor.fetchall()
        return rows


def person_accounts_lock(*, pairs: Iterable[tuple[AbstractBaseUser, Unit]]) -> list[Account]:
    """Lock the person accounts of (user, unit) pairs, creating missing ones first, in
    ascending id order so that two writers can never wait on each other in a cycle.
    Returns them in the order of ``pairs``: accounts with the lock's ``balance`` (the only
    balance a check may use) and only the columns a posting needs (the others load on
    access)."""
    pairs = list(pairs)
    if not pairs:
        return []
    transactions.require_transaction()
    db = _db()
    keys = list(dict.fromkeys((user.pk, unit.pk) for user, unit in pairs))
    # One statement when every account exists (SELECT … ORDER BY id FOR UPDATE; on
    # SQLite the IMMEDIATE transaction already holds the database's write lock).
    rows = _person_rows(db, keys)
    if len(rows) < len(keys):
        for user, unit in pairs:
            Account.objects.get_or_create(
                kind=Account.Kind.PERSON,
                owner=user,
                unit=unit,
                defaults={"decayed_through": timezone.localdate()},
            )
        rows = _person_rows(db, keys)
    _account_ids_remember(rows)
    alias = db.alias
    by_key = {(row[3], row[2]): Account.from_db(alias, _LOCK_FIELDS, row) for row in rows}
    locked = []
    for user, unit in pairs:
        account = by_key[(user.pk, unit.pk)]
        _OWNER_FIELD.set_cached_value(account, user)
        _UNIT_FIELD.set_cached_value(account, unit)
        locked.append(account)
    return locked


def amount_check(amount: object) -> int:
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise ValidationError(
            _("The amount must be a whole number of CV greater than zero."), code="ledger.amount_invalid"
        )
    return amount


_INSERT_TX = (
    "INSERT INTO ledger_transaction (kind, memo, cause, idempotency_key, request_hash, "
    "created_at, content_hash, prev_hash, chain_hash) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, '', '') RETURNING id"
)


# With activity, a posting also records the day; and an account credited from a zero
# balance starts its decay clock that day (nothing was there to decay before), with no
# carry: otherwise the next decay run would decay the new CV from the day the account
# was last emptied (docs/LEDGER.md "Decay").
_TOUCH = (
    ", last_activity_on = %s, decayed_through = CASE WHEN balance = 0 THEN %s ELSE decayed_through END"
    ", decay_remainder = CASE WHEN balance = 0 THEN 0 ELSE decay_remainder END"
)


@lru_cache(maxsize=64)
def _post_sql(vendor: str, postings: int, updates: int, activity: bool, qmark: bool) -> tuple[str, ...]:
    """The statements that write a transaction with ``postings`` postings and update
    ``updates`` person balances. PostgreSQL: one statement (writable CTEs, one round
    trip); elsewhere the transaction, its postings, then the balance update (executemany
    when there are several). Parameters in this order: the transaction's, the postings'
    (account, unit, amount), then per update (amount, [activity date twice,] account)."""
    touch = _TOUCH if activity else ""
    update = f"UPDATE ledger_account SET balance = balance + %s{touch} WHERE id = %s"  # noqa: S608 (only constant fragments and placeholders)
    if vendor == "postgresql":
        ctes = [f"tx AS ({_INSERT_TX})"]
        if postings:
            values = ", ".join(["((SELECT id FROM tx), %s, %s, %s)"] * postings)
            ctes.append(
                "p AS (INSERT INTO ledger_posting (transaction_id, account_id, unit_id, amount) "  # noqa: S608 (only constant fragments and placeholders)
                f"VALUES {values})"
            )
        ctes += [f"b{i} AS ({update})" for i in range(updates)]
        return ("WITH " + ", ".join(ctes) + " SELECT id FROM tx",)  # noqa: S608 (only constant fragments and placeholders)
    statements = [_INSERT_TX]
    if postings:
        statements.append(
            "INSERT INTO ledger_posting (transaction_id, account_id, unit_id, amount) VALUES "  # noqa: S608 (only constant fragments and placeholders)
            + ", ".join(["(%s, %s, %s, %s)"] * postings)
        )
    if updates:
        statements.append(update)
    return tuple(_placeholders(sql, qmark) for sql in statements)


class TransactionDraft:
    """A transaction computed in full before the person rows are locked: content hash,
    statements and parameters (``transaction_post``, ``person_post_draft``). Under the row
    locks only the balance check and the writes remain."""

    __slots__ = ("tx", "statements", "tx_params", "rows", "updates", "person", "qmark", "vendor")

    def __init__(
        self,
        *,
        kind: str,
        rows: list[tuple[int, int, int]],
        deltas: dict[int, int],
        idempotency_key: str,
        request_hash: str,
        cause: str,
        memo: str,
        activity: bool,
        person: tuple[int, int, int, int] | None = None,
    ) -> None:
        created_at = datetime.now(UTC)  # what timezone.now() returns with USE_TZ
        memo = memo[:300]
        digest = hashing.content_hash(
            kind=kind,
            memo=memo,
            cause=cause,
            idempotency_key=idempotency_key,
            created_at=created_at.isoformat(timespec="microseconds"),  # normalise_stamp: UTC
            postings=rows,
        )
        db = _db()
        ops = db.ops
        self.vendor = db.vendor
        self.qmark = driver.uses_qmark(db)
        self.tx = Transaction(None, kind, memo, cause, idempotency_key, request_hash, created_at, digest, None, "", "")
        self.tx._state.db = db.alias
        self.tx_params: list[Any] = [
            kind,
            memo,
            cause,
            idempotency_key,
            request_hash,
            # SQLite stores the naive UTC text (what ops.adapt_datetimefield_value makes of
            # an aware UTC value, at a tenth of its cost).
            str(created_at.replace(tzinfo=None))
            if self.vendor == "sqlite"
            else ops.adapt_datetimefield_value(created_at),
            digest,
        ]
        # The activity date is the site's calendar day (decay's inactivity rule counts
        # days in TIME_ZONE), whatever time zone the request activated.
        today = (
            [ops.adapt_datefield_value(created_at.astimezone(timezone.get_default_timezone()).date())] * 2
            if activity
            else []
        )
        self.rows = rows
        self.updates: list[list[Any]] = [[amount, *today, pk] for pk, amount in deltas.items()]
        # person: (account id, owner id, unit id, amount) of a person_post_draft
        self.person = person
        if person is None:
            self.statements = _post_sql(self.vendor, len(rows), len(self.updates), activity, self.qmark)
        else:
            self.statements = _person_sql(self.vendor, activity, self.qmark)

    def write(self, cursor: Cursor) -> Transaction:
        """Insert the transaction and its postings and update the balances; the caller
        holds the person rows' locks and has checked their balances."""
        statements = self.statements
        if self.vendor == "postgresql":
            params = self.tx_params + [value for row in self.rows for value in row]
            cursor.execute(statements[-1], params + [value for row in self.updates for value in row])
            tx_id = cursor.fetchone()[0]
        else:
            cursor.execute(statements[0], self.tx_params)
            tx_id = cursor.fetchone()[0]
            if self.rows:
                cursor.execute(statements[1], [v for row in self.rows for v in (tx_id, *row)])
            if len(self.updates) == 1:
                cursor.execute(statements[-1], self.updates[0])
            elif self.updates:
                cursor.executemany(statements[-1], self.updates)
        tx = self.tx
        tx.pk = tx_id
        tx._state.adding = False
        return tx


def _not_enough(available: int, needed: int) -> ValidationError:
    return ValidationError(
        _("Not enough CV available: %(available)s available, %(needed)s needed.")
        % {"available": available, "needed": needed},
        code="ledger.insufficient",
    )


@contextmanager
def identity_required_for_use(user: AbstractBaseUser) -> Iterator[None]:
    """Uses need a verified identity (ID-2). Only verified persons are ever credited, so an
    unverified person's use always fails the balance check; this turns that refusal into
    the one that tells them what to do. Costs nothing on the successful path."""
    try:
        yield
    except ValidationError as exc:
        # The user model is settings.AUTH_USER_MODEL, another app's class that cannot be named
        # here (import-linter), so mypy knows ``user`` only as AbstractBaseUser.
        if getattr(exc, "code", None) == "ledger.insufficient" and not identity_verified(user=user):  # type: ignore[arg-type]
            raise ValidationError(
                _(
                    "Verify your identity first: contribution value is bound to a verified person and can only "
                    "be used by them."
                ),
                code="ledger.identity_required",
            ) from exc
        raise


def transaction_post(
    *,
    kind: str,
    legs: list[tuple[Account, int]],
    idempotency_key: str,
    request_hash: str,
    cause: str = "",
    memo: str = "",
    actor: AbstractBaseUser | None = None,
    activity: bool = True,
) -> Transaction:
    """Write one balanced transaction. Person accounts in ``legs`` must be locked by the
    caller (``person_accounts_lock``); a leg that would take one below zero is refused
    with a ValidationError. Must run inside ``ledger_atomic()``.

    Writes no audit event: the transaction itself (kind, cause, memo, idempotency key,
    content hash, later the hash chain) is the append-only, tamper-evident record of the
    movement. ``actor`` is accepted for the callers' symmetry and not stored; services
    that need an audit trail (penalty, conversion, hold settlement, contribution) write
    their own event (docs/LEDGER.md)."""
    totals: dict[int, int] = defaultdict(int)
    deltas: dict[int, int] = {}
    for account, amount in legs:
        totals[account.unit_id] += amount
        if account.kind == Account.Kind.PERSON and amount:
            deltas[account.pk] = deltas.get(account.pk, 0) + amount
            if account.balance + deltas[account.pk] < 0:
                raise _not_enough(account.balance, -amount)
    if any(totals.values()):
        raise ValueError(f"unbalanced transaction {idempotency_key}: {dict(totals)}")
    draft = TransactionDraft(
        kind=kind,
        rows=[(a.pk, a.unit_id, amount) for a, amount in legs if amount],
        deltas=deltas,
        idempotency_key=idempotency_key,
        request_hash=request_hash,
        cause=cause,
        memo=memo,
        activity=activity,
    )
    # Plain SQL on this path: it runs for every posting, and the ORM's per-statement
    # overhead was most of its cost (bench/bench_ledger_posting.py). The balance update
    # is relative (balance = balance + x, what F() compiles to) under the row lock, and
    # the CheckConstraint refuses a negative balance should a caller skip the lock.
    transactions.require_transaction()
    with driver.cursor(_db()) as (cursor, _qmark):
        tx = draft.write(cursor)
    for account, amount in legs:
        if account.pk in deltas:
            account.balance += amount  # system accounts are never updated: see Account
    return tx


# (owner id, unit id) → person account id, filled whenever a lock returns the row. Only
# a hint: ``person_post`` locks the row by id *and* owner, unit and kind, so a stale or
# wrong entry (a rolled-back account) matches no row and the caller takes the ordinary
# path. Ids cannot change: accounts are never deleted (postings protect them).
_account_ids: dict[tuple[int, int], int] = {}
_ACCOUNT_IDS_MAX = 100_000


def _account_ids_remember(rows: list[tuple[Any, ...]]) -> None:
    if len(_account_ids) > _ACCOUNT_IDS_MAX:
        _account_ids.clear()
    for row in rows:
        _account_ids[(row[3], row[2])] = row[0]


def person_post_draft(
    *,
    user: AbstractBaseUser,
    unit: Unit,
    amount: int,
    counter: Account,
    kind: str,
    idempotency_key: str,
    request_hash: str,
    cause: str = "",
    memo: str = "",
    activity: bool = True,
) -> TransactionDraft | None:
    """Prepare, before any transaction opens, a two-leg transaction moving ``amount`` (signed,
    for the person) between a person's account and the system account ``counter``. None
    when the person's account id is not known yet in this process (then use
    ``person_accounts_lock`` and ``transaction_post``)."""
    account_id = _account_ids.get((user.pk, unit.pk))
    if account_id is None or counter.unit_id != unit.pk or not amount:
        return None
    return TransactionDraft(
        kind=kind,
        rows=[(account_id, unit.pk, amount), (counter.pk, unit.pk, -amount)],
        deltas={account_id: amount},
        idempotency_key=idempotency_key,
        request_hash=request_hash,
        cause=cause,
        memo=memo,
        activity=activity,
        person=(account_id, user.pk, unit.pk, amount),
    )


_PERSON_ROW = "id = %s AND owner_id = %s AND unit_id = %s AND kind = 'person'"
_PERSON_BALANCE = f"SELECT balance FROM ledger_account WHERE {_PERSON_ROW}"  # noqa: S608 (only constant fragments and placeholders)


@lru_cache(maxsize=16)
def _person_sql(vendor: str, activity: bool, qmark: bool) -> tuple[str, ...]:
    """Statements of ``person_post``. The person's row is found by id *and* owner, unit and
    kind, so a stale id matches nothing.

    PostgreSQL: lock the row and read its balance (SELECT … FOR NO KEY UPDATE), then one
    statement writes the transaction, its postings and the balance (``_post_sql``; a
    single statement doing the lock too measured slower: the server plans it each time).
    SQLite, whose IMMEDIATE transaction already holds the write lock: update the balance
    only if it covers the amount (the row count tells), then insert the transaction (its
    id from the driver's ``lastrowid``: no RETURNING row to step and fetch) and its
    postings."""
    if vendor == "postgresql":
        return (_PERSON_BALANCE + " FOR NO KEY UPDATE", _post_sql(vendor, 2, 1, activity, False)[0])
    touch = _TOUCH if activity else ""
    statements = (
        f"UPDATE ledger_account SET balance = balance + %s{touch} WHERE {_PERSON_ROW} "  # noqa: S608 (only constant fragments and placeholders)
        "AND balance + %s >= 0",
        _INSERT_TX.removesuffix(" RETURNING id"),
        "INSERT INTO ledger_posting (transaction_id, account_id, unit_id, amount) "
        "VALUES (%s, %s, %s, %s), (%s, %s, %s, %s)",
        _PERSON_BALANCE,
    )
    return tuple(_placeholders(sql, qmark) for sql in statements)


def person_post(draft: TransactionDraft) -> Transaction | None:
    """Write a ``person_post_draft`` inside ``ledger_atomic()``: lock the person's row,
    check the balance under the lock, write. Returns None, having written nothing, when
    the account id was stale; refuses an overdraft with a ValidationError."""
    transactions.require_transaction()
    with driver.cursor(_db()) as (cursor, qmark):
        if qmark != draft.qmark:
            return None  # query logging was switched on since: take the ordinary path
        return _person_write(draft, cursor)


def person_post_standalone(prepare: Callable[[], TransactionDraft | None]) -> Transaction | None:
    """``person_post`` in a database transaction of its own, for a service called outside
    any atomic block (the common case: a use from a request or a job). ``prepare`` builds
    the draft (None: this path does not apply).

    Django's ``atomic()`` costs about as much Python per posting as the statements
    themselves; here BEGIN and COMMIT go straight to the driver. The draft is prepared
    after BEGIN: on SQLite a writer that goes from COMMIT to its next BEGIN with little in
    between keeps the write lock busy, while a gap lets the sleeping writers contend for
    it (bench/bench_ledger_posting.py measured 39 % of the floor with the draft prepared
    before BEGIN, 47 % after). The database keeps the invariants as on every path: the
    balance check in the locked statement, the check constraint on the balance, the
    unique idempotency key. Returns None, having written nothing, when this path does not
    apply (inside an atomic block, queries observed, account id unknown or stale)."""

    def body(cursor: Cursor) -> Transaction | None:
        draft = prepare()
        return None if draft is None else _person_write(draft, cursor)

    return driver.own_transaction(_db(), body)


def _person_write(draft: TransactionDraft, cursor: Cursor) -> Transaction | None:
    assert draft.person is not None  # a person_post_draft
    account_id, owner_id, unit_id, amount = draft.person
    row_params = [account_id, owner_id, unit_id]
    statements = draft.statements
    if draft.vendor == "postgresql":
        cursor.execute(statements[0], row_params)
        found = cursor.fetchone()
        if found is None:
            _person_stale(owner_id, unit_id)
            return None
        if found[0] + amount < 0:
            raise _not_enough(found[0], -amount)
        return draft.write(cursor)
    update = [amount, *draft.updates[0][1:-1]]  # amount [, activity date twice]
    cursor.execute(statements[0], update + row_params + [amount])
    if cursor.rowcount != 1:
        cursor.execute(statements[3], row_params)
        found = cursor.fetchone()
        if found is None:
            _person_stale(owner_id, unit_id)
            return None
        raise _not_enough(found[0], -amount)
    cursor.execute(statements[1], draft.tx_params)
    tx_id = cursor.lastrowid
    cursor.execute(statements[2], [v for row in draft.rows for v in (tx_id, *row)])
    tx = draft.tx
    tx.pk = tx_id
    tx._state.adding = False
    return tx


def _person_stale(owner_id: int, unit_id: int) -> None:
    _account_ids.pop((owner_id, unit_id), None)


def idempotent(
    *,
    model: type[M],
    key: str,
    payload: dict[str, Any],
    body: Callable[[str], M],
    standalone: Callable[[str], M | None] | None = None,
) -> M:
    """Run ``body(request_hash)`` once per key: a retry with the same payload returns the
    first result; the same key with another payload raises IdempotencyConflict.

    ``standalone(request_hash)``, when given, is tried first: a lean path that manages
    its own database transaction and returns None, having written nothing, where it does
    not apply; ``body`` then runs inside ``transactions.atomic()``. Called outside any
    transaction, a deadlock or serialisation failure runs both again
    (``transactions.retrying``: the ledger's entry points retry here)."""
    if not key or len(key) > 200:
        raise ValidationError(
            _("An idempotency key of at most 200 characters is required."), code="ledger.idempotency_key_invalid"
        )
    fingerprint = hashing.request_hash(payload)

    def attempt() -> M:
        if standalone is not None and (result := standalone(fingerprint)) is not None:
            return result
        with transactions.atomic():
            return body(fingerprint)

    try:
        # No look-up first: the unique key refuses a second insert, which is cheaper on
        # the common path and also covers a concurrent call with the same key.
        return transactions.retrying(attempt)
    except (IntegrityError, ValidationError):
        # A retry may also fail a check the first call passed (the CV it moved is gone
        # now): the recorded first result wins over the refusal.
        existing = model._default_manager.filter(idempotency_key=key).first()
        if existing is None:
            raise
    # Every model given here has ``idempotency_key`` and ``request_hash`` fields; they share
    # no base class that could say so.
    if existing.request_hash != fingerprint:  # type: ignore[attr-defined]
        raise IdempotencyConflict(
            _("This idempotency key was already used for a different request."),
            code="ledger.idempotency_conflict",
        )
    return existing
