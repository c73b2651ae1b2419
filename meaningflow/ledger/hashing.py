"""Tamper evidence (BX-7): canonical serialisation, hashes, Merkle proofs, signatures.

Pure functions; the same code is used when writing, when verifying the whole ledger and
when a person verifies a statement offline.
"""

import hashlib
import hmac
import json
from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings

GENESIS = "0" * 64


def posting_value(posting) -> str:
    """Hash of one posting (account id, unit id, amount): a leaf of the transaction's
    postings tree, so that a statement can prove a person's posting without showing the
    other postings of a shared transaction (a decay chunk holds thousands)."""
    account, unit, amount = (int(v) for v in posting)
    return hashlib.sha256(f"{account}:{unit}:{amount}".encode()).hexdigest()


def sorted_postings(postings) -> list[tuple[int, int, int]]:
    return sorted((int(a), int(u), int(x)) for a, u, x in postings)


_json_string = json.encoder.encode_basestring  # the escaping of ensure_ascii=False
# Built once: json.dumps builds a new encoder on every call with these options.
_REQUEST_JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=str)
_sha256 = hashlib.sha256


def canonical_header(*, kind: str, memo: str, cause: str, idempotency_key: str, created_at: str) -> bytes:
    """The transaction's own fields as JSON: keys sorted, no whitespace, UTF-8, time in UTC.

    The bytes of ``json.dumps(…, sort_keys=True, separators=(",", ":"), ensure_ascii=False)``
    of that object, assembled directly (every posting
    computes one; the encoder's dict walk cost three times as much): the same string
    escaping, the keys already in sorted order (test_hot_path checks the equivalence)."""
    q = _json_string
    return (
        f'{{"at":{q(created_at)},"cause":{q(cause)},"key":{q(idempotency_key)},"kind":{q(kind)},"memo":{q(memo)}}}'
    ).encode()


def content_hash_from_root(*, header: bytes, postings_root: str) -> str:
    return hashlib.sha256(header + b":" + postings_root.encode()).hexdigest()


def content_hash(*, kind: str, memo: str, cause: str, idempotency_key: str, created_at: str, postings) -> str:
    """sha256(header ":" Merkle root of the sorted postings' hashes)."""
    header = canonical_header(kind=kind, memo=memo, cause=cause, idempotency_key=idempotency_key, created_at=created_at)
    return content_hash_from_root(header=header, postings_root=postings_root(postings))


def postings_root(postings) -> str:
    """``merkle_root([posting_value(p) for p in sorted_postings(postings)])``, computed on
    raw digests instead of hex strings (the same bytes are hashed; a decay chunk has
    10 000 postings and every posting path computes one)."""
    level = [
        _sha256(b"\x00" + _sha256(f"{a}:{u}:{x}".encode()).digest()).digest() for a, u, x in sorted_postings(postings)
    ]
    if not level:
        return GENESIS
    while len(level) > 1:
        if len(level) % 2:
            level.append(level[-1])
        level = [_sha256(b"\x01" + level[i] + level[i + 1]).digest() for i in range(0, len(level), 2)]
    return level[0].hex()


def normalise_stamp(created_at: datetime) -> str:
    """Timestamps are hashed in UTC so that the database's time zone does not matter."""
    return created_at.astimezone(UTC).isoformat(timespec="microseconds")


def chain_hash(prev_hash: str, content: str) -> str:
    return hashlib.sha256(f"{prev_hash}:{content}".encode()).hexdigest()


def request_hash(payload: dict) -> str:
    """Fingerprint of a service call, to tell a retry from a different call with the same key."""
    return _sha256(_REQUEST_JSON.encode(payload).encode()).hexdigest()


# --- Merkle tree over the chain hashes of a checkpoint's range ---------------------------


def _node(left: str, right: str) -> str:
    return hashlib.sha256(b"\x01" + bytes.fromhex(left) + bytes.fromhex(right)).hexdigest()


def _leaf(value: str) -> str:
    return hashlib.sha256(b"\x00" + bytes.fromhex(value)).hexdigest()


def merkle_root(values: list[str]) -> str:
    level = [_leaf(v) for v in values] or [GENESIS]
    while len(level) > 1:
        if len(level) % 2:
            level.append(level[-1])
        level = [_node(level[i], level[i + 1]) for i in range(0, len(level), 2)]
    return level[0]


def merkle_proof(values: list[str], index: int) -> list[list[str]]:
    """Sibling hashes from leaf ``index`` up: [["L"|"R", hash], …]."""
    level = [_leaf(v) for v in values]
    proof = []
    while len(level) > 1:
        if len(level) % 2:
            level.append(level[-1])
        sibling = index ^ 1
        proof.append(["L" if sibling < index else "R", level[sibling]])
        level = [_node(level[i], level[i + 1]) for i in range(0, len(level), 2)]
        index //= 2
    return proof


def merkle_verify(value: str, proof: list, root: str) -> bool:
    node = _leaf(value)
    for side, sibling in proof:
        node = _node(sibling, node) if side == "L" else _node(node, sibling)
    return hmac.compare_digest(node, root)


# --- Checkpoint signatures (Ed25519) ------------------------------------------------------


def _private_key() -> Ed25519PrivateKey:
    """Derived from SECRET_KEY unless LEDGER_SIGNING_SEED (hex, 32 bytes) is set, so that
    every process signs with the same key without another secret file. Only settings hold
    it: the database stores public keys only (a test dumps every ledger table to check)."""
    seed_hex = getattr(settings, "LEDGER_SIGNING_SEED", "")
    if seed_hex:
        seed = bytes.fromhex(seed_hex)
    else:
        seed = hmac.new(settings.SECRET_KEY.encode(), b"meaningflow.ledger.checkpoint", "sha256").digest()
    return Ed25519PrivateKey.from_private_bytes(seed)


def public_key_hex() -> str:
    return _private_key().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def trusted_public_keys() -> list[str]:
    """The keys whose checkpoints this platform accepts: the current one, then those it
    signed with before (``settings.LEDGER_RETIRED_PUBLIC_KEYS``, see docs/LEDGER.md "Key
    rotation"). Which key signs which range is the published key history's business."""
    retired = [k.strip().lower() for k in getattr(settings, "LEDGER_RETIRED_PUBLIC_KEYS", ()) if k.strip()]
    return [public_key_hex(), *(k for k in retired if k != public_key_hex())]


def checkpoint_message(*, seq_from: int, seq_to: int, chain_hash: str, merkle_root: str) -> bytes:
    return f"meaningflow-cv-checkpoint:{seq_from}:{seq_to}:{chain_hash}:{merkle_root}".encode()


def sign(message: bytes) -> str:
    return _private_key().sign(message).hex()


def signature_valid(message: bytes, signature_hex: str, public_hex: str) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_hex)).verify(bytes.fromhex(signature_hex), message)
    except Exception:
        return False
    return True
