"""``ledger_verify`` over 1,000,000 sealed transactions (2,000,000 postings) on PostgreSQL.

Transactions are generated with valid content hashes in Python and bulk-inserted, then
sealed by ``ledger_seal`` (chain + signed checkpoints). Reports seconds and
transactions/s of the full verification; the floor is one pass that only reads the
same rows (the I/O part of the work).
"""

import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
TRANSACTIONS = 1_000_000
PEOPLE = 1_000
BATCH = 5_000


def _generate(issuance: int, accounts: list[int]) -> None:
    from django.db import connection

    from meaningflow.ledger import hashing

    base = datetime(2026, 1, 1, tzinfo=UTC)
    with connection.cursor() as cursor:
        for start in range(0, TRANSACTIONS, BATCH):
            tx_rows, posting_rows = [], []
            for i in range(start, min(TRANSACTIONS, start + BATCH)):
                account, amount, stamp = (
                    accounts[i % PEOPLE],
                    1 + i % 97,
                    base + timedelta(microseconds=i),
                )
                postings = [(account, 1, amount), (issuance, 1, -amount)]
                digest = hashing.content_hash(
                    kind="mint",
                    memo="",
                    cause="bench",
                    idempotency_key=f"b{i}",
                    created_at=hashing.normalise_stamp(stamp),
                    postings=postings,
                )
                tx_rows += [i + 1, f"b{i}", stamp, digest]
                posting_rows += [i + 1, account, amount, i + 1, issuance, -amount]
            n = len(tx_rows) // 4
            cursor.execute(
                "INSERT INTO ledger_transaction (id, kind, memo, cause, idempotency_key, "
                "request_hash, created_at, "
                "content_hash, prev_hash, chain_hash) VALUES "
                + ", ".join(["(%s, 'mint', '', 'bench', %s, '', %s, %s, '', '')"] * n),
                tx_rows,
            )
            cursor.execute(
                "INSERT INTO ledger_posting (transaction_id, account_id, unit_id, amount) VALUES "
                + ", ".join(["(%s, %s, 1, %s)"] * (2 * n)),
                posting_rows,
            )
        cursor.execute("SELECT setval('ledger_transaction_id_seq', %s)", [TRANSACTIONS])
        cursor.execute(
            "UPDATE ledger_account a SET balance = s.total FROM (SELECT account_id, "
            "SUM(amount) total "
            "FROM ledger_posting GROUP BY account_id) s WHERE s.account_id = a.id AND a.kind "
            "= 'person'"
        )
        cursor.execute("ANALYZE")


def child(mode: str) -> None:
    from meaningflow.ledger.benchmarking import make_users
    from meaningflow.testing.bench import django_setup

    django_setup()
    from django.db import connection

    from meaningflow.ledger.models import Account
    from meaningflow.ledger.services import ledger_seal
    from meaningflow.ledger.verify import ledger_verify

    users = make_users(PEOPLE)
    Account.objects.bulk_create(Account(kind="person", unit_id=1, owner_id=u) for u in users)
    accounts = list(Account.objects.filter(kind="person").order_by("pk").values_list("pk", flat=True))
    issuance = Account.objects.get(kind="issuance", unit_id=1).pk
    started = time.perf_counter()
    _generate(issuance, accounts)
    generated = time.perf_counter() - started
    started = time.perf_counter()
    while ledger_seal(grace_seconds=0, limit=100_000):
        pass
    print(
        f"set-up: generated {TRANSACTIONS:,} transactions in {generated:.0f} s, "
        f"sealed in {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute("SELECT count(*), sum(length(content_hash)) FROM ledger_transaction")
        cursor.execute("SELECT count(*), sum(amount) FROM ledger_posting")
        floor = time.perf_counter() - started
    started = time.perf_counter()
    violations = ledger_verify()
    figure = time.perf_counter() - started
    assert violations == [], violations[:5]
    print(
        f"postgresql: ledger_verify {figure:.1f} s for {TRANSACTIONS:,} transactions "
        f"({TRANSACTIONS / figure:,.0f} tx/s); read-only scan floor {floor:.1f} s",
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
