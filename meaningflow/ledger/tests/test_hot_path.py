"""The posting hot path (person_post), the decay chunks and the audit trail; SQLite and
PostgreSQL."""

import json
import random
from datetime import UTC, date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st
from psycopg.pq import TransactionStatus

from meaningflow.core.errors import error_codes
from meaningflow.core.models import AuditEvent
from meaningflow.ledger import hashing, selectors, services
from meaningflow.ledger.models import Account, Transaction
from meaningflow.ledger.services import contributions, core
from meaningflow.ledger.tests.factories import key, mint
from meaningflow.ledger.verify import ledger_verify

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def _use(user, amount, **kwargs):
    return services.use_record(
        user=user, amount=amount, cause="skills.enrolment:1", idempotency_key=key("use"), **kwargs
    )


def test_postings_root_is_the_merkle_root_of_the_posting_hashes():
    rng = random.Random(7)
    for size in range(12):
        postings = [
            (rng.randrange(1, 10**6), rng.randrange(1, 9), rng.randrange(-(10**9), 10**9) or 1) for _ in range(size)
        ]
        reference = hashing.merkle_root([hashing.posting_value(p) for p in hashing.sorted_postings(postings)])
        assert hashing.postings_root(postings) == reference


def test_the_lean_path_checks_the_balance_under_the_lock(alice):
    mint(alice, 1)  # 200
    _use(alice, 150)  # the general path; remembers the account's id
    unit = core.unit_for(domain=None)
    assert (alice.pk, unit.pk) in core._account_ids
    with pytest.raises(ValidationError) as refused:
        _use(alice, 100)
    assert error_codes(refused.value) == ["ledger.insufficient"]
    tx = _use(alice, 50)
    assert tx.pk and tx.kind == Transaction.Kind.CONSUME and tx.content_hash
    assert selectors.balance_of(alice) == 0
    assert ledger_verify() == []


def test_a_wrong_account_id_hint_never_touches_another_account(alice, bob):
    mint(alice, 1)
    mint(bob, 1)
    unit = core.unit_for(domain=None)
    bobs = Account.objects.get(owner=bob, unit=unit).pk
    core._account_ids[(alice.pk, unit.pk)] = bobs  # as if stale
    _use(alice, 30)
    core._account_ids[(alice.pk, unit.pk)] = 10**9  # no such row
    _use(alice, 20)
    assert selectors.balance_of(alice) == 150
    assert selectors.balance_of(bob) == 200
    assert core._account_ids[(alice.pk, unit.pk)] == Account.objects.get(owner=alice, unit=unit).pk
    assert ledger_verify() == []


def test_query_logging_sees_the_hot_path(alice):
    mint(alice, 1)
    _use(alice, 1)
    with CaptureQueriesContext(connection) as queries:
        _use(alice, 1)
    assert any("ledger_transaction" in q["sql"] for q in queries.captured_queries)
    assert selectors.balance_of(alice) == 198
    assert ledger_verify() == []


def _a_retry_returns_the_first_transaction(alice):
    """Shared by the two paths: inside a caller's transaction and in the use's own."""
    mint(alice, 1)
    _use(alice, 1)
    first = services.use_record(user=alice, amount=5, cause="x:1", idempotency_key="same")
    again = services.use_record(user=alice, amount=5, cause="x:1", idempotency_key="same")
    assert again.pk == first.pk
    with pytest.raises(services.IdempotencyConflict):
        services.use_record(user=alice, amount=6, cause="x:1", idempotency_key="same")
    assert selectors.balance_of(alice) == 194


def test_a_retry_on_the_lean_path_returns_the_first_transaction(alice):
    _a_retry_returns_the_first_transaction(alice)


def test_postings_write_no_audit_event_but_penalties_and_conversions_do(alice, superuser):
    mint(alice, 5)
    AuditEvent.objects.all().delete()
    _use(alice, 10)
    hold = services.hold_place(user=alice, amount=20, cause="resources.booking:1", idempotency_key=key())
    assert not AuditEvent.objects.exists()
    services.hold_release(hold=hold)
    assert AuditEvent.objects.filter(action="ledger.hold.released").count() == 1
    domain = services.domain_create(code="d1", name_zh="域", name_en="D1")
    mint(alice, 1, domain=domain)
    services.domain_convert(user=alice, domain=domain, amount=100, idempotency_key=key())
    assert AuditEvent.objects.filter(action="ledger.domain.converted").count() == 1
    services.penalty_reset(user=alice, reason="fake", cause="reputation.case:1", idempotency_key=key(), actor=superuser)
    event = AuditEvent.objects.get(action="ledger.penalty.reset")
    assert event.actor == superuser and event.reason == "fake"
    assert ledger_verify() == []


