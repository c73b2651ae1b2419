"""The published checkpoint log, the signing key and statements as witnesses (BX-7)."""

import io
import json
import os
import stat

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from meaningflow.core.models import AuditEvent
from meaningflow.ledger import hashing, publication, services
from meaningflow.ledger.models import Checkpoint, Transaction
from meaningflow.ledger.publication import PublicationConflict, PublishedCheckpoint
from meaningflow.ledger.services import SealRefused
from meaningflow.ledger.tests.factories import mint
from meaningflow.ledger.tests.test_tamper import forge_rewrite
from meaningflow.ledger.verify import (
    ledger_verify,
    ledger_verify_report,
    statement_against_log,
    statement_build,
    verify_statement,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

SEED_A = "11" * 32
SEED_B = "22" * 32


def _published() -> list[PublishedCheckpoint]:
    return publication.log_read().checkpoints


@pytest.fixture
def sealed(alice, bob):
    mint(alice, 2)
    mint(bob, 3)
    services.ledger_seal(grace_seconds=0)
    mint(alice, 1)
    services.ledger_seal(grace_seconds=0)
    assert ledger_verify() == []


def test_every_checkpoint_is_published_as_a_read_only_file(sealed, ledger_checkpoint_dir):
    stored = [PublishedCheckpoint.of(c) for c in Checkpoint.objects.order_by("seq_to")]
    assert [(c.seq_from, c.seq_to) for c in stored] == [(1, 2), (3, 3)]
    assert _published() == stored
    files = sorted((ledger_checkpoint_dir / "checkpoints").iterdir())
    assert [f.name for f in files] == [f"{1:020d}.json", f"{3:020d}.json"]
    assert all(not os.stat(f).st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) for f in files)
    assert json.loads(files[0].read_text())["signature"] == stored[0].signature
    assert publication.log_read().keys == [publication.PublishedKey(hashing.public_key_hex(), 1)]


def test_a_published_checkpoint_is_never_overwritten(sealed, ledger_checkpoint_dir):
    store = publication.checkpoint_store()
    first = _published()[0]
    path = ledger_checkpoint_dir / "checkpoints" / f"{1:020d}.json"
    before = path.read_bytes()
    assert store.publish(publication.CHECKPOINTS, 1, first.record()) is False  # the same again: nothing to do
    forged = PublishedCheckpoint(**{**first.__dict__, "chain_hash": "f" * 64})
    with pytest.raises(PublicationConflict):
        store.publish(publication.CHECKPOINTS, 1, forged.record())
    assert path.read_bytes() == before
    assert not [n for n in os.listdir(path.parent) if n.startswith(".")]  # no temporary file left


def test_a_crash_between_commit_and_publication_is_caught_up(alice, monkeypatch):
    mint(alice, 1)
    services.ledger_seal(grace_seconds=0)
    mint(alice, 1)

    def crash(*args, **kwargs):
        raise OSError("disk gone")

    with monkeypatch.context() as patch:
        patch.setattr(publication, "checkpoint_publish", crash)
        with pytest.raises(OSError, match="disk gone"):
            services.ledger_seal(grace_seconds=0)
    assert Checkpoint.objects.count() == 2 and len(_published()) == 1
    report = ledger_verify_report()
    assert report.violations == []
    assert any("not published yet" in note for note in report.notes)

    mint(alice, 1)
    assert services.ledger_seal(grace_seconds=0) == 1  # publishes the pending one, then seals
    assert _published() == [PublishedCheckpoint.of(c) for c in Checkpoint.objects.order_by("seq_to")]
    assert ledger_verify_report().notes == []
    assert ledger_verify() == []


