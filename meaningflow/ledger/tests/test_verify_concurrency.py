"""``ledger_verify`` while writers and the sealer are busy (issue 12 item 3).

Every check reads one snapshot of the database (docs/LEDGER.md "How to verify"), so postings
committed between two of its queries cannot look like a violation. PostgreSQL only: SQLite
serialises writers and the test database there lives in memory.
"""

import contextlib
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from meaningflow.ledger import services
from meaningflow.ledger.models import Transaction
from meaningflow.ledger.tests.factories import key, mint
from meaningflow.ledger.verify import ledger_verify, read_snapshot

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="concurrent writers need PostgreSQL"),
]

RUNS = 12
WRITERS = 4


def _write(user, n: int) -> None:
    step = n % 4
    if step == 0:
        mint(user, 1)
    elif step == 1:
        services.use_record(user=user, amount=7, cause="test.use:1", idempotency_key=key("use"))
    elif step == 2:
        hold = services.hold_place(user=user, amount=11, cause="test.hold:1", idempotency_key=key("hold"))
        services.hold_consume(hold=hold, amount=5)
    else:
        services.hold_place(user=user, amount=3, cause="test.hold:2", idempotency_key=key("hold"))


def test_verify_reports_nothing_while_writers_and_the_sealer_run(make_user):
    people = [make_user(f"writer{i}") for i in range(WRITERS)]
    for person in people:
        mint(person, 5)
    services.ledger_seal(grace_seconds=0)
    stop = threading.Event()
    failures: list[BaseException] = []

    def writer(person):
        n = 0
        try:
            while not stop.is_set():
                with contextlib.suppress(ValidationError):  # a use the balance does not cover
                    _write(person, n)
                n += 1
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)
        finally:
            connection.close()

    def sealer():
        try:
            while not stop.is_set():
                services.ledger_seal(grace_seconds=0)
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(p,)) for p in people] + [threading.Thread(target=sealer)]
    for thread in threads:
        thread.start()
    results, counts = [], []
    try:
        for _ in range(RUNS):
            counts.append(Transaction.objects.count())
            results.append(ledger_verify())
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert failures == []
    assert counts[-1] > counts[0]  # the writers did write while ledger_verify ran
    assert [v for run in results for v in run] == []
    services.ledger_seal(grace_seconds=0)
    assert ledger_verify() == []


def test_verify_reads_one_snapshot(alice):
    """What commits while ledger_verify reads is not in what it reads (deterministic: the
    writer has committed before the second read)."""
    mint(alice, 1)
    with read_snapshot():
        before = Transaction.objects.count()
        writer = threading.Thread(target=lambda: (mint(alice, 1), connection.close()))
        writer.start()
        writer.join()
        assert Transaction.objects.count() == before
    assert Transaction.objects.count() == before + 1
