"""Posting throughput with 16 concurrent writers, on PostgreSQL and on SQLite.

Figure: ``services.use_record`` (lock the person's row, check, update with F(), insert
the transaction and its postings, hash, audit) in 16 processes for a fixed time.
Floor: the same double-entry SQL by hand through the raw driver (lock two rows in id
order, update both balances, insert a transaction and two postings, commit).
Goal: figure ≥ 50 % of the floor.
"""

import multiprocessing
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

WRITERS = 16
SECONDS = 8.0


def _floor_worker(args):
    vendor, target, a, b, tag = args
    if vendor == "postgresql":
        import psycopg

        conn = psycopg.connect(target, autocommit=True)
        lock = "SELECT id FROM ledger_account WHERE id IN (%s, %s) ORDER BY id FOR UPDATE"
        ph = "%s"
        begin = "BEGIN"
    else:
        import sqlite3

        conn = sqlite3.connect(target, timeout=20, isolation_level=None)
        lock, ph, begin = None, "?", "BEGIN IMMEDIATE"  # SQLite: the write lock is the lock
    cur = conn.cursor()
    done, deadline, n = 0, time.perf_counter() + SECONDS, 0
    while time.perf_counter() < deadline:
        n += 1
        cur.execute(begin)
        if lock:
            cur.execute(lock, (a, b))
        cur.execute(f"UPDATE ledger_account SET balance = balance - 1 WHERE id = {ph}", (a,))
        cur.execute(f"UPDATE ledger_account SET balance = balance + 1 WHERE id = {ph}", (b,))
        cur.execute(
            "INSERT INTO ledger_transaction (kind, memo, cause, idempotency_key, "
            "request_hash, created_at, "
            f"content_hash, prev_hash, chain_hash) VALUES ('consume', '', '', {ph}, '', {ph}, "
            "'', '', '') RETURNING id",
            (f"floor-{tag}-{n}", "2026-01-01 00:00:00+00:00"),
        )
        tx = cur.fetchone()[0]
        cur.execute(
            f"INSERT INTO ledger_posting (transaction_id, account_id, unit_id, amount) VALUES "
            f"({ph}, {ph}, 1, -1), ({ph}, {ph}, 1, 1)",
            (tx, a, tx, b),
        )
        cur.execute("COMMIT")
        done += 1
    conn.close()
    return done


def _service_worker(user_id):
    from django.db import connection

    from meaningflow.accounts.models import User
    from meaningflow.ledger import services

    user = User.objects.get(pk=user_id)
    done, deadline = 0, time.perf_counter() + SECONDS
    while time.perf_counter() < deadline:
        services.use_record(
            user=user, amount=1, cause="bench:1", idempotency_key=f"bench-{user_id}-{done}"
        )
        done += 1
    connection.close()
    return done


def _pool_run(func, args) -> float:
    from django.db import connections

    connections.close_all()
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(WRITERS) as pool:
        started = time.perf_counter()
        counts = pool.map(func, args)
        elapsed = time.perf_counter() - started
    return sum(counts) / elapsed


def child(mode: str) -> None:
    from meaningflow.ledger.benchmarking import django_setup, make_users

    django_setup()
    from django.conf import settings
    from django.db import connection

    from meaningflow.accounts.models import User
    from meaningflow.ledger import services
    from meaningflow.ledger.models import Account, Unit

    users = make_users(WRITERS * 2)
    for pk in users:
        services.contribution_record(
            beneficiary=User.objects.get(pk=pk),
            kind="resource",
            idempotency_key=f"s{pk}",
            inputs={"resource_type": "room", "duration": 100},
        )  # 20000 CV each
    accounts = list(
        Account.objects.filter(owner_id__in=users).order_by("owner_id").values_list("pk", flat=True)
    )
    assert Unit.objects.get(code="GLOBAL").pk == 1
    vendor = connection.vendor
    target = (
        os.environ["DATABASE_URL"]
        if vendor == "postgresql"
        else str(settings.DATABASES["default"]["NAME"])
    )
    floor = _pool_run(
        _floor_worker,
        [(vendor, target, accounts[2 * i], accounts[2 * i + 1], i) for i in range(WRITERS)],
    )
    figure = _pool_run(_service_worker, users[:WRITERS])
    print(
        f"{vendor}: services.use_record {figure:,.0f} tx/s with {WRITERS} writers; "
        f"raw floor {floor:,.0f} tx/s; ratio {figure / floor:.0%} (goal >= 50%)",
        flush=True,
    )


def main() -> None:
    from meaningflow.ledger.benchmarking import run_child

    for mode in ("pg", "sqlite"):
        run_child(__file__, mode)


if __name__ == "__main__":
    if len(sys.argv) > 1:
        child(sys.argv[1])
    else:
        main()