def test_an_unpublished_checkpoint_over_a_rewritten_range_is_refused(alice, bob, monkeypatch):
    mint(alice, 1)
    services.ledger_seal(grace_seconds=0)
    mint(bob, 1)
    with monkeypatch.context() as patch:
        patch.setattr(publication, "checkpoint_publish", lambda *a, **k: None)  # publication lost
        services.ledger_seal(grace_seconds=0)
    forge_rewrite(bob, delete_checkpoints=False)  # seq 2: only the database's checkpoint covers it
    with pytest.raises(SealRefused) as excinfo:
        services.ledger_seal(grace_seconds=0)
    assert excinfo.value.code == "ledger.seal.unpublished_mismatch"
    assert len(_published()) == 1
    assert "checkpoint" in {v.code for v in ledger_verify()}


def test_a_stored_checkpoint_that_differs_from_the_published_one(sealed, alice):
    Checkpoint.objects.filter(seq_to=3).update(signature="00" * 64)
    assert [v.code for v in ledger_verify()] == ["published_mismatch"]
    mint(alice, 1)
    with pytest.raises(SealRefused) as excinfo:
        services.ledger_seal(grace_seconds=0)
    assert excinfo.value.code == "ledger.seal.checkpoint_mismatch"
    assert AuditEvent.objects.filter(action="ledger.seal.refused").count() == 1


def test_a_damaged_published_log_is_reported_and_stops_the_sealer(sealed, alice, ledger_checkpoint_dir):
    (ledger_checkpoint_dir / "checkpoints" / f"{4:020d}.json").write_text("{not json")
    assert "published_log" in {v.code for v in ledger_verify()}
    mint(alice, 1)
    with pytest.raises(SealRefused) as excinfo:
        services.ledger_seal(grace_seconds=0)
    assert excinfo.value.code == "ledger.seal.log_unreadable"


def test_a_stray_file_in_the_log_is_reported_and_statements_still_download(
    sealed, alice, client, ledger_checkpoint_dir
):
    (ledger_checkpoint_dir / "checkpoints" / "notes.txt").write_text("hello")
    assert [v.code for v in ledger_verify()] == ["published_log"]
    client.force_login(alice)
    response = client.get("/api/v1/cv/statement")
    assert response.status_code == 200
    assert response.json()["checkpoints"] == {}
    assert verify_statement(response.json(), public_key=hashing.public_key_hex()) == []


def test_a_gap_in_the_published_log_is_reported(sealed, ledger_checkpoint_dir):
    path = ledger_checkpoint_dir / "checkpoints" / f"{1:020d}.json"
    path.unlink()  # the file is read-only, its directory is not: an operator could
    codes = [v.code for v in ledger_verify()]
    assert "published_log" in codes and "unpublished" in codes


@override_settings(LEDGER_SIGNING_SEED=SEED_A)
def test_the_signing_key_is_not_in_the_database(sealed, alice, settings):
    mint(alice, 1)
    services.ledger_seal(grace_seconds=0)
    out = io.StringIO()
    call_command("dumpdata", "ledger", "core", stdout=out)
    dump = out.getvalue()
    private = hashing._private_key().private_bytes_raw().hex()
    assert private == SEED_A
    assert SEED_A not in dump and settings.SECRET_KEY not in dump
    assert hashing.public_key_hex() in dump  # only the public key is stored


def test_the_key_derived_from_secret_key_is_not_in_the_database(sealed):
    out = io.StringIO()
    call_command("dumpdata", "ledger", "core", stdout=out)
    assert hashing._private_key().private_bytes_raw().hex() not in out.getvalue()


