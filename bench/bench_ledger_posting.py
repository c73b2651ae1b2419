"""Posting throughput with 16 concurrent writers, on PostgreSQL and on SQLite.

Figure: ``services.use_record`` (lock the person's row, check the balance, insert the
transaction and its two postings, update the balance, content hash) in 16 processes.

Floors, through the raw driver with hand-written SQL:

* same work: what ``use_record`` does, statement by statement: lock the person's row
  and read its balance, insert the transaction (hash columns filled as the service
  fills them) and the person and consumption postings, update the person's balance and
  activity date, commit. Its connection is configured as Django configures its own:
  on SQLite ``PRAGMA foreign_keys = ON`` plus the settings' ``init_command`` (WAL,
  ``synchronous=NORMAL``); on PostgreSQL the settings' ``prepare_threshold`` (Django's
  default: no prepared statements, kept for connection poolers). The goal is measured
  against this floor.
* On PostgreSQL the same pair again with prepared statements on both sides
  (``prepare_threshold=5``, psycopg's own default): what enabling them in
  ``DATABASES["default"]["OPTIONS"]`` would give.
* two rows (the floor as first defined, with the raw driver's defaults): lock two person
  rows in id order, update both balances, insert a transaction and two postings, commit.
  It updates a second row that ``use_record`` never touches (the consumption account
  stores no balance) and, on SQLite, runs without foreign-key checks and with
  ``synchronous=FULL``; printed for comparison with earlier runs.

Every writer connects and does a warm-up of 20 transactions first; then all start
together at a barrier, run for SECONDS, and report what they did in their own window.
Goal: figure >= 50 % of the same-work floor.
"""

import multiprocessing
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

WRITERS = 16
SECONDS = 8.0
WARM_UP = 20
HASH = "0" * 64  # the service stores 64-character request and content hashes
_barrier = None  # set before the pool forks; the workers inherit it


def _timed(step) -> tuple[int, float]:
    """Warm up, wait for every writer, then run ``step(n)`` for SECONDS."""
    for n in range(WARM_UP):
        step(-1 - n)
    _barrier.wait(timeout=300)
    done, started = 0, time.perf_counter()
    deadline = started + SECONDS
    while time.perf_counter() < deadline:
        step(done)
        done += 1
    return done, time.perf_counter() - started


def _connect(vendor: str, target: str, config):
    """A raw connection; ``config`` is the Django connection's configuration to mirror
    (PostgreSQL: its prepare_threshold; SQLite: its init_command), or None for the
    driver's defaults."""
    if vendor == "postgresql":
        import psycopg

        extra = {} if config is None else {"prepare_threshold": config}
        return psycopg.connect(target, autocommit=True, **extra), "%s", "BEGIN", " FOR UPDATE"
    import sqlite3

    conn = sqlite3.connect(target, timeout=20, isolation_level=None)
    if config is not None:
        conn.execute("PRAGMA foreign_keys = ON")  # Django turns them on for every connection
        for command in config.split(";"):
            if command.strip():
                conn.execute(command)
    return conn, "?", "BEGIN IMMEDIATE", ""  # SQLite: the write lock is the lock


def _floor_same_work(args):
    vendor, target, config, person, consumption, tag = args
    conn, ph, begin, for_update = _connect(vendor, target, config)
    cur = conn.cursor()

    def step(n):
        cur.execute(begin)
        cur.execute(f"SELECT balance FROM ledger_account WHERE id = {ph}{for_update}", (person,))
        if cur.fetchone()[0] < 1:
            raise RuntimeError("balance exhausted")
        cur.execute(
            "INSERT INTO ledger_transaction (kind, memo, cause, idempotency_key, request_hash, "
            "created_at, content_hash, prev_hash, chain_hash) "
            f"VALUES ('consume', 'use', 'bench:1', {ph}, {ph}, {ph}, {ph}, '', '') RETURNING id",
            (f"floor-{tag}-{n}", HASH, "2026-01-01 00:00:00+00:00", HASH),
        )
        tx = cur.fetchone()[0]
        cur.execute(
            "INSERT INTO ledger_posting (transaction_id, account_id, unit_id, amount) VALUES "
            f"({ph}, {ph}, 1, -1), ({ph}, {ph}, 1, 1)",
            (tx, person, tx, consumption),
        )
        cur.execute(
            f"UPDATE ledger_account SET balance = balance - 1, last_activity_on = {ph} WHERE id = {ph}",
            ("2026-01-01", person),
        )
        cur.execute("COMMIT")

    try:
        return _timed(step)
    finally:
        conn.close()


