"""core.transactions: the one transaction helper, its bounded retry and the busy answer
(issue 12 items 1 and 14)."""

import ast
import threading
from pathlib import Path

import pytest
from django.db import OperationalError, connection, transaction
from django.utils import translation

from meaningflow.accounts.models import User
from meaningflow.core import transactions
from meaningflow.core.models import AuditEvent
from meaningflow.core.services import audit_log
from meaningflow.ledger.services import core as ledger_core
from meaningflow.resources.reference import reference_ensure
from meaningflow.resources.services import bookings
from meaningflow.resources.tests.factories import days, mint, room


class _FakeCause(Exception):
    def __init__(self, sqlstate):
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def _pg_error(sqlstate: str) -> OperationalError:
    """What Django raises for a psycopg error: its own class, the driver's as the cause."""
    try:
        raise OperationalError("deadlock detected") from _FakeCause(sqlstate)
    except OperationalError as exc:
        return exc


@pytest.fixture
def no_sleep(monkeypatch):
    pauses = []
    monkeypatch.setattr(transactions.time, "sleep", pauses.append)
    return pauses


def test_what_is_retryable():
    assert transactions.is_retryable(_pg_error("40P01"))  # deadlock detected
    assert transactions.is_retryable(_pg_error("40001"))  # serialisation failure
    assert not transactions.is_retryable(_pg_error("23505"))  # unique violation
    assert transactions.is_retryable(OperationalError("database is locked"))  # SQLite
    assert not transactions.is_retryable(OperationalError("no such table: x"))
    assert not transactions.is_retryable(ValueError("database is locked"))


@pytest.mark.django_db(transaction=True)
def test_an_entry_point_runs_again_after_a_deadlock_and_keeps_only_the_last_attempt(no_sleep):
    calls = []

    @transactions.entry_point
    def service():
        with transactions.atomic():
            calls.append(len(calls))
            audit_log(action="test.attempt", subject=f"test:{len(calls)}")
            if len(calls) < 3:
                raise _pg_error("40P01")
            return "done"

    assert service() == "done"
    assert calls == [0, 1, 2]
    # The failed attempts rolled back: only the third one's row is there.
    assert list(AuditEvent.objects.filter(action="test.attempt").values_list("subject", flat=True)) == ["test:3"]
    assert len(no_sleep) == 2 and all(0 <= p <= transactions.BACKOFF_CAP for p in no_sleep)


@pytest.mark.django_db(transaction=True)
def test_after_the_last_attempt_the_caller_gets_busy_and_nothing_is_changed(no_sleep):
    calls = []

    @transactions.entry_point
    def service():
        with transactions.atomic():
            calls.append(1)
            audit_log(action="test.attempt", subject="test:x")
            raise OperationalError("database is locked")

    with pytest.raises(transactions.Busy) as caught:
        service()
    assert len(calls) == transactions.ATTEMPTS
    assert caught.value.code == "core.busy"
    assert isinstance(caught.value.__cause__, OperationalError)
    assert not AuditEvent.objects.filter(action="test.attempt").exists()
    english = str(caught.value)
    with translation.override("zh-hans"):
        assert str(caught.value) != english  # translated


@pytest.mark.django_db(transaction=True)
def test_other_errors_are_not_retried(no_sleep):
    calls = []

    @transactions.entry_point
    def service():
        calls.append(1)
        raise OperationalError("no such table: nowhere")

    with pytest.raises(OperationalError):
        service()
    assert calls == [1] and no_sleep == []


@pytest.mark.django_db(transaction=True)
def test_inside_a_callers_transaction_an_entry_point_runs_once_and_nested_loops_do_not_multiply(no_sleep):
    inner_calls, outer_calls = [], []

    @transactions.entry_point
    def inner():
        with transactions.atomic():
            inner_calls.append(1)
            raise _pg_error("40P01")

    with pytest.raises(OperationalError), transaction.atomic():
        inner()  # the caller's transaction is aborted: only its own entry point may retry
    assert inner_calls == [1]

    @transactions.entry_point
    def outer():
        outer_calls.append(1)
        inner()  # called before the outer opens its transaction: still one retry loop

    inner_calls.clear()
    with pytest.raises(transactions.Busy):
        outer()
    assert len(outer_calls) == len(inner_calls) == transactions.ATTEMPTS


@pytest.mark.django_db(transaction=True)
def test_atomic_is_durable_outside_and_a_savepoint_inside():
    with transactions.atomic():
        assert connection.in_atomic_block
        with pytest.raises(RuntimeError), transactions.atomic(durable=True):  # refuses to be nested
            pass
        try:
            with transactions.atomic():  # a savepoint: its rollback leaves the outer work
                audit_log(action="test.inner", subject="test:1")
                raise ValueError
        except ValueError:
            pass
        audit_log(action="test.outer", subject="test:1")
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["test.outer"]


@pytest.mark.django_db(transaction=True)
def test_inner_helpers_refuse_to_run_outside_a_transaction(make_user):
    with pytest.raises(transactions.TransactionRequired):
        transactions.require_transaction()
    with pytest.raises(transactions.TransactionRequired):
        ledger_core.person_accounts_lock(pairs=[(make_user("alice"), ledger_core.unit_for(domain=None))])
    with transactions.atomic():
        transactions.require_transaction()


# --- what a person sees when the retries are spent --------------------------------------