def test_decay_in_large_chunks_matches_decay_in_small_ones(make_user):
    users = [make_user(f"u{i}") for i in range(7)]
    for i, user in enumerate(users):
        mint(user, i + 1)
    Account.objects.filter(kind=Account.Kind.PERSON).update(
        decayed_through=date(2025, 1, 1), last_activity_on=date(2025, 6, 1)
    )
    Account.objects.filter(owner=users[0]).update(last_activity_on=date(2020, 1, 1))  # inactive
    services.decay_run(as_of=date(2025, 7, 1), chunk_size=3)
    services.decay_run(as_of=date(2026, 1, 1))
    balances = [selectors.balance_of(u) for u in users]
    # 181 + 184 days are the year from 2025-01-01: exactly 5 % gone, whatever the chunks.
    assert balances[0] == 0  # inactive since 2020: past the inactivity period and its ramp
    assert balances[1:] == [190 * n for n in range(2, 8)]
    assert Transaction.objects.filter(kind=Transaction.Kind.DECAY).count() == 4
    assert AuditEvent.objects.filter(action="ledger.decay.posted").count() == 2
    assert ledger_verify() == []


def test_a_contribution_may_use_a_demand_index(alice):
    inputs = {"resource_type": "room", "duration": 2, "demand_index": Decimal("1.4")}
    contribution = services.contribution_record(beneficiary=alice, kind="resource", inputs=inputs, idempotency_key="c1")
    assert contribution.amount == 560  # 200 × 2 × 1.4
    assert contribution.explanation["factors"]["demand_index_input"] == "1.4"
    again = services.contribution_record(beneficiary=alice, kind="resource", inputs=inputs, idempotency_key="c1")
    assert again.pk == contribution.pk


@given(
    text=st.text(max_size=40),
    stamp=st.datetimes(timezones=st.just(UTC)).map(lambda d: d.isoformat(timespec="microseconds")),
)
def test_the_canonical_header_is_the_json_encoders_output(text, stamp):
    fields = {"kind": "consume", "memo": text, "cause": text[::-1], "idempotency_key": text * 2}
    # The definition: the transaction's fields as one JSON object, keys sorted, compact, UTF-8.
    body = {"kind": "consume", "memo": text, "cause": text[::-1], "key": text * 2, "at": stamp}
    reference = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert hashing.canonical_header(created_at=stamp, **fields) == reference


@pytest.mark.django_db(transaction=True)
def test_a_use_outside_any_transaction_commits_on_its_own_and_checks_the_balance(alice, monkeypatch):
    mint(alice, 1)  # 200
    _use(alice, 1)  # the general path; remembers the account's id
    lean = []
    standalone = contributions.person_post_standalone
    monkeypatch.setattr(
        contributions, "person_post_standalone", lambda prepare: lean.append(standalone(prepare)) or lean[-1]
    )
    tx = _use(alice, 120)
    assert lean == [tx]
    stored = Transaction.objects.get(pk=tx.pk)
    assert (stored.created_at, stored.content_hash) == (tx.created_at, tx.content_hash)
    assert stored.postings.count() == 2
    with pytest.raises(ValidationError) as refused:
        _use(alice, 80)
    assert error_codes(refused.value) == ["ledger.insufficient"]
    assert Transaction.objects.filter(kind=Transaction.Kind.CONSUME).count() == 2  # nothing half-written
    assert not connection.in_atomic_block and connection.get_autocommit()
    if connection.vendor == "sqlite":  # the driver's own view: no transaction left open
        assert not connection.connection.in_transaction
    else:
        assert connection.connection.info.transaction_status == TransactionStatus.IDLE
    assert selectors.balance_of(alice) == 79
    assert Account.objects.get(owner=alice).last_activity_on == timezone.localdate()
    assert ledger_verify() == []


@pytest.mark.django_db(transaction=True)
def test_a_retry_outside_any_transaction_returns_the_first_result(alice):
    _a_retry_returns_the_first_transaction(alice)
    assert ledger_verify() == []


@pytest.mark.django_db(transaction=True)
def test_a_use_inside_a_callers_transaction_rolls_back_with_it(alice):
    mint(alice, 1)
    _use(alice, 1)
    with pytest.raises(RuntimeError), transaction.atomic():
        _use(alice, 50)
        raise RuntimeError("the caller's work failed")
    assert selectors.balance_of(alice) == 199
    unit = core.unit_for(domain=None)
    core._account_ids[(alice.pk, unit.pk)] = 10**9  # a stale hint: the general path instead
    _use(alice, 9)
    assert selectors.balance_of(alice) == 190
    assert ledger_verify() == []
