"""Decay (CV-5): explicit, set-based decay transactions, idempotent per account and day.

For each unit and chunk of due person accounts, one decay transaction in one database
transaction: lock the chunk's accounts in id order and read their amounts, then write
the transaction with a posting per account plus the decay account's (one INSERT … SELECT)
and the new balances (one UPDATE), set-based. A million accounts cost a few dozen
statements and commits, not a million round trips.

Amount per account: ``balance × rate × days / 365`` rounded half up, where ``days`` runs
from ``decayed_through`` to the run's date; an account inactive longer than the
parameterised period loses its whole balance. An account whose amount rounds to zero
keeps its ``decayed_through``, so the days accumulate until a whole CV is due: there is
no fractional carry to store and nothing is lost to rounding over time.
"""

from datetime import date, timedelta
from typing import TextIO

from django.db import connection, transaction

from meaningflow.core.services import JobProgress, audit_log
from meaningflow.ledger import hashing
from meaningflow.ledger.models import Account, Transaction, Unit
from meaningflow.ledger.parameters import parameters_in_force
from meaningflow.ledger.services.core import system_account

RATE_SCALE = 1_000_000  # rates as parts per million keep the arithmetic in integers
MAX_DAYS = 36_500
# Accounts per decay transaction. Each chunk holds its people's rows locked for about a
# second (posting writers for them wait that long); larger chunks gained little more.
CHUNK_SIZE = 50_000


def _days_sql() -> str:
    if connection.vendor == "postgresql":
        return "LEAST(%(as_of)s::date - a.decayed_through, 36500)"
    return "MIN(CAST(julianday(%(as_of)s) - julianday(a.decayed_through) AS INTEGER), 36500)"


def amount_sql() -> str:
    """SQL for the CV an account ``a`` loses (whole CV, half up, never above its balance)."""
    least = "LEAST" if connection.vendor == "postgresql" else "MIN"
    days = _days_sql()
    return (
        f"CASE WHEN a.last_activity_on < %(inactive_before)s THEN a.balance ELSE "
        f"{least}(a.balance, (a.balance * %(rate)s * {days} * 2 + %(denominator)s) / (2 * "
        "%(denominator)s)) END"
    )


_DUE = (
    "a.unit_id = %(unit)s AND a.kind = 'person' AND a.balance > 0 AND a.decayed_through < %(as_of)s"
)


def _due_sql(for_update: bool) -> str:
    """The next chunk: due accounts (amount > 0) after ``after`` in id order, with their
    amount; on PostgreSQL locked in that order (FOR UPDATE returns the amount computed
    from the row as locked)."""
    amount = amount_sql()
    return (
        f"SELECT a.id, a.unit_id, {amount} FROM ledger_account a WHERE {_DUE} "  # noqa: S608 (only constant fragments and placeholders)
        f"AND a.id > %(after)s AND {amount} > 0 ORDER BY a.id LIMIT %(limit)s"
        + (" FOR UPDATE" if for_update else "")
    )


def _chunk_sql() -> str:
    """The due accounts of the chunk's id range: the locked ones, unless an account in
    the range became due after the lock (then the counts differ and the chunk is redone)."""
    return f"{_DUE} AND a.id BETWEEN %(lo)s AND %(hi)s AND {amount_sql()} > 0"


_INSERT_TX = (
    "INSERT INTO ledger_transaction (kind, memo, cause, idempotency_key, request_hash, "
    "created_at, content_hash, prev_hash, chain_hash) "
    "VALUES (%(kind)s, %(memo)s, %(cause)s, %(key)s, '', %(now)s, %(hash)s, '', '')"
)
_SET_HASH = "UPDATE ledger_transaction SET content_hash = %(hash)s WHERE idempotency_key = %(key)s"


def _write_pg_sql() -> tuple[str, str]:
    """The transaction and the postings (INSERT … SELECT), then the balances (UPDATE) over
    the same rows. Separate statements, so that each reports its own row count."""
    amount = amount_sql()
    return (
        f"WITH tx AS ({_INSERT_TX} RETURNING id) "  # noqa: S608 (only constant fragments and placeholders)
        "INSERT INTO ledger_posting (transaction_id, account_id, unit_id, amount) "
        f"SELECT tx.id, a.id, a.unit_id, -({amount}) FROM tx, ledger_account a WHERE {_chunk_sql()} "
        "UNION ALL SELECT tx.id, %(decay)s, %(unit)s, %(total)s FROM tx",
        f"UPDATE ledger_account a SET balance = a.balance - ({amount}), "  # noqa: S608 (only constant fragments and placeholders)
        f"decayed_through = %(as_of)s WHERE {_chunk_sql()}",
    )


def _write_pg(db, cursor, params: dict, digest) -> tuple[int, int]:
    """PostgreSQL: ``_write_pg_sql``; returns (balances updated, postings written).
    ``digest()`` computes the content hash; in pipeline mode it runs while the server
    runs the statements (the transaction row is written with an empty hash and gets its
    hash before the commit), so hashing the chunk's postings in Python costs no time.
    Plain execution when queries are observed."""
    insert, update = _write_pg_sql()
    if db.queries_logged or db.execute_wrappers:
        cursor.execute(insert, {**params, "hash": digest()})
        postings = cursor.rowcount
        cursor.execute(update, params)
        return cursor.rowcount, postings
    import psycopg

    pg = db.connection
    with db.wrap_database_errors:
        with pg.pipeline():
            inserted, updated, hashed = psycopg.Cursor(pg), psycopg.Cursor(pg), psycopg.Cursor(pg)
            inserted.execute(insert, {**params, "hash": ""})
            updated.execute(update, params)
            hashed.execute(_SET_HASH, {"hash": digest(), "key": params["key"]})
        return updated.rowcount, inserted.rowcount


