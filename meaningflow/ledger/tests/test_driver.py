"""ledger/services/driver.py: the posting path's one door below Django's database API. Both
branches — queries observed (Django's cursor, so query logs and execute wrappers see every
statement) and not observed (the driver's own cursor) — and the driver-managed transaction
taken or not, on SQLite and PostgreSQL (issue 12 item 14)."""

import pytest
from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from django.test.utils import CaptureQueriesContext
from psycopg.pq import TransactionStatus

from meaningflow.ledger import selectors, services
from meaningflow.ledger.models import Transaction
from meaningflow.ledger.services import driver
from meaningflow.ledger.tests.factories import key, mint
from meaningflow.ledger.verify import ledger_verify

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def _use(user, amount=1):
    return services.use_record(user=user, amount=amount, cause="x:1", idempotency_key=key("use"))


def test_the_plain_branch_uses_the_drivers_own_cursor():
    db = driver.connection()
    assert not driver.observed(db)
    with driver.cursor(db) as (cursor, qmark):
        assert not isinstance(cursor, CursorWrapper)
        assert qmark == (db.vendor == "sqlite") == driver.uses_qmark(db)
        cursor.execute("SELECT ?" if qmark else "SELECT %s", [7])
        assert cursor.fetchone()[0] == 7


def test_the_observed_branch_goes_through_djangos_cursor_and_is_logged(alice):
    mint(alice, 1)
    _use(alice)  # the account id is known now: the lean path applies
    db = driver.connection()
    with CaptureQueriesContext(connection) as queries:
        assert driver.observed(db) and not driver.uses_qmark(db)
        with driver.cursor(db) as (cursor, qmark):
            assert isinstance(cursor, CursorWrapper) and not qmark
        _use(alice)
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert "ledger_transaction" in sql
    if db.vendor == "postgresql":  # SQLite has no row locks: its IMMEDIATE transaction is the lock
        assert "FOR NO KEY UPDATE" in sql
    assert "INSERT INTO ledger_posting" in sql


def test_an_execute_wrapper_sees_every_statement_of_a_posting(alice):
    mint(alice, 1)
    _use(alice)
    seen = []

    def wrapper(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        _use(alice)
        services.hold_release(hold=services.hold_place(user=alice, amount=3, cause="x:2", idempotency_key=key()))
    assert any("INTO ledger_posting" in sql for sql in seen)
    assert any("FROM ledger_account" in sql for sql in seen)
    assert selectors.balance_of(alice) == 198
    assert ledger_verify() == []


def test_inside_a_transaction_the_driver_does_not_open_its_own():
    ran = []
    assert driver.own_transaction(driver.connection(), ran.append) is None
    assert ran == []


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_driver_begins_and_commits_itself(alice):
    mint(alice, 1)
    db = driver.connection()
    db.ensure_connection()

    def body(cursor):
        cursor.execute("SELECT 1")
        return "written"

    assert driver.own_transaction(db, body) == "written"
    assert driver.own_transaction(db, lambda cursor: None) is None  # nothing to keep: rolled back
    with pytest.raises(ZeroDivisionError):
        driver.own_transaction(db, lambda cursor: 1 / 0)
    assert not db.in_atomic_block and db.get_autocommit()
    if db.vendor == "sqlite":  # the driver's own view: nothing left open
        assert not db.connection.in_transaction
    else:
        assert db.connection.info.transaction_status == TransactionStatus.IDLE


@pytest.mark.django_db(transaction=True)
def test_observed_outside_a_transaction_the_use_goes_through_atomic_and_commits(alice):
    mint(alice, 1)
    _use(alice)
    db = driver.connection()
    with CaptureQueriesContext(connection):
        ran = []
        assert driver.own_transaction(db, ran.append) is None and ran == []  # not taken
        tx = _use(alice, 5)
    assert Transaction.objects.filter(pk=tx.pk).exists()
    with transaction.atomic():  # and the plain branch, for comparison, in a caller's transaction
        _use(alice, 5)
    assert selectors.balance_of(alice) == 189
    assert ledger_verify() == []
