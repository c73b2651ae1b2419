"""Decay (CV-5): explicit, set-based decay transactions, exact over any schedule of runs.

The arithmetic (``decay_step``, docs/LEDGER.md "Decay"):

* A balance keeps ``(1 − rate) ** (days / 365)`` of itself over ``days`` days. Factors
  multiply, so a year costs exactly the yearly rate whether the job runs daily, weekly,
  with missed days or once a year (5 % of Global CV, 10 % of Domain CV).
* Postings are whole CV. Each run computes the exact decayed balance in millionths of a
  CV, posts the whole CV nearest to it (half up) and carries the difference on the
  account (``decay_remainder``, between −0.5 and +0.5 CV) into the next run: nothing is
  lost or added by rounding, and the posted balance never differs from the exact one by
  more than half a CV.
* An account without ledger activity for ``decay.inactivity_days`` goes to zero gradually
  (seed 001 §6.4, 逐步归零): over the next ``decay.inactivity_ramp_days`` days its balance
  falls linearly, on top of the yearly rate, and is zero at the end. Between two runs the
  ramp multiplies the balance by ``(R − k₂) / (R − k₁)`` (k: days into the ramp), which
  also composes exactly.

For each unit and chunk of due person accounts (balance > 0, not yet decayed to the run's
date), one database transaction: lock the chunk's accounts in id order and read their
balance, carry and dates; compute the amounts in numpy; write one transaction with a
posting per account that loses at least a whole CV plus the decay account's, and update
every locked account (balance, carry, ``decayed_through``). A million accounts cost a few
dozen statements and commits, not a million round trips.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, TextIO

import numpy
import psycopg
from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from meaningflow.core import transactions
from meaningflow.core.services import JobProgress, audit_log
from meaningflow.ledger import hashing
from meaningflow.ledger.models import Account, Transaction, Unit
from meaningflow.ledger.parameters import parameters_in_force
from meaningflow.ledger.services.core import system_account

MICRO = 1_000_000  # the carry is kept in millionths of a CV
YEAR_DAYS = 365  # a rate is per 365 days (a leap year's 366th day decays one more day)
MAX_DAYS = 36_500
EPOCH = date(1970, 1, 1)
NO_ACTIVITY = -(10**9)  # day number standing for "never active" (no ramp)
# Accounts per decay transaction. Each chunk holds its people's rows locked for about a
# second (posting writers for them wait that long); larger chunks gained little more.
CHUNK_SIZE = 50_000


@dataclass(frozen=True)
class DecayTerms:
    """The decay parameters of one unit on one run date."""

    rate: float
    inactivity_days: int
    ramp_days: int

    @classmethod
    def of(cls, document: dict[str, Any], *, is_global: bool) -> "DecayTerms":
        decay = document["decay"]
        return cls(
            rate=float(decay["global_rate"] if is_global else decay["domain_rate"]),
            inactivity_days=int(decay["inactivity_days"]),
            ramp_days=int(decay["inactivity_ramp_days"]),
        )


def decay_step(
    *,
    balance: numpy.ndarray,
    remainder: numpy.ndarray,
    decayed_through: numpy.ndarray,
    last_activity: numpy.ndarray,
    as_of: int,
    terms: DecayTerms,
) -> tuple[numpy.ndarray, numpy.ndarray]:
    """Whole CV each account loses from ``decayed_through`` to ``as_of``, and its new carry.

    Arrays of int64, one element per account; dates as day numbers since 1970-01-01
    (``last_activity`` = ``NO_ACTIVITY`` when the account was never active). Pure: the
    property tests drive it directly and through the job."""
    balance = numpy.asarray(balance, dtype=numpy.int64)
    remainder = numpy.asarray(remainder, dtype=numpy.int64)
    through = numpy.asarray(decayed_through, dtype=numpy.int64)
    activity = numpy.asarray(last_activity, dtype=numpy.int64)
    days = numpy.clip(as_of - through, 0, MAX_DAYS)
    factor = numpy.power(1.0 - terms.rate, days / YEAR_DAYS)
    factor = factor * _ramp_factor(through, activity, as_of, terms)
    exact = numpy.maximum(balance * MICRO - remainder, 0)  # millionths of a CV
    decayed = numpy.floor(exact * factor + 0.5).astype(numpy.int64)
    kept = (decayed + MICRO // 2) // MICRO  # the whole CV nearest to the exact balance
    amount = numpy.clip(balance - kept, 0, balance)
    return amount, (balance - amount) * MICRO - decayed


def _ramp_factor(through: numpy.ndarray, activity: numpy.ndarray, as_of: int, terms: DecayTerms) -> numpy.ndarray:
    """What the inactivity ramp keeps between ``through`` and ``as_of``: 1 before the ramp,
    ``(R − k₂) / (R − k₁)`` inside it, 0 at or after its end."""
    never = activity == NO_ACTIVITY
    start = numpy.where(never, as_of + 1, activity + terms.inactivity_days)
    ramp = terms.ramp_days
    before = numpy.clip(through - start, 0, ramp)
    after = numpy.clip(as_of - start, 0, ramp)
    left = ramp - before
    with numpy.errstate(divide="ignore", invalid="ignore"):
        inside = numpy.where(left > 0, (ramp - after) / numpy.where(left > 0, left, 1), 0.0)
    return numpy.where(as_of < start, 1.0, inside)


def day_number(day: date) -> int:
    return (day - EPOCH).days


def _day_sql(column: str) -> str:
    """SQL for a date column as days since 1970-01-01 (``NO_ACTIVITY`` for NULL)."""
    if connection.vendor == "postgresql":
        return f"COALESCE({column} - DATE '1970-01-01', {NO_ACTIVITY})"
    return f"COALESCE(CAST(julianday({column}) - 2440587.5 AS INTEGER), {NO_ACTIVITY})"


_DUE = "a.unit_id = %(unit)s AND a.kind = 'person' AND a.balance > 0 AND a.decayed_through < %(as_of)s"


def _due_sql(for_update: bool) -> str:
    """The next chunk of due accounts after ``after`` in id order, locked in that order on
    PostgreSQL (SQLite's IMMEDIATE transaction holds the database's write lock)."""
    return (
        f"SELECT a.id, a.balance, a.decay_remainder, {_day_sql('a.decayed_through')}, "  # noqa: S608 (only constant fragments and placeholders)
        f"{_day_sql('a.last_activity_on')} FROM ledger_account a WHERE {_DUE} AND a.id > %(after)s "
        "ORDER BY a.id LIMIT %(limit)s" + (" FOR NO KEY UPDATE" if for_update else "")
    )


_INSERT_TX = (
    "INSERT INTO ledger_transaction (kind, memo, cause, idempotency_key, request_hash, "
    "created_at, content_hash, prev_hash, chain_hash) "
    "VALUES (%(kind)s, %(memo)s, %(cause)s, %(key)s, '', %(now)s, %(hash)s, '', '')"
)
_SET_HASH = "UPDATE ledger_transaction SET content_hash = %(hash)s WHERE idempotency_key = %(key)s"
# PostgreSQL: the amounts travel as arrays and are joined with unnest, set-based.
_PG_POSTINGS = (
    f"WITH tx AS ({_INSERT_TX} RETURNING id) "  # noqa: S608 (only constant fragments and placeholders)
    "INSERT INTO ledger_posting (transaction_id, account_id, unit_id, amount) "
    "SELECT tx.id, p.account, %(unit)s, -p.amount FROM tx, "
    "unnest(%(posted_ids)s::bigint[], %(posted_amounts)s::bigint[]) AS p(account, amount) "
    "UNION ALL SELECT tx.id, %(decay)s, %(unit)s, %(total)s FROM tx"
)
_PG_BALANCES = (
    "UPDATE ledger_account a SET balance = a.balance - d.amount, decay_remainder = d.carry, "
    "decayed_through = %(as_of)s FROM unnest(%(ids)s::bigint[], %(amounts)s::bigint[], "
    "%(carries)s::bigint[]) AS d(id, amount, carry) WHERE a.id = d.id"
)
_BALANCE = "UPDATE ledger_account SET balance = balance - %s, decay_remainder = %s, decayed_through = %s WHERE id = %s"


def _write_pg(db: BaseDatabaseWrapper, params: dict[str, Any], digest: Callable[[], str]) -> tuple[int, int]:
    """PostgreSQL; returns (balances updated, postings written). ``digest()`` computes the
    content hash; in pipeline mode it runs while the server runs the statements (the
    transaction row is written with an empty hash and gets its hash before the commit).
    Plain execution when queries are observed."""
    if db.queries_logged or db.execute_wrappers:
        with db.cursor() as cursor:
            postings = 0
            if params["total"]:
                cursor.execute(_PG_POSTINGS, {**params, "hash": digest()})
                postings = cursor.rowcount
            cursor.execute(_PG_BALANCES, params)
            return cursor.rowcount, postings
    pg = db.connection
    with db.wrap_database_errors, pg.pipeline():
        inserted, updated, hashed = psycopg.Cursor(pg), psycopg.Cursor(pg), psycopg.Cursor(pg)
        if params["total"]:
            inserted.execute(_PG_POSTINGS, {**params, "hash": ""})
        updated.execute(_PG_BALANCES, params)
        if params["total"]:
            hashed.execute(_SET_HASH, {"hash": digest(), "key": params["key"]})
    return updated.rowcount, inserted.rowcount if params["total"] else 0


def _write_other(db: BaseDatabaseWrapper, params: dict[str, Any], digest: Callable[[], str]) -> tuple[int, int]:
    """SQLite, whose IMMEDIATE transaction locks the whole database: the same writes with
    ``executemany``."""
    with db.cursor() as cursor:
        postings = 0
        if params["total"]:
            cursor.execute(f"{_INSERT_TX} RETURNING id", {**params, "hash": digest()})
            tx = cursor.fetchone()[0]
            rows = [(tx, account, params["unit"], -amount) for account, amount in params["posted"]]
            rows.append((tx, params["decay"], params["unit"], params["total"]))
            cursor.executemany(
                "INSERT INTO ledger_posting (transaction_id, account_id, unit_id, amount) VALUES (%s, %s, %s, %s)",
                rows,
            )
            postings = len(rows)
        as_of = db.ops.adapt_datefield_value(params["as_of"])
        cursor.executemany(
            _BALANCE,
            [
                (amount, carry, as_of, account)
                for account, amount, carry in zip(params["ids"], params["amounts"], params["carries"], strict=True)
            ],
        )
        return len(params["ids"]), postings


@transactions.entry_point
def _chunk(*, sql_params: dict[str, Any], terms: DecayTerms, after: int, limit: int) -> tuple[int, int, int]:
    """Decay the next ``limit`` due accounts after id ``after`` in one transaction.
    Returns (accounts decayed, CV posted, last id); (0, 0, after) when none is due."""
    db = connection
    with transactions.atomic(), db.cursor() as cursor:
        cursor.execute(_due_sql(db.features.has_select_for_update), {**sql_params, "after": after, "limit": limit})
        rows = numpy.array(cursor.fetchall(), dtype=numpy.int64).reshape(-1, 5)
        if not len(rows):
            return 0, 0, after
        ids = rows[:, 0]
        amounts, carries = decay_step(
            balance=rows[:, 1],
            remainder=rows[:, 2],
            decayed_through=rows[:, 3],
            last_activity=rows[:, 4],
            as_of=day_number(sql_params["as_of"]),
            terms=terms,
        )
        posted = amounts > 0
        lo, hi, total = int(ids[0]), int(ids[-1]), int(amounts.sum())
        key = f"decay:{sql_params['as_of'].isoformat()}:{sql_params['unit_code']}:{lo}-{hi}"
        posted_ids, posted_amounts = ids[posted].tolist(), amounts[posted].tolist()
        pairs = list(zip(posted_ids, posted_amounts, strict=True))

        def digest() -> str:
            postings = [(account, sql_params["unit"], -amount) for account, amount in pairs]
            postings.append((sql_params["decay"], sql_params["unit"], total))
            return hashing.content_hash(
                kind=Transaction.Kind.DECAY,
                memo="decay",
                cause=sql_params["cause"],
                idempotency_key=key,
                created_at=hashing.normalise_stamp(sql_params["now"]),
                postings=postings,
            )

        params = {
            **sql_params,
            "kind": Transaction.Kind.DECAY,
            "memo": "decay",
            "key": key,
            "now": db.ops.adapt_datetimefield_value(sql_params["now"]),
            "total": total,
            "ids": ids.tolist(),
            "amounts": amounts.tolist(),
            "carries": carries.tolist(),
            "posted_ids": posted_ids,
            "posted_amounts": posted_amounts,
            "posted": pairs,
        }
        writer = _write_pg if db.vendor == "postgresql" else _write_other
        written = writer(db, params, digest)
        # The writes name the locked rows by id, so they can only match those rows.
        expected = (len(ids), len(posted_ids) + 1 if total else 0)
        if tuple(written) != expected:
            raise RuntimeError(f"decay chunk {key} wrote {written}, expected {expected}")
    return len(ids), total, hi


def decay_run(*, as_of: date, chunk_size: int = CHUNK_SIZE, stream: TextIO | None = None) -> dict[str, int]:
    """Post decay up to ``as_of`` for every unit with the parameters in force that day.
    Idempotent (an account decays at most once per day: ``decayed_through``) and resumable (a
    chunk commits as a whole; a rerun continues with the accounts still due); progress and a
    summary go to core.JobRun under job ``ledger.decay`` and key ``<date>:<unit>``, and one
    audit event per unit that decayed. Returns, per unit code, the accounts decayed."""
    document = parameters_in_force(on=as_of).document
    summary: dict[str, int] = {}
    for unit in Unit.objects.select_related("domain").order_by("pk"):
        terms = DecayTerms.of(document, is_global=unit.is_global)
        sql_params: dict[str, Any] = {
            "as_of": as_of,
            "now": timezone.now(),
            "unit": unit.pk,
            "unit_code": unit.code,
            "cause": f"ledger.decay:{as_of}",
            "decay": system_account(kind=Account.Kind.DECAY, unit=unit).pk,
        }
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM ledger_account a WHERE {_DUE}", sql_params)  # noqa: S608 (only constant fragments and placeholders)
            due = cursor.fetchone()[0]
        with JobProgress(
            job="ledger.decay", key=f"{as_of.isoformat()}:{unit.code}", total=due, stream=stream
        ) as progress:
            progress.run.done = 0  # a resumed run counts what is left
            last_id, decayed, posted, chunks = 0, 0, 0, 0
            while True:
                count, cv, last_id = _chunk(sql_params=sql_params, terms=terms, after=last_id, limit=chunk_size)
                if not count:
                    break
                decayed, posted, chunks = decayed + count, posted + cv, chunks + 1
                progress.advance(count)
            progress.summary.update(unit=unit.code, decayed_accounts=decayed, cv_decayed=posted)
        if chunks:
            audit_log(
                action="ledger.decay.posted",
                subject=f"ledger.unit:{unit.pk}",
                data={"as_of": as_of.isoformat(), "accounts": decayed, "cv": posted, "chunks": chunks},
            )
        summary[unit.code] = decayed
    return summary
