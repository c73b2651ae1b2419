"""Tamper evidence: edits and deletions made behind the services' back are named."""

import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from meaningflow.ledger import hashing, services
from meaningflow.ledger.models import Posting, Transaction
from meaningflow.ledger.tests.factories import key, mint
from meaningflow.ledger.verify import ledger_verify, statement_build, verify_statement

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture
def history(alice, bob):
    mint(alice, 2)
    mint(bob, 3)
    hold = services.hold_place(user=alice, amount=100, cause="resources.booking:9", idempotency_key=key())
    services.hold_consume(hold=hold, amount=60)
    mint(alice, 1)
    services.ledger_seal(grace_seconds=0)
    assert ledger_verify() == []


def _verify_output() -> str:
    with pytest.raises(CommandError) as excinfo:
        call_command("ledger_verify", stdout=(out := __import__("io").StringIO()))
    return out.getvalue() + str(excinfo.value)


def test_changed_posting_amount_is_named(history):
    posting = Posting.objects.filter(account__owner__username="bob").first()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE ledger_posting SET amount = amount + 1 WHERE id = %s", [posting.pk])
    output = _verify_output()
    assert f"ledger.transaction:{posting.transaction_id}" in output
    assert "unbalanced" in output and "content_hash" in output and "balance" in output


def test_deleted_transaction_breaks_the_chain(history):
    tx = Transaction.objects.filter(kind=Transaction.Kind.MINT).order_by("seq")[1]
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM ledger_posting WHERE transaction_id = %s", [tx.pk])
        cursor.execute("DELETE FROM ledger_contribution WHERE ledger_transaction_id = %s", [tx.pk])
        cursor.execute("DELETE FROM ledger_transaction WHERE id = %s", [tx.pk])
    output = _verify_output()
    assert "chain_gap" in output and f"seq{tx.seq}" in output
    assert "checkpoint" in output


def test_changed_memo_is_detected(history):
    tx = Transaction.objects.first()
    Transaction.objects.filter(pk=tx.pk).update(memo="rewritten")
    assert any(v.code == "content_hash" and v.ref == f"ledger.transaction:{tx.pk}" for v in ledger_verify())


def test_statement_verifies_and_detects_forgery(history, alice):
    statement = statement_build(user=alice)
    assert len(statement["transactions"]) == 4
    assert verify_statement(statement, public_key=hashing.public_key_hex()) == []
    forged = json.loads(json.dumps(statement))
    forged["transactions"][0]["postings"][0]["amount"] += 100
    forged["accounts"][0]["balance"] += 100
    problems = verify_statement(forged)
    assert any("not part of the transaction" in p for p in problems)
    assert any("signature" in p for p in problems)


def test_verify_statement_command(history, alice, tmp_path):
    path = tmp_path / "statement.json"
    path.write_text(json.dumps(statement_build(user=alice)))
    out = __import__("io").StringIO()
    call_command("ledger_verify_statement", str(path), stdout=out)
    assert "statement verifies" in out.getvalue()