@pytest.fixture
def owner(make_user, reference_data):
    reference_ensure()
    return make_user("host_hu")


@pytest.fixture
def guest(make_user, owner):
    user = make_user("traveller_tan")
    mint(user, 2000)
    return user


@pytest.fixture
def contended(monkeypatch, no_sleep):
    """Every booking attempt finds the database locked (as a deadlock would each time)."""

    def locked(guest):
        raise OperationalError("database is locked")

    monkeypatch.setattr(bookings, "_guest_lock", locked)


@pytest.mark.django_db(transaction=True)
def test_the_api_answers_503_with_retry_after_and_the_busy_code(client, owner, guest, contended):
    resource = room(owner, booking_mode="instant")
    client.force_login(guest)
    response = client.post(
        f"/api/v1/resources/{resource.pk}/bookings",
        {"start": days(5).isoformat(), "end": days(7).isoformat()},
        content_type="application/json",
    )
    assert response.status_code == 503
    assert response["Retry-After"] == str(transactions.RETRY_AFTER)
    assert response.json()["code"] == "core.busy"
    assert not resource.bookings.exists()


@pytest.mark.django_db(transaction=True)
def test_a_page_answers_503_with_a_page_that_asks_to_try_again(client, owner, guest, contended):
    resource = room(owner, booking_mode="instant")
    client.force_login(guest)
    client.raise_request_exception = False
    response = client.post(
        f"/resources/{resource.pk}/book/",
        {"start": days(5).isoformat(), "end": days(7).isoformat(), "people": 1},
    )
    assert response.status_code == 503
    assert response["Retry-After"] == str(transactions.RETRY_AFTER)
    page = response.content.decode()
    assert str(transactions.Busy.message) in page
    assert "core.busy" not in page  # no internal code on a page
    assert not resource.bookings.exists()


# --- a real deadlock on PostgreSQL --------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="row locks need PostgreSQL")
def test_a_real_deadlock_is_retried_and_both_sides_succeed(make_user):
    """Two entry points lock two rows in opposite orders (what the lock order forbids): the
    database breaks the cycle by failing one, which runs again and succeeds."""
    users = [make_user("alice"), make_user("bob")]
    barrier = threading.Barrier(2)
    attempts = []

    @transactions.entry_point
    def lock_both(first, second):
        with transactions.atomic():
            attempts.append(first.pk)
            User.objects.select_for_update(no_key=True).filter(pk=first.pk).first()
            if len(attempts) <= 2:
                barrier.wait(10)  # both hold their first row
            User.objects.select_for_update(no_key=True).filter(pk=second.pk).first()
            return first.pk

    def run(i):
        try:
            return lock_both(users[i], users[1 - i])
        finally:
            connection.close()

    results = []
    threads = [threading.Thread(target=lambda i=i: results.append(run(i))) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == sorted(u.pk for u in users)
    assert len(attempts) == 3  # one side deadlocked once and ran again


# --- one way to open a transaction and to lock, checked over the source -------------------

# ChainHead: no row points at it (no foreign-key check takes FOR KEY SHARE on it), and the
# sealer is its only writer; owned by the ledger's chain code.
_PLAIN_LOCK_ALLOWED = {"meaningflow/ledger/services/chain.py"}
# The one module below Django's public database API (docs/LEDGER.md, "The posting path").
_INTERNALS_ALLOWED = {"meaningflow/ledger/services/driver.py"}


def _service_modules():
    root = Path(__file__).resolve().parents[3]
    for path in sorted((root / "meaningflow").rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        if "/tests/" in relative or "/migrations/" in relative:
            continue
        if path.name == "services.py" or "/services/" in relative or path.name == "two_factor.py":
            yield relative, path.read_text()


def _chain(node, parents) -> list[str]:
    """The method names of the whole ``a.b(...).c(...)`` expression ``node`` is part of."""
    while isinstance(parents.get(node), ast.Attribute | ast.Call):
        node = parents[node]
    names = []
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            names.append(node.attr)
            node = node.value
        else:
            return names


def test_every_service_locks_only_its_rows_and_opens_transactions_through_the_helper():
    """Issue 12 items 1 and 14, as a check over every services module: no copy of
    ``atomic(durable=not …in_atomic_block)``, no ``transaction.atomic(durable=…)`` of its own,
    every ``select_for_update`` is ``no_key=True`` and has ``of=`` when it reads related rows."""
    problems = []
    for relative, source in _service_modules():
        tree = ast.parse(source)
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr == "in_atomic_block"
                and relative not in _INTERNALS_ALLOWED
            ):
                problems.append(f"{relative}:{node.lineno} reads in_atomic_block")
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            keywords = {k.arg for k in node.keywords}
            owner = node.func.value
            plain = isinstance(owner, ast.Name) and owner.id == "transaction"
            if node.func.attr == "atomic" and plain and "durable" in keywords:
                problems.append(f"{relative}:{node.lineno} transaction.atomic(durable=…)")
            if node.func.attr == "select_for_update" and relative not in _PLAIN_LOCK_ALLOWED:
                if "no_key" not in keywords:
                    problems.append(f"{relative}:{node.lineno} select_for_update without no_key=True")
                if "select_related" in _chain(node, parents) and "of" not in keywords:
                    problems.append(f"{relative}:{node.lineno} select_for_update with select_related, no of=")
    assert problems == []
