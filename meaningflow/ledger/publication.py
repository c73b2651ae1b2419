"""The published checkpoint log: every signed checkpoint, kept outside the database (BX-7).

A database writer can rewrite a transaction, recompute every hash after it and delete the
checkpoint rows; nothing inside the database can tell. So, as transparency logs do
(Certificate Transparency, Trillian, Sigstore Rekor), each signed checkpoint is also written
to an append-only store that the database's users cannot rewrite, and everything that checks
the ledger compares the chain with that log (docs/LEDGER.md "Published checkpoints").

The store holds two kinds of records, JSON, one object each, never overwritten:

* ``checkpoints/<seq_from, 20 digits>.json``: one signed checkpoint;
* ``keys/<since_seq, 20 digits>.json``: the signing key in force from that ``seq`` on
  (the published key history, so that checkpoints signed before a rotation still verify).

Names sort in sequence order, so a listing in name order is the log in order. The store's
interface is ``record(kind, number)``, ``numbers(kind)`` (sorted) and ``publish(kind, number,
record)`` (create-only); ``DirectoryStore`` implements it on a local directory. An object store with
object lock (S3 Object Lock in compliance mode, or any WORM bucket) implements the same
three with GET, LIST and a conditional PUT (``If-None-Match: *``).
"""

import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings

from meaningflow.ledger import hashing

CHECKPOINT_FORMAT = "meaningflow-cv-checkpoint/1"
KEY_FORMAT = "meaningflow-cv-key/1"
CHECKPOINTS, KEYS = "checkpoints", "keys"


class PublicationConflict(Exception):
    """A different record is already published under that name; the log is never rewritten."""


class RecordInvalid(ValueError):
    """A published record that cannot be read as one (named by its path)."""