def _write_other(cursor, params: dict) -> tuple[int, int]:
    """SQLite, whose IMMEDIATE transaction locks the whole database (nothing can change
    between the statements): the same writes in three statements."""
    amount = amount_sql()
    cursor.execute(f"{_INSERT_TX} RETURNING id", params)
    params = {**params, "tx": cursor.fetchone()[0]}
    cursor.execute(
        "INSERT INTO ledger_posting (transaction_id, account_id, unit_id, amount) "  # noqa: S608 (only constant fragments and placeholders)
        f"SELECT %(tx)s, a.id, a.unit_id, -({amount}) FROM ledger_account a WHERE {_chunk_sql()} "
        "UNION ALL SELECT %(tx)s, %(decay)s, %(unit)s, %(total)s",
        params,
    )
    postings = cursor.rowcount
    cursor.execute(
        f"UPDATE ledger_account AS a SET balance = a.balance - ({amount}), "  # noqa: S608 (only constant fragments and placeholders)
        f"decayed_through = %(as_of)s WHERE {_chunk_sql()}",
        params,
    )
    return cursor.rowcount, postings


class _ChunkRaced(Exception):
    """An account of the chunk's range became due between the lock and the write."""


def _chunk(*, sql_params: dict, after: int, limit: int) -> tuple[int, int]:
    """Post decay for the next ``limit`` due accounts after id ``after`` in one
    transaction. Returns (accounts decayed, last id); (0, after) when none is due."""
    db = connection
    with transaction.atomic(), db.cursor() as cursor:
        cursor.execute(
            _due_sql(db.features.has_select_for_update),
            {**sql_params, "after": after, "limit": limit},
        )
        rows = cursor.fetchall()
        if not rows:
            return 0, after
        lo, hi = rows[0][0], rows[-1][0]
        total = sum(row[2] for row in rows)
        key = f"decay:{sql_params['as_of'].isoformat()}:{sql_params['unit_code']}:{lo}-{hi}"
        postings = [(account, unit_id, -amount) for account, unit_id, amount in rows]
        postings.append((sql_params["decay"], sql_params["unit"], total))

        def digest() -> str:
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
            "lo": lo,
            "hi": hi,
            "total": total,
        }
        if db.vendor == "postgresql":
            written = _write_pg(db, cursor, params, digest)
        else:
            written = _write_other(cursor, {**params, "hash": digest()})
        # Exactly the locked accounts, each with its posting (amounts computed alike from
        # the same locked rows), plus the decay account's. Anything else means an account
        # of the range became due after the lock: roll the chunk back; the caller redoes it.
        if tuple(written) != (len(rows), len(rows) + 1):
            raise _ChunkRaced(key)
    return len(rows), hi


def decay_run(*, as_of: date, chunk_size: int = CHUNK_SIZE, stream: TextIO | None = None) -> dict:
    """Post decay up to ``as_of`` for every unit. Idempotent (an account decays at most
    once per day: ``decayed_through``) and resumable (a chunk commits as a whole; a rerun
    continues with the accounts still due); progress and a summary go to core.JobRun
    under job ``ledger.decay`` and key ``<date>:<unit>``, and one audit event per unit
    that decayed."""
    from django.utils import timezone

    decay = parameters_in_force(on=as_of).document["decay"]
    summary = {}
    for unit in Unit.objects.select_related("domain").order_by("pk"):
        rate = decay["global_rate"] if unit.is_global else decay["domain_rate"]
        sql_params = {
            "as_of": as_of,
            "now": timezone.now(),
            "rate": round(rate * RATE_SCALE),
            "denominator": RATE_SCALE * 365,
            "inactive_before": as_of - timedelta(days=int(decay["inactivity_days"])),
            "unit": unit.pk,
            "unit_code": unit.code,
            "cause": f"ledger.decay:{as_of}",
            "decay": system_account(kind=Account.Kind.DECAY, unit=unit).pk,
        }
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*) FROM ledger_account a WHERE {_DUE} AND {amount_sql()} > 0",  # noqa: S608 (only constant fragments and placeholders)
                sql_params,
            )
            due = cursor.fetchone()[0]
        with JobProgress(
            job="ledger.decay", key=f"{as_of.isoformat()}:{unit.code}", total=due, stream=stream
        ) as progress:
            progress.run.done = 0  # a resumed run counts what is left
            last_id, decayed, chunks, raced = 0, 0, 0, 0
            while True:
                try:
                    count, last_id = _chunk(sql_params=sql_params, after=last_id, limit=chunk_size)
                except _ChunkRaced:
                    raced += 1
                    if raced > 10:
                        raise
                    continue
                if not count:
                    break
                decayed, chunks = decayed + count, chunks + 1
                progress.advance(count)
            progress.summary.update(unit=unit.code, decayed_accounts=decayed)
        if chunks:
            audit_log(
                action="ledger.decay.posted",
                subject=f"ledger.unit:{unit.pk}",
                data={"as_of": as_of.isoformat(), "accounts": decayed, "transactions": chunks},
            )
        summary[unit.code] = decayed
    return summary
