"""Races on PostgreSQL (SQLite serialises writers, so these only mean something here)."""

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Sum

from meaningflow.accounts.services import identity_verify
from meaningflow.ledger import selectors, services
from meaningflow.ledger.models import Account, Contribution, Posting, Transaction
from meaningflow.ledger.verify import ledger_verify

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="row locks need PostgreSQL"),
]


def _run(workers: int, job):
    barrier = threading.Barrier(workers)

    def wrapped(i):
        try:
            barrier.wait()
            return job(i)
        finally:
            connection.close()  # each thread has its own connection; leave none open

    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(wrapped, range(workers)))


def _unit_sums() -> dict:
    return dict(Posting.objects.values_list("unit_id").annotate(s=Sum("amount")).values_list("unit_id", "s"))


def test_concurrent_holds_and_uses_never_overspend(make_user):
    alice, bob = make_user("alice"), make_user("bob")
    for user in (alice, bob):
        services.contribution_record(
            beneficiary=user,
            kind="resource",
            idempotency_key=f"seed-{user.pk}",
            inputs={"resource_type": "room", "duration": 5},
        )  # 1000 each
    reads = []

    def job(i):
        user = (alice, bob)[i % 2]
        spent = 0
        for n in range(8):
            try:
                if n % 2:
                    services.use_record(user=user, amount=37, cause="x:1", idempotency_key=f"use-{i}-{n}")
                    spent += 37
                else:
                    hold = services.hold_place(user=user, amount=41, cause="x:2", idempotency_key=f"hold-{i}-{n}")
                    services.hold_consume(hold=hold, amount=29)
                    spent += 29
            except ValidationError:
                pass
            reads.append(_unit_sums())
        return user.pk, spent

    results = _run(12, job)
    for user in (alice, bob):
        spent = sum(s for pk, s in results if pk == user.pk)
        assert spent <= 1000
        assert selectors.balance_of(user) == 1000 - spent
    assert all(all(v == 0 for v in sums.values()) for sums in reads)
    assert not Account.objects.filter(kind=Account.Kind.PERSON, balance__lt=0).exists()
    assert ledger_verify() == []


def test_same_idempotency_key_at_once_mints_once(make_user):
    alice = make_user("alice")

    def job(i):
        return services.contribution_record(
            beneficiary=alice,
            kind="resource",
            idempotency_key="once",
            inputs={"resource_type": "room", "duration": 1},
        ).pk

    assert len(set(_run(8, job))) == 1
    assert selectors.balance_of(alice) == 200
    assert Transaction.objects.count() == 1


def test_concurrent_conversions_respect_the_budget(make_user):
    domain = services.domain_create(code="race", name_zh="竞", name_en="Race", conversion_budget=500)
    users = [make_user(f"user{i}") for i in range(6)]
    for user in users:
        services.contribution_record(
            beneficiary=user,
            kind="resource",
            idempotency_key=f"d-{user.pk}",
            inputs={"resource_type": "room", "duration": 2},
            domain=domain,
        )

    def job(i):
        try:
            return services.domain_convert(user=users[i], domain=domain, amount=400, idempotency_key=f"c{i}").pk
        except ValidationError:
            return None

    done = [pk for pk in _run(6, job) if pk]
    assert len(done) == 2  # 200 Global CV each, budget 500
    assert ledger_verify() == []


def test_concurrent_credits_in_several_units_never_pass_the_one_annual_cap(make_user):
    """CV-6: the cap is one figure across units; credits of one person in Global CV and two
    domains at once all queue on the person's Global account, so the year's total stays
    within the cap."""
    alice = make_user("alice")
    garden = services.domain_create(code="garden", name_zh="花园", name_en="Garden", conversion_rate=Decimal("0.5"))
    choir = services.domain_create(code="choir", name_zh="合唱", name_en="Choir", conversion_rate=Decimal("0.25"))
    domains = [None, garden, choir]

    def job(i):
        return services.contribution_record(
            beneficiary=alice,
            kind="community",
            inputs={"participants": 300},  # 3,000 CV in its unit
            idempotency_key=f"race-{i}",
            domain=domains[i % 3],
        ).cap_counted

    counted = _run(12, job)
    assert sum(counted) <= 20_000
    total = Contribution.objects.filter(beneficiary=alice).aggregate(s=Sum("cap_counted"))["s"]
    assert total == sum(counted) and total > 19_000  # the cap was filled, not passed
    assert ledger_verify() == []


def test_a_verification_racing_with_recordings_leaves_nothing_waiting(make_user):
    """ID-2: contributions recorded while the person verifies their identity are either
    credited by the verification or see the identity themselves — none is left waiting
    (repeated for five people: the race is narrow)."""
    for round_ in range(5):
        newcomer = make_user(f"newcomer{round_}", verified=False)

        def job(i, newcomer=newcomer, round_=round_):
            if i == 0:
                identity_verify(
                    user=newcomer, document_type="passport", legal_name="N", number=f"R{round_}234567", country="FR"
                )
                return
            for n in range(3):
                services.contribution_record(
                    beneficiary=newcomer,
                    kind="resource",
                    inputs={"resource_type": "room", "duration": 1},
                    idempotency_key=f"race-{round_}-{i}-{n}",
                )

        _run(6, job)
        assert not Contribution.objects.filter(status=Contribution.Status.PENDING_IDENTITY).exists()
        assert selectors.balance_of(newcomer) == 15 * 200
    assert ledger_verify() == []
