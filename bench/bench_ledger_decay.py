"""Decay of 1,000,000 accounts on PostgreSQL.

Figure: ``services.decay_run`` (per chunk of 50 000 accounts, one transaction: lock the
due accounts in id order reading their amounts, content hash, insert the transaction
and a posting per account plus the decay account's, update the balances; the foreign
keys of a million postings are checked at the commits).
Floor: one set-based UPDATE of the same rows (the same WHERE) computing the same exact
decay in SQL (``POWER`` of the kept share, the carry in millionths), rolled back afterwards. The rollback leaves a dead version
of every row behind, so the table is rewritten (VACUUM FULL) before the figure runs and
both start from the same compact table, after a CHECKPOINT. Goal: figure ≤ 3 × floor.
Accounts are generated with bulk SQL.
"""

import io
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
ACCOUNTS = 1_000_000


def child(mode: str) -> None:
    from meaningflow.ledger.benchmarking import make_users
    from meaningflow.testing.bench import django_setup

    django_setup()
    from django.db import connection, transaction

    from meaningflow.ledger.models import Account
    from meaningflow.ledger.services import decay_run
    from meaningflow.ledger.services.decay import MICRO

    started = time.perf_counter()
    make_users(ACCOUNTS)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO ledger_account (kind, unit_id, owner_id, balance, decayed_through, "
            "last_activity_on, "
            "created_at) SELECT 'person', 1, id, 1000 + id % 5000, DATE '2025-01-01', "
            "CASE WHEN id % 10 = 0 THEN DATE '2022-01-01' ELSE DATE '2025-06-01' END, now() "
            "FROM accounts_user WHERE username LIKE 'bench%%'"
        )
        cursor.execute("ANALYZE")
    print(f"set-up: {ACCOUNTS:,} accounts in {time.perf_counter() - started:.1f} s", flush=True)
    as_of = date(2026, 1, 1)
    params = {"as_of": as_of, "keep": 0.95, "micro": MICRO}
    exact = (
        "FLOOR((a.balance * %(micro)s - a.decay_remainder) * POWER(%(keep)s, (%(as_of)s::date - a.decayed_through) "
        "/ 365.0) + 0.5)::bigint"
    )
    with connection.cursor() as cursor:
        cursor.execute("CHECKPOINT")
    with transaction.atomic(), connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute(
            f"UPDATE ledger_account a SET balance = ({exact} + %(micro)s / 2) / %(micro)s, "
            f"decay_remainder = (({exact} + %(micro)s / 2) / %(micro)s) * %(micro)s - {exact}, "
            "decayed_through = %(as_of)s "
            "WHERE a.unit_id = 1 AND a.kind = 'person' AND a.balance > 0 AND a.decayed_through < %(as_of)s",
            params,
        )
        floor_rows = cursor.rowcount
        floor = time.perf_counter() - started
        transaction.set_rollback(True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM FULL ledger_account")
        cursor.execute("ANALYZE ledger_account")
        cursor.execute("CHECKPOINT")
    started = time.perf_counter()
    summary = decay_run(as_of=as_of, stream=io.StringIO())
    figure = time.perf_counter() - started
    assert summary["GLOBAL"] == floor_rows == ACCOUNTS, (summary, floor_rows)
    assert not Account.objects.filter(kind="person", decayed_through__lt=as_of, balance__gt=0).exists()
    print(
        f"postgresql: decay_run {figure:.1f} s for {ACCOUNTS:,} accounts; single UPDATE floor "
        f"{floor:.1f} s; "
        f"ratio {figure / floor:.2f}x (goal <= 3x)",
        flush=True,
    )


def main() -> None:
    from meaningflow.testing.bench import run_child

    run_child(__file__, "pg")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        child(sys.argv[1])
    else:
        main()