def test_key_rotation_keeps_old_checkpoints_verifiable(alice, settings, tmp_path):
    settings.LEDGER_SIGNING_SEED = SEED_A
    mint(alice, 1)
    services.ledger_seal(grace_seconds=0)
    key_a = hashing.public_key_hex()
    settings.LEDGER_SIGNING_SEED, settings.LEDGER_RETIRED_PUBLIC_KEYS = SEED_B, [key_a]
    mint(alice, 1)
    services.ledger_seal(grace_seconds=0)
    key_b = hashing.public_key_hex()
    assert [(k.public_key, k.since_seq) for k in publication.log_read().keys] == [(key_a, 1), (key_b, 2)]
    assert ledger_verify() == []
    statement = statement_build(user=alice)
    assert {c["public_key"] for c in statement["checkpoints"].values()} == {key_a, key_b}
    assert verify_statement(statement, public_key=key_b, trusted_keys=[key_b, key_a]) == []
    path = tmp_path / "statement.json"
    path.write_text(json.dumps(statement))
    call_command("ledger_verify_statement", str(path), stdout=io.StringIO())

    settings.LEDGER_RETIRED_PUBLIC_KEYS = []  # forgetting the old key: its checkpoints are refused
    assert [v.ref for v in ledger_verify() if v.code == "published_signature"] == ["ledger.checkpoint:1"]
    assert any("not the platform's" in p for p in verify_statement(statement, trusted_keys=[key_b]))


def test_a_retired_key_cannot_sign_after_the_rotation(alice, settings):
    settings.LEDGER_SIGNING_SEED = SEED_A
    mint(alice, 1)
    services.ledger_seal(grace_seconds=0)
    key_a = hashing.public_key_hex()
    settings.LEDGER_SIGNING_SEED, settings.LEDGER_RETIRED_PUBLIC_KEYS = SEED_B, [key_a]
    mint(alice, 1)
    services.ledger_seal(grace_seconds=0)
    mint(alice, 1)
    for retired in ([key_a], []):  # listed as retired, or a host still holding the old secret
        settings.LEDGER_SIGNING_SEED, settings.LEDGER_RETIRED_PUBLIC_KEYS = SEED_A, retired
        with pytest.raises(SealRefused) as excinfo:
            services.ledger_seal(grace_seconds=0)
        assert excinfo.value.code == "ledger.seal.key_retired"
    assert len(_published()) == 2 and Transaction.objects.filter(seq__isnull=True).count() == 1


def test_statement_carries_the_published_checkpoints_and_the_log_head(sealed, alice, tmp_path):
    statement = statement_build(user=alice)
    published = {str(c.seq_to): {k: v for k, v in c.record().items() if k != "format"} for c in _published()}
    assert statement["checkpoints"] == published
    assert statement["log_head"] == published["3"]
    assert statement["key_history"] == [{"public_key": hashing.public_key_hex(), "since_seq": 1}]
    assert verify_statement(statement, public_key=hashing.public_key_hex()) == []
    assert statement_against_log(statement) == []


def test_a_statement_after_a_rewrite_does_not_verify(sealed, bob):
    forge_rewrite(bob)
    problems = verify_statement(statement_build(user=bob), public_key=hashing.public_key_hex())
    assert any("not included in its checkpoint" in p for p in problems)


def test_an_old_statement_witnesses_a_log_that_changed(sealed, alice, tmp_path, settings):
    statement = statement_build(user=alice)
    settings.LEDGER_CHECKPOINT_DIR = tmp_path / "another-log"  # the log the platform shows now
    assert statement_against_log(statement) == [
        "checkpoint 1…2 is not in the published log",
        "checkpoint 3…3 is not in the published log",
    ]
    path = tmp_path / "statement.json"
    path.write_text(json.dumps(statement))
    with pytest.raises(CommandError, match="does not verify"):
        call_command("ledger_verify_statement", str(path), stdout=io.StringIO())


def test_sealed_transactions_without_any_checkpoint_are_uncovered(sealed, alice):
    mint(alice, 1)
    tx = Transaction.objects.get(seq__isnull=True)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE ledger_transaction SET seq = 4, prev_hash = '', chain_hash = '' WHERE id = %s", [tx.pk])
    assert "uncovered" in {v.code for v in ledger_verify()}
    with pytest.raises(SealRefused) as excinfo:
        services.ledger_seal(grace_seconds=0)
    assert excinfo.value.code == "ledger.seal.uncovered"