@dataclass(frozen=True)
class PublishedCheckpoint:
    seq_from: int
    seq_to: int
    chain_hash: str
    merkle_root: str
    signature: str
    public_key: str

    @classmethod
    def of(cls, checkpoint) -> "PublishedCheckpoint":
        """From a ``ledger.Checkpoint`` row (or anything with the same attributes)."""
        return cls(**{name: getattr(checkpoint, name) for name in cls.__dataclass_fields__})

    @classmethod
    def from_record(cls, record: dict) -> "PublishedCheckpoint":
        if record.get("format") != CHECKPOINT_FORMAT:
            raise RecordInvalid("not a checkpoint record")
        try:
            return cls(
                seq_from=int(record["seq_from"]),
                seq_to=int(record["seq_to"]),
                chain_hash=str(record["chain_hash"]),
                merkle_root=str(record["merkle_root"]),
                signature=str(record["signature"]),
                public_key=str(record["public_key"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise RecordInvalid(f"checkpoint record without a valid {exc}") from exc

    def record(self) -> dict:
        return {"format": CHECKPOINT_FORMAT, **asdict(self)}

    def message(self) -> bytes:
        return hashing.checkpoint_message(
            seq_from=self.seq_from, seq_to=self.seq_to, chain_hash=self.chain_hash, merkle_root=self.merkle_root
        )

    def signature_valid(self) -> bool:
        return hashing.signature_valid(self.message(), self.signature, self.public_key)


@dataclass(frozen=True)
class PublishedKey:
    public_key: str
    since_seq: int

    @classmethod
    def from_record(cls, record: dict) -> "PublishedKey":
        if record.get("format") != KEY_FORMAT:
            raise RecordInvalid("not a key record")
        try:
            return cls(public_key=str(record["public_key"]), since_seq=int(record["since_seq"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise RecordInvalid(f"key record without a valid {exc}") from exc

    def record(self) -> dict:
        return {"format": KEY_FORMAT, **asdict(self)}


def _encode(record: dict) -> bytes:
    return (json.dumps(record, sort_keys=True, separators=(",", ":")) + "\n").encode()


class DirectoryStore:
    """The log in a local directory (``settings.LEDGER_CHECKPOINT_DIR``).

    A record is written to a temporary file in the same directory, flushed to disk, then
    hard-linked to its name: ``link`` fails when the name exists, so a record is never
    overwritten and readers never see half a file. Files are made read-only. Mount the
    directory from storage the database's users cannot write (another host, an append-only
    file system, a WORM volume); the application itself only ever creates files in it."""

    def __init__(self, root: Path | str):
        self.root = Path(root)

    def __str__(self) -> str:
        return str(self.root)

    @staticmethod
    def _name(number: int) -> str:
        return f"{number:020d}.json"

    def _read(self, path: Path) -> dict:
        try:
            record = json.loads(path.read_bytes())
        except (OSError, ValueError) as exc:
            raise RecordInvalid(f"{path}: {exc}") from exc
        if not isinstance(record, dict):
            raise RecordInvalid(f"{path}: not a JSON object")
        return record

    def record(self, kind: str, number: int) -> dict | None:
        path = self.root / kind / self._name(number)
        return self._read(path) if path.exists() else None

    def numbers(self, kind: str) -> list[int]:
        """The numbers of the records of ``kind``, ascending; a stray file is RecordInvalid."""
        folder = self.root / kind
        if not folder.is_dir():
            return []
        try:
            names = os.listdir(folder)
        except OSError as exc:
            raise RecordInvalid(f"{folder}: {exc}") from exc
        numbers = []
        for name in names:
            if name.startswith("."):
                continue  # a record being written
            stem, _dot, suffix = name.partition(".")
            if suffix != "json" or not stem.isdigit():
                raise RecordInvalid(f"{folder / name}: not a record name")
            numbers.append(int(stem))
        return sorted(numbers)

    def publish(self, kind: str, number: int, record: dict) -> bool:
        """Create the record; True if written, False if the same record was already there.
        Raises PublicationConflict if a different one is."""
        folder = self.root / kind
        folder.mkdir(parents=True, exist_ok=True)
        path, data = folder / self._name(number), _encode(record)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-")
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
                stream.flush()
                os.fsync(stream.fileno())
            os.chmod(temporary, 0o444)
            try:
                os.link(temporary, path)
            except FileExistsError:
                if path.read_bytes() != data:
                    raise PublicationConflict(f"{path} is already published with other content") from None
                return False
        finally:
            os.unlink(temporary)
        directory = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(directory)  # the new name survives a crash
        finally:
            os.close(directory)
        return True


def checkpoint_store() -> DirectoryStore:
    """The configured store (read at every call: tests give each test its own)."""
    return DirectoryStore(settings.LEDGER_CHECKPOINT_DIR)


# --- Reading and writing the log -------------------------------------------------------


@dataclass
class PublishedLog:
    """Everything published, in order, and what could not be read."""

    checkpoints: list[PublishedCheckpoint]
    keys: list[PublishedKey]
    unreadable: list[str]

    def key_in_force(self, seq: int) -> str | None:
        """The key the published history names for checkpoints starting at ``seq``."""
        current = None
        for key in self.keys:
            if key.since_seq <= seq:
                current = key.public_key
        return current


def log_read(store: DirectoryStore | None = None) -> PublishedLog:
    store = store or checkpoint_store()
    log = PublishedLog(checkpoints=[], keys=[], unreadable=[])
    for kind, parse, into in (
        (CHECKPOINTS, PublishedCheckpoint.from_record, log.checkpoints),
        (KEYS, PublishedKey.from_record, log.keys),
    ):
        try:
            numbers = store.numbers(kind)
        except RecordInvalid as exc:
            log.unreadable.append(str(exc))
            continue
        for number in numbers:
            try:
                into.append(parse(store.record(kind, number) or {}))
            except RecordInvalid as exc:
                log.unreadable.append(f"{kind} {number}: {exc}")
    return log


def keys_published(store: DirectoryStore) -> list[PublishedKey]:
    return [PublishedKey.from_record(store.record(KEYS, n) or {}) for n in store.numbers(KEYS)]


def checkpoint_published(seq_from: int, store: DirectoryStore | None = None) -> PublishedCheckpoint | None:
    """The published checkpoint starting at ``seq_from``; raises RecordInvalid if unreadable."""
    record = (store or checkpoint_store()).record(CHECKPOINTS, seq_from)
    return None if record is None else PublishedCheckpoint.from_record(record)


def last_published(*, store: DirectoryStore, hint: int = 0) -> PublishedCheckpoint | None:
    """The newest published checkpoint. ``hint`` is the ``seq_from`` of a checkpoint believed
    published (the database's newest): from a record that really is in the log, the log is
    walked forward (each checkpoint starts where the previous ended) until it ends, so a wrong
    hint costs time, never the answer; without a usable hint the log is listed."""
    current = checkpoint_published(hint, store) if hint else None
    if current is None:
        numbers = store.numbers(CHECKPOINTS)
        if not numbers:
            return None
        current = checkpoint_published(numbers[-1], store)
    while (following := checkpoint_published(current.seq_to + 1, store)) is not None:
        current = following
    return current


def checkpoint_publish(checkpoint: PublishedCheckpoint, *, store: DirectoryStore) -> None:
    """Publish a signed checkpoint, first recording its key in the key history when the key
    changes there. Idempotent; raises PublicationConflict if the log already says otherwise."""
    in_force = [k for k in keys_published(store) if k.since_seq <= checkpoint.seq_from]
    if not in_force or in_force[-1].public_key != checkpoint.public_key:
        key = PublishedKey(public_key=checkpoint.public_key, since_seq=checkpoint.seq_from)
        store.publish(KEYS, key.since_seq, key.record())
    store.publish(CHECKPOINTS, checkpoint.seq_from, checkpoint.record())
