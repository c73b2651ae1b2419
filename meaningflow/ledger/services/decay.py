"""Decay (CV-5): explicit, set-based decay transactions, idempotent per account and day.

For each unit and chunk of person accounts one decay transaction is written with plain
SQL (INSERT … SELECT for the postings, UPDATE … FROM for the balances), so a million
accounts cost a few hundred statements, not a million round trips.

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


def _chunk(
    *, unit: Unit, tx_key: str, lo: int, hi: int, sql_params: dict, decay_account_id: int
) -> int:
    """Post decay for eligible accounts lo…hi of ``unit`` in one transaction; returns the
    number of accounts that decayed."""
    amount = amount_sql()
    where = (
        "a.unit_id = %(unit)s AND a.kind = 'person' AND a.id BETWEEN %(lo)s AND %(hi)s "
        "AND a.balance > 0 AND a.decayed_through < %(as_of)s"
    )
    params = {**sql_params, "unit": unit.pk, "lo": lo, "hi": hi}
    with transaction.atomic(), connection.cursor() as cursor:
        if Transaction.objects.filter(idempotency_key=tx_key).exists():
            return 0  # this chunk committed in an earlier, interrupted run
        if connection.vendor == "postgresql":
            # Lock the chunk's rows in id order, the order every posting writer uses.
            cursor.execute(
                f"SELECT count(*) FROM (SELECT a.id FROM ledger_account a WHERE {where} "  # noqa: S608 (only constant fragments and placeholders)
                "ORDER BY a.id FOR UPDATE) locked",
                params,
            )
        tx = Transaction.objects.create(
            kind=Transaction.Kind.DECAY,
            idempotency_key=tx_key,
            request_hash="",
            memo="decay",
            cause=f"ledger.decay:{sql_params['as_of']}",
            created_at=sql_params["now"],
            content_hash="",
        )
        params["tx"] = tx.pk
        cursor.execute(
            "INSERT INTO ledger_posting (transaction_id, account_id, unit_id, amount) "  # noqa: S608 (only constant fragments and placeholders)
            f"SELECT %(tx)s, a.id, a.unit_id, -({amount}) FROM ledger_account a WHERE {where} "
            f"AND ({amount}) > 0",
            params,
        )
        decayed = cursor.rowcount
        if not decayed:
            tx.delete()  # nothing due in this chunk: leave no empty transaction behind
            return 0
        cursor.execute(
            "INSERT INTO ledger_posting (transaction_id, account_id, unit_id, amount) "
            "SELECT %(tx)s, %(decay)s, %(unit)s, -SUM(amount) FROM ledger_posting WHERE "
            "transaction_id = %(tx)s",
            {**params, "decay": decay_account_id},
        )
        cursor.execute(
            "UPDATE ledger_account SET balance = ledger_account.balance + p.amount, "
            "decayed_through = %(as_of)s "
            "FROM ledger_posting p WHERE p.transaction_id = %(tx)s AND p.account_id = "
            "ledger_account.id "
            "AND ledger_account.kind = 'person'",
            params,
        )
        cursor.execute(
            "SELECT account_id, unit_id, amount FROM ledger_posting WHERE transaction_id = %s",
            [tx.pk],
        )
        tx.content_hash = hashing.content_hash(
            kind=tx.kind,
            memo=tx.memo,
            cause=tx.cause,
            idempotency_key=tx_key,
            created_at=hashing.normalise_stamp(tx.created_at),
            postings=cursor.fetchall(),
        )
        tx.save(update_fields=["content_hash"])
        audit_log(
            action="ledger.transaction.posted",
            subject=f"ledger.transaction:{tx.pk}",
            data={"kind": tx.kind, "accounts": decayed},
        )
    return decayed


def decay_run(*, as_of: date, chunk_size: int = 10_000, stream: TextIO | None = None) -> dict:
    """Post decay up to ``as_of`` for every unit. Idempotent (an account decays at most
    once per day and each chunk has its own idempotency key) and resumable; progress and a
    summary go to core.JobRun under job ``ledger.decay`` and key ``<date>:<unit>``."""
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
        }
        eligible = Account.objects.filter(
            unit=unit, kind=Account.Kind.PERSON, balance__gt=0, decayed_through__lt=as_of
        ).order_by("pk")
        decay_account_id = system_account(kind=Account.Kind.DECAY, unit=unit).pk
        with JobProgress(
            job="ledger.decay",
            key=f"{as_of.isoformat()}:{unit.code}",
            total=eligible.count(),
            stream=stream,
        ) as progress:
            progress.run.done = 0  # a resumed run counts what is left
            last_id, decayed = 0, 0
            while True:
                ids = list(
                    eligible.filter(pk__gt=last_id).values_list("pk", flat=True)[:chunk_size]
                )
                if not ids:
                    break
                decayed += _chunk(
                    unit=unit,
                    tx_key=f"decay:{as_of.isoformat()}:{unit.code}:{ids[0]}-{ids[-1]}",
                    lo=ids[0],
                    hi=ids[-1],
                    sql_params=sql_params,
                    decay_account_id=decay_account_id,
                )
                last_id = ids[-1]
                progress.advance(len(ids))
            progress.summary.update(unit=unit.code, decayed_accounts=decayed)
        summary[unit.code] = decayed
    return summary
