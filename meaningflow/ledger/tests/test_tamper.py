"""Tamper evidence against a database writer (issue 12 item 2, BX-7, CV-1).

Someone who can write the database can rewrite a transaction, recompute its hashes and the
whole chain after it and delete the checkpoints, or delete the newest transaction with its
checkpoint. Both pass every check that reads only the database. They are caught because every
signed checkpoint is also published outside the database (docs/LEDGER.md "Published
checkpoints"): ``ledger_verify`` compares the chain with the published log, and ``ledger_seal``
refuses to sign a history that does not extend it.
"""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from meaningflow.core.models import AuditEvent
from meaningflow.ledger import hashing, services
from meaningflow.ledger.models import ChainHead, Checkpoint, Contribution, Posting, Transaction
from meaningflow.ledger.tests.factories import mint
from meaningflow.ledger.verify import ledger_verify

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture
def sealed(alice, bob):
    """Four sealed transactions in two checkpoints (the second holds only alice's last mint)."""
    mint(alice, 2)
    mint(bob, 3)
    mint(alice, 1)
    services.ledger_seal(grace_seconds=0)
    mint(alice, 1)
    services.ledger_seal(grace_seconds=0)
    assert Checkpoint.objects.count() == 2
    assert ledger_verify() == []


def _execute(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _rehash(tx: Transaction) -> None:
    postings = Posting.objects.filter(transaction=tx).values_list("account_id", "unit_id", "amount")
    tx.refresh_from_db()
    content = hashing.content_hash(
        kind=tx.kind,
        memo=tx.memo,
        cause=tx.cause,
        idempotency_key=tx.idempotency_key,
        created_at=hashing.normalise_stamp(tx.created_at),
        postings=postings,
    )
    Transaction.objects.filter(pk=tx.pk).update(content_hash=content)


def _rechain() -> None:
    """What a careful forger does after editing: relink the whole chain and move the head."""
    prev = hashing.GENESIS
    for pk, content in Transaction.objects.filter(seq__isnull=False).order_by("seq").values_list("pk", "content_hash"):
        link = hashing.chain_hash(prev, content)
        Transaction.objects.filter(pk=pk).update(prev_hash=prev, chain_hash=link)
        prev = link
    last = Transaction.objects.filter(seq__isnull=False).order_by("-seq").first()
    ChainHead.objects.filter(pk=1).update(seq=last.seq if last else 0, chain_hash=prev)


def forge_rewrite(bob, *, delete_checkpoints: bool = True) -> Transaction:
    """Attack (a): bob's sealed mint credits 500 CV more, with a new memo; the contribution,
    the balance, the content hash and the chain after it are made consistent again and the
    checkpoints deleted."""
    tx = Transaction.objects.get(contribution__beneficiary=bob)
    _execute("UPDATE ledger_posting SET amount = amount + 500 WHERE transaction_id = %s AND amount > 0", [tx.pk])
    _execute("UPDATE ledger_posting SET amount = amount - 500 WHERE transaction_id = %s AND amount < 0", [tx.pk])
    _execute("UPDATE ledger_account SET balance = balance + 500 WHERE owner_id = %s", [bob.pk])
    Contribution.objects.filter(ledger_transaction=tx).update(credited=1100, amount=1100, cap_counted=1100)
    Transaction.objects.filter(pk=tx.pk).update(memo="rewritten")
    _rehash(tx)
    _rechain()
    if delete_checkpoints:
        Checkpoint.objects.all().delete()
    return tx


def forge_delete_last(alice) -> Transaction:
    """Attack (b): the newest sealed transaction disappears with its postings, its contribution,
    its balance effect and its checkpoint; the head moves back."""
    tx = Transaction.objects.order_by("-seq").first()
    amount = Posting.objects.get(transaction=tx, account__owner=alice).amount
    _execute("UPDATE ledger_account SET balance = balance - %s WHERE owner_id = %s", [amount, alice.pk])
    _execute("DELETE FROM ledger_posting WHERE transaction_id = %s", [tx.pk])
    _execute("DELETE FROM ledger_contribution WHERE ledger_transaction_id = %s", [tx.pk])
    _execute("DELETE FROM ledger_transaction WHERE id = %s", [tx.pk])
    Checkpoint.objects.filter(seq_to=tx.seq).delete()
    _rechain()
    return tx


def _codes() -> set[str]:
    return {v.code for v in ledger_verify()}


def _seal_refused() -> str:
    before = Checkpoint.objects.count()
    with pytest.raises(CommandError) as excinfo:
        call_command("ledger_seal", "--grace", "0", stdout=io.StringIO())
    assert Checkpoint.objects.count() == before  # nothing signed
    return str(excinfo.value)


def test_rewritten_history_is_detected_and_never_signed(sealed, alice, bob):
    forged = forge_rewrite(bob)
    codes = _codes()
    # Every check that reads only the database passes: the forgery is consistent…
    assert not codes & {"content_hash", "chain_link", "chain_gap", "chain_head", "balance", "credit", "unbalanced"}
    # …but it no longer reaches what was published, and the published checkpoints are gone.
    assert {"published_chain", "published_missing"} <= codes
    violations = [v for v in ledger_verify() if v.code == "published_chain"]
    assert violations[0].ref == "ledger.checkpoint:3"  # the first checkpoint after the rewrite
    assert forged.seq <= 3

    mint(alice, 1)  # the next seal would have signed the forged history with the real key
    message = _seal_refused()
    assert "published" in message
    event = AuditEvent.objects.get(action="ledger.seal.refused")
    assert event.data["code"] == "ledger.seal.published_chain"
    assert Transaction.objects.filter(seq__isnull=True).count() == 1  # left unsealed


def test_deleted_newest_transaction_is_detected_and_never_signed(sealed, alice):
    deleted = forge_delete_last(alice)
    codes = _codes()
    assert not codes & {"content_hash", "chain_link", "chain_gap", "chain_head", "balance", "credit"}
    assert {"published_missing", "published_chain"} <= codes
    assert any(v.ref == f"ledger.checkpoint:{deleted.seq}" for v in ledger_verify() if v.code == "published_missing")

    mint(alice, 1)
    _seal_refused()
    assert AuditEvent.objects.get(action="ledger.seal.refused").data["code"] == "ledger.seal.published_missing"


def test_deleted_checkpoints_alone_are_reported_and_stop_the_sealer(sealed, alice):
    Checkpoint.objects.all().delete()
    assert {"published_missing", "uncovered"} <= _codes()
    mint(alice, 1)
    _seal_refused()
    assert AuditEvent.objects.get(action="ledger.seal.refused").data["code"] == "ledger.seal.checkpoint_mismatch"