def _floor_two_rows(args):
    vendor, target, a, b, tag = args
    conn, ph, begin, for_update = _connect(vendor, target, None)
    cur = conn.cursor()

    def step(n):
        cur.execute(begin)
        if for_update:
            cur.execute("SELECT id FROM ledger_account WHERE id IN (%s, %s) ORDER BY id FOR UPDATE", (a, b))
        cur.execute(f"UPDATE ledger_account SET balance = balance - 1 WHERE id = {ph}", (a,))
        cur.execute(f"UPDATE ledger_account SET balance = balance + 1 WHERE id = {ph}", (b,))
        cur.execute(
            "INSERT INTO ledger_transaction (kind, memo, cause, idempotency_key, "
            "request_hash, created_at, "
            f"content_hash, prev_hash, chain_hash) VALUES ('consume', '', '', {ph}, '', {ph}, "
            "'', '', '') RETURNING id",
            (f"floor2-{tag}-{n}", "2026-01-01 00:00:00+00:00"),
        )
        tx = cur.fetchone()[0]
        cur.execute(
            f"INSERT INTO ledger_posting (transaction_id, account_id, unit_id, amount) VALUES "
            f"({ph}, {ph}, 1, -1), ({ph}, {ph}, 1, 1)",
            (tx, a, tx, b),
        )
        cur.execute("COMMIT")

    try:
        return _timed(step)
    finally:
        conn.close()


def _service_worker(args):
    user_id, tag = args
    from django.db import connection

    from meaningflow.accounts.models import User
    from meaningflow.ledger import services

    user = User.objects.get(pk=user_id)

    def step(n):
        services.use_record(user=user, amount=1, cause="bench:1", idempotency_key=f"bench-{tag}-{n}")

    try:
        return _timed(step)
    finally:
        connection.close()


def _pool_run(func, args) -> float:
    """Transactions per second over all writers, each in its own timed window."""
    global _barrier
    from django.db import connections

    connections.close_all()
    ctx = multiprocessing.get_context("fork")
    _barrier = ctx.Barrier(len(args))
    with ctx.Pool(len(args)) as pool:
        results = pool.map(func, args, chunksize=1)
    return sum(done / elapsed for done, elapsed in results)


def child(mode: str) -> None:
    from meaningflow.ledger.benchmarking import identities_bind, make_users
    from meaningflow.testing.bench import django_setup

    django_setup()
    from django.conf import settings
    from django.db import connection

    from meaningflow.accounts.models import User
    from meaningflow.ledger import services
    from meaningflow.ledger.models import Account, Unit

    assert not settings.DEBUG  # no query logging on the service path
    users = make_users(WRITERS * 2)
    identities_bind(users)  # ID-2: only verified persons are credited
    for pk in users:
        services.contribution_record(
            beneficiary=User.objects.get(pk=pk),
            kind="resource",
            idempotency_key=f"s{pk}",
            inputs={"resource_type": "room", "duration": 100},
        )  # 20000 CV each
    accounts = list(Account.objects.filter(owner_id__in=users).order_by("owner_id").values_list("pk", flat=True))
    assert Unit.objects.get(code="GLOBAL").pk == 1
    consumption = Account.objects.get(kind="consumption", unit_id=1).pk
    vendor = connection.vendor
    target = os.environ["DATABASE_URL"] if vendor == "postgresql" else str(settings.DATABASES["default"]["NAME"])
    options = settings.DATABASES["default"].setdefault("OPTIONS", {})
    config = options.get("prepare_threshold") if vendor == "postgresql" else options.get("init_command", "")

    def pair(config, tag: str) -> tuple[float, float]:
        # The floors use the second half of the people, the service the first half.
        floor = _pool_run(
            _floor_same_work,
            [(vendor, target, config, accounts[WRITERS + i], consumption, f"{tag}{i}") for i in range(WRITERS)],
        )
        return _pool_run(_service_worker, [(pk, f"{tag}{pk}") for pk in users[:WRITERS]]), floor

    figure, floor = pair(config, "a")
    lines = [
        f"{vendor}: services.use_record {figure:,.0f} tx/s with {WRITERS} writers; raw floor (same work, "
        f"same connection settings) {floor:,.0f} tx/s; ratio {figure / floor:.0%} (goal >= 50%)"
    ]
    if vendor == "postgresql" and config is None:
        options["prepare_threshold"] = 5  # read when the workers connect
        prepared, prepared_floor = pair(5, "b")
        del options["prepare_threshold"]
        lines.append(
            f"{vendor}: with prepare_threshold=5 on both: services.use_record {prepared:,.0f} tx/s; "
            f"raw floor {prepared_floor:,.0f} tx/s; ratio {prepared / prepared_floor:.0%}"
        )
    floor_two = _pool_run(
        _floor_two_rows,
        [(vendor, target, accounts[2 * i], accounts[2 * i + 1], i) for i in range(WRITERS)],
    )
    lines.append(
        f"{vendor}: two-row floor (first definition, driver defaults) {floor_two:,.0f} tx/s; "
        f"ratio {figure / floor_two:.0%}"
    )
    print("\n".join(lines), flush=True)


def main() -> None:
    from meaningflow.testing.bench import run_child

    for mode in ("pg", "sqlite"):
        run_child(__file__, mode)


if __name__ == "__main__":
    if len(sys.argv) > 1:
        child(sys.argv[1])
    else:
        main()
