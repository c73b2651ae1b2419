"""Random sequences of ledger operations; every invariant is checked after every step.

Runs on SQLite and PostgreSQL. Each example runs inside a savepoint that is rolled back,
so examples do not see each other's rows.
"""

import io
import tempfile
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Sum
from django.test import override_settings
from django.utils import timezone
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    rule,
    run_state_machine_as_test,
)

from meaningflow.ledger import selectors, services
from meaningflow.ledger.models import Account, Hold, Posting, Unit
from meaningflow.ledger.parameters import default_document
from meaningflow.ledger.verify import ledger_verify

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


class LedgerMachine(RuleBasedStateMachine):
    users: list = []
    holds = Bundle("holds")

    def __init__(self):
        super().__init__()
        # Each example rolls its database back, so it publishes checkpoints into its own log.
        self._log = tempfile.TemporaryDirectory(prefix="mf-sm-log-")
        self._log_setting = override_settings(LEDGER_CHECKPOINT_DIR=self._log.name)
        self._log_setting.enable()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.domain = services.domain_create(code="sm", name_zh="测", name_en="SM", conversion_budget=400)
        self.n = 0
        self.day = timezone.localdate()
        self.retries: list[tuple] = []

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)
        self._log_setting.disable()
        self._log.cleanup()

    def _key(self) -> str:
        self.n += 1
        return f"sm-{self.n}"

    def _maybe(self, func, **kwargs):
        try:
            return func(**kwargs)
        except ValidationError:
            return None  # refused (not enough CV, budget, cap): nothing may have changed

    @rule(who=st.integers(0, 1), nights=st.integers(1, 5), in_domain=st.booleans())
    def mint(self, who, nights, in_domain):
        key = self._key()
        kwargs = {
            "beneficiary": self.users[who],
            "kind": "resource",
            "idempotency_key": key,
            "inputs": {"resource_type": "room", "duration": nights},
            "domain": self.domain if in_domain else None,
        }
        result = services.contribution_record(**kwargs)
        assert result.credited <= result.amount
        self.retries.append((services.contribution_record, kwargs, result.pk))

    @rule(target=holds, who=st.integers(0, 1), amount=st.integers(1, 700))
    def hold(self, who, amount):
        return self._maybe(
            services.hold_place,
            user=self.users[who],
            amount=amount,
            cause="resources.booking:1",
            idempotency_key=self._key(),
        )

    @rule(hold=consumes(holds))
    def release(self, hold):
        if hold is not None:
            assert services.hold_release(hold=hold).status == Hold.Status.RELEASED

    @rule(hold=consumes(holds), part=st.integers(1, 700))
    def consume(self, hold, part):
        if hold is not None:
            self._maybe(services.hold_consume, hold=hold, amount=part)

    @rule(who=st.integers(0, 1), amount=st.integers(1, 500))
    def use(self, who, amount):
        self._maybe(
            services.use_record,
            user=self.users[who],
            amount=amount,
            cause="skills.enrolment:1",
            idempotency_key=self._key(),
        )

    @rule(who=st.integers(0, 1), amount=st.integers(1, 500))
    def convert(self, who, amount):
        key = self._key()
        kwargs = {
            "user": self.users[who],
            "domain": self.domain,
            "amount": amount,
            "idempotency_key": key,
        }
        tx = self._maybe(services.domain_convert, **kwargs)
        if tx is not None:
            self.retries.append((services.domain_convert, kwargs, tx.pk))

    @rule(days=st.integers(30, 400))
    def decay(self, days):
        self.day += timedelta(days=days)
        before = {a.pk: a.balance for a in Account.objects.filter(kind=Account.Kind.PERSON)}
        services.decay_run(as_of=self.day, chunk_size=1, stream=io.StringIO())
        for account in Account.objects.filter(kind=Account.Kind.PERSON):
            assert 0 <= account.balance <= before.get(account.pk, 0)

    @rule(who=st.integers(0, 1))
    def penalty(self, who):
        services.penalty_reset(
            user=self.users[who],
            reason="test",
            cause="reputation.case:1",
            idempotency_key=self._key(),
        )
        assert selectors.available_balance_of(self.users[who]) == 0

    @rule(data=st.data())
    def retry(self, data):
        if self.retries:
            func, kwargs, pk = data.draw(st.sampled_from(self.retries))
            assert func(**kwargs).pk == pk

    @rule()
    def seal(self):
        services.ledger_seal(grace_seconds=0)

    @invariant()
    def bank_check(self):
        # Jepsen-style: every unit sums to zero over all accounts (system ones included),
        # i.e. the person balances equal minted − burned − decayed − taken.
        for unit in Unit.objects.all():
            assert (Posting.objects.filter(unit=unit).aggregate(s=Sum("amount"))["s"] or 0) == 0

    @invariant()
    def ledger_is_sound(self):
        assert ledger_verify() == []


def test_random_operation_sequences(alice, bob):
    document = default_document()
    document["annual_cap"] = 2500  # low enough that random minting reaches it
    services.parameter_set_publish(document=document, effective_from=date(2020, 1, 2), allow_past=True)
    LedgerMachine.users = [alice, bob]
    steps = 25 if connection.vendor == "sqlite" else 15
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(max_examples=15, stateful_step_count=steps, deadline=None),
    )
