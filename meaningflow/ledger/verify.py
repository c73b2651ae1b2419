"""Checking the ledger (``manage.py ledger_verify``) and personal statements (BX-7).

``ledger_verify`` re-derives every invariant from the postings themselves and names the
offending transaction, posting or account. ``statement_build`` gives a person what they
need to check their own history offline; ``verify_statement`` is that check.
"""

import json
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from meaningflow.ledger import hashing, publication
from meaningflow.ledger.models import (
    Account,
    ChainHead,
    Checkpoint,
    Contribution,
    ParameterSet,
    Posting,
    Transaction,
)
from meaningflow.ledger.publication import PublishedCheckpoint
from meaningflow.ledger.services.chain import CHECKPOINT_SPAN

STATEMENT_FORMAT = "meaningflow-cv-statement/1"


@dataclass(frozen=True)
class Violation:
    code: str
    ref: str
    message: str

    def __str__(self) -> str:
        return f"[{self.code}] {self.ref}: {self.message}"


def _rows(sql: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _check_sums() -> list[Violation]:
    found = [
        Violation(
            "unbalanced",
            f"ledger.transaction:{tx}",
            f"postings of unit {unit} sum to {total}, not 0",
        )
        for tx, unit, total in _rows(
            "SELECT transaction_id, unit_id, SUM(amount) FROM ledger_posting "
            "GROUP BY transaction_id, unit_id HAVING SUM(amount) <> 0"
        )
    ]
    found += [
        Violation(
            "unit_mismatch",
            f"ledger.posting:{pk}",
            f"posting in unit {pu} on an account of unit {au}",
        )
        for pk, pu, au in _rows(
            "SELECT p.id, p.unit_id, a.unit_id FROM ledger_posting p JOIN ledger_account a ON "
            "a.id = p.account_id "
            "WHERE p.unit_id <> a.unit_id"
        )
    ]
    for pk, kind, stored, derived in _rows(
        "SELECT a.id, a.kind, a.balance, COALESCE(s.total, 0) FROM ledger_account a LEFT JOIN "
        "(SELECT account_id, SUM(amount) AS total FROM ledger_posting GROUP BY account_id) s "
        "ON s.account_id = a.id "
        "WHERE (a.kind = 'person' AND (a.balance <> COALESCE(s.total, 0) OR COALESCE(s.total, "
        "0) < 0)) "
        "OR (a.kind <> 'person' AND a.balance <> 0)"
    ):
        if kind == "person" and derived < 0:
            found.append(Violation("negative", f"ledger.account:{pk}", f"postings sum to {derived} (< 0)"))
        if stored != (derived if kind == "person" else 0):
            found.append(
                Violation(
                    "balance",
                    f"ledger.account:{pk}",
                    f"stored balance {stored} but postings sum to {derived}",
                )
            )
    for unit, escrow, held in _rows(
        "SELECT a.unit_id, COALESCE((SELECT SUM(p.amount) FROM ledger_posting p WHERE "
        "p.account_id = a.id), 0), "
        "COALESCE((SELECT SUM(h.amount) FROM ledger_hold h JOIN ledger_account pa ON pa.id = "
        "h.account_id "
        "WHERE pa.unit_id = a.unit_id AND h.status = 'active'), 0) FROM ledger_account a "
        "WHERE a.kind = 'escrow'"
    ):
        if escrow != held:
            found.append(
                Violation(
                    "escrow",
                    f"ledger.unit:{unit}",
                    f"escrow holds {escrow} but active holds sum to {held}",
                )
            )
    return found


def _check_caps() -> list[Violation]:
    """CV-6: per person and year, what the credits count (all units, Domain CV at the rate
    recorded on each contribution) stays within the cap; each contribution counts its
    credit at its rate; a waiting (unverified) contribution has credited nothing."""
    found = []
    caps = {p.pk: int(p.document.get("annual_cap", 0)) for p in ParameterSet.objects.all()}
    totals: dict[tuple, list] = {}
    for pk, user, year, status, credited, rate, counted, params in Contribution.objects.values_list(
        "pk", "beneficiary_id", "year", "status", "credited", "cap_rate", "cap_counted", "parameters_id"
    ):
        entry = totals.setdefault((user, year), [0, 0])
        entry[0] += counted
        entry[1] = max(entry[1], caps.get(params, 0))
        if counted != credited * rate:
            found.append(
                Violation("cap", f"ledger.contribution:{pk}", f"counts {counted} for {credited} CV at rate {rate}")
            )
        if status == Contribution.Status.PENDING_IDENTITY and credited:
            found.append(Violation("credit", f"ledger.contribution:{pk}", f"waiting but {credited} credited"))
    for (user, year), (counted, cap) in totals.items():
        if counted > cap:
            found.append(Violation("cap", f"accounts.user:{user}", f"{counted} counted in {year}, cap {cap}"))
    for pk, credited, tx, posted in _rows(
        "SELECT c.id, c.credited, c.ledger_transaction_id, COALESCE((SELECT SUM(p.amount) "
        "FROM ledger_posting p "
        "JOIN ledger_account a ON a.id = p.account_id WHERE p.transaction_id = "
        "c.ledger_transaction_id "
        "AND a.kind = 'person'), 0) FROM ledger_contribution c"
    ):
        if credited != posted:
            found.append(
                Violation(
                    "credit",
                    f"ledger.contribution:{pk}",
                    f"credited {credited} but transaction {tx} posts {posted}",
                )
            )
    return found


def _check_content_hashes() -> list[Violation]:
    """Recompute every transaction's content hash from its postings (a merge of two
    ordered streams, so memory stays flat for millions of rows)."""
    found = []
    postings = (
        Posting.objects.order_by("transaction_id", "pk")
        .values_list("transaction_id", "account_id", "unit_id", "amount")
        .iterator(chunk_size=20_000)
    )
    pending = next(postings, None)
    for pk, kind, memo, cause, key, created_at, stored in (
        Transaction.objects.order_by("pk")
        .values_list("pk", "kind", "memo", "cause", "idempotency_key", "created_at", "content_hash")
        .iterator(chunk_size=20_000)
    ):
        rows = []
        while pending is not None and pending[0] < pk:
            found.append(Violation("orphan", f"ledger.posting:tx{pending[0]}", "posting of a missing transaction"))
            pending = next(postings, None)
        while pending is not None and pending[0] == pk:
            rows.append(pending[1:])
            pending = next(postings, None)
        derived = hashing.content_hash(
            kind=kind,
            memo=memo,
            cause=cause,
            idempotency_key=key,
            created_at=hashing.normalise_stamp(created_at),
            postings=rows,
        )
        if derived != stored:
            found.append(
                Violation(
                    "content_hash",
                    f"ledger.transaction:{pk}",
                    "its postings or fields no longer match the hash written with it",
                )
            )
    return found


# --- Checkpoints against the published log -----------------------------------------------


@dataclass
class _Range:
    """A signed range to check against the transactions: a published checkpoint, or a stored
    one the published log does not have."""

    checkpoint: PublishedCheckpoint
    published: bool
    hashes: list[str] = field(default_factory=list)

    @property
    def ref(self) -> str:
        return f"ledger.checkpoint:{self.checkpoint.seq_to}"


def _published_stream(store, numbers: list[int], found: list[Violation]) -> Iterator[PublishedCheckpoint]:
    """The published checkpoints in order, each checked as a log entry: contiguous from seq 1,
    readable, signed by a trusted key that the published key history names for its range."""
    trusted = set(hashing.trusted_public_keys())
    try:
        keys = publication.keys_published(store)
    except publication.RecordInvalid as exc:
        found.append(Violation("published_log", "ledger.published:keys", str(exc)))
        keys = []
    seen: set[str] = set()
    for position, key in enumerate(keys):
        if key.public_key in seen and keys[position - 1].public_key != key.public_key:
            found.append(
                Violation("published_signature", f"ledger.published:key{key.since_seq}", "a replaced key signs again")
            )
        seen.add(key.public_key)
    history = publication.PublishedLog(checkpoints=[], keys=keys, unreadable=[])
    expected = 1
    for number in numbers:
        try:
            checkpoint = publication.checkpoint_published(number, store)
        except publication.RecordInvalid as exc:
            found.append(Violation("published_log", f"ledger.published:{number}", str(exc)))
            continue
        if checkpoint is None or checkpoint.seq_from != number or checkpoint.seq_from > checkpoint.seq_to:
            found.append(Violation("published_log", f"ledger.published:{number}", "not a checkpoint of that range"))
            continue
        ref = f"ledger.checkpoint:{checkpoint.seq_to}"
        if checkpoint.seq_from != expected:
            found.append(
                Violation(
                    "published_log", ref, f"the published log jumps from seq {expected - 1} to {checkpoint.seq_from}"
                )
            )
        if not checkpoint.signature_valid() or checkpoint.public_key not in trusted:
            found.append(Violation("published_signature", ref, "not signed by one of this platform's keys"))
        elif history.key_in_force(checkpoint.seq_from) != checkpoint.public_key:
            found.append(
                Violation("published_signature", ref, "signed by a key the published key history does not name for it")
            )
        expected = checkpoint.seq_to + 1
        yield checkpoint


def _stored_checkpoints() -> Iterator[PublishedCheckpoint]:
    for values in (
        Checkpoint.objects.order_by("seq_to")
        .values_list(*PublishedCheckpoint.__dataclass_fields__)
        .iterator(chunk_size=5_000)
    ):
        yield PublishedCheckpoint(*values)


def _ranges(store, numbers: list[int], found: list[Violation], notes: list[str]) -> Iterator[_Range]:
    """Merge the published log with the stored checkpoints (both by ``seq_to``): report stored
    ones that differ from the published ones, published ones the database lacks, gaps in the
    stored coverage, and yield what the chain must reach: every published checkpoint and the
    stored ones not (yet) published."""
    last_published = 0
    covered_to = 0  # stored checkpoints cover every seq up to here
    published = _published_stream(store, numbers, found)
    stored = _stored_checkpoints()
    pub, sto = next(published, None), next(stored, None)
    while pub is not None or sto is not None:
        if sto is not None and (pub is None or sto.seq_to < pub.seq_to):
            if sto.seq_from > covered_to + 1:
                found.append(_uncovered(covered_to + 1, sto.seq_from - 1))
            covered_to = max(covered_to, sto.seq_to)
            if sto.seq_to <= last_published or pub is not None:
                found.append(
                    Violation(
                        "unpublished",
                        f"ledger.checkpoint:{sto.seq_to}",
                        "a stored checkpoint the published log does not have",
                    )
                )
            else:
                notes.append(
                    f"checkpoint {sto.seq_from}…{sto.seq_to} is signed but not published yet (the next ledger_seal publishes it)"
                )
            yield _Range(sto, published=False)
            sto = next(stored, None)
            continue
        ref = f"ledger.checkpoint:{pub.seq_to}"
        if sto is not None and sto.seq_to == pub.seq_to:
            if sto.seq_from > covered_to + 1:
                found.append(_uncovered(covered_to + 1, sto.seq_from - 1))
            covered_to = max(covered_to, sto.seq_to)
            if sto != pub:
                found.append(
                    Violation("published_mismatch", ref, "the stored checkpoint differs from the published one")
                )
            sto = next(stored, None)
        else:
            found.append(
                Violation(
                    "published_missing", ref, f"published checkpoint {pub.seq_from}…{pub.seq_to} is not in the database"
                )
            )
        last_published = pub.seq_to
        yield _Range(pub, published=True)
        pub = next(published, None)
    sealed_to = Transaction.objects.aggregate(last=Max("seq"))["last"] or 0
    if sealed_to > covered_to:
        found.append(_uncovered(covered_to + 1, sealed_to))


def _uncovered(first: int, last: int) -> Violation:
    return Violation(
        "uncovered", f"ledger.transaction:seq{first}", f"sealed transactions {first}…{last} are in no stored checkpoint"
    )


def _check_chain(store, numbers: list[int], notes: list[str]) -> list[Violation]:
    """One pass over the sealed transactions in ``seq`` order. The stored chain: contiguous
    ``seq``, each link, the head. The checkpoints: the chain recomputed from the stored content
    hashes (the content pass checks those against the postings) must reach each checkpoint's
    chain hash and the range's chain hashes give its Merkle root. Each range starts from the
    previous published chain hash, so one rewrite is named once, not at every later checkpoint."""
    found: list[Violation] = []
    ranges = _ranges(store, numbers, found, notes)
    trusted = set(hashing.trusted_public_keys())
    upcoming, active = next(ranges, None), []
    expected_seq, prev, running = 1, hashing.GENESIS, hashing.GENESIS

    def close(r: _Range, chain: str) -> None:
        c, code = r.checkpoint, "published_chain" if r.published else "checkpoint"
        if not r.published and (not c.signature_valid() or c.public_key not in trusted):
            found.append(Violation("checkpoint", r.ref, "checkpoint's signature is not one of this platform's keys"))
        if chain != c.chain_hash:
            found.append(
                Violation(
                    code,
                    r.ref,
                    f"the chain recomputed from the transactions does not reach its chain hash at seq {c.seq_to}",
                )
            )
        elif hashing.merkle_root(r.hashes) != c.merkle_root:
            found.append(Violation(code, r.ref, "the stored chain hashes of its range do not give its Merkle root"))

    for pk, seq, stored_prev, link, content in (
        Transaction.objects.filter(seq__isnull=False)
        .order_by("seq")
        .values_list("pk", "seq", "prev_hash", "chain_hash", "content_hash")
        .iterator(chunk_size=20_000)
    ):
        if seq != expected_seq:
            found.append(
                Violation(
                    "chain_gap",
                    f"ledger.transaction:seq{expected_seq}",
                    f"sealed transactions {expected_seq}…{seq - 1} are missing (deleted?)",
                )
            )
        if stored_prev != prev or link != hashing.chain_hash(stored_prev, content):
            found.append(Violation("chain_link", f"ledger.transaction:{pk}", f"chain broken at seq {seq}"))
        expected_seq, prev = seq + 1, link
        while upcoming is not None and upcoming.checkpoint.seq_from <= seq:
            if upcoming.checkpoint.seq_to - upcoming.checkpoint.seq_from >= CHECKPOINT_SPAN:
                found.append(Violation("checkpoint", upcoming.ref, f"spans more than {CHECKPOINT_SPAN} transactions"))
            else:
                active.append(upcoming)
            upcoming = next(ranges, None)
        running = hashing.chain_hash(running, content)
        for r in active:
            r.hashes.append(link)
        if active and active[0].checkpoint.seq_to <= seq:
            for r in [r for r in active if r.checkpoint.seq_to <= seq]:
                close(r, running)
                active.remove(r)
                if r.published:
                    running = r.checkpoint.chain_hash  # the next range starts from the published head
    for r in [*active, *([upcoming] if upcoming else []), *ranges]:
        code = "published_chain" if r.published else "checkpoint"
        found.append(
            Violation(
                code,
                r.ref,
                f"the chain ends at seq {expected_seq - 1}, before this checkpoint's end {r.checkpoint.seq_to}",
            )
        )
    head = ChainHead.objects.filter(pk=1).first()
    if head and (head.seq != expected_seq - 1 or head.chain_hash != prev):
        found.append(
            Violation(
                "chain_head", "ledger.chainhead:1", f"head says seq {head.seq}, the chain ends at {expected_seq - 1}"
            )
        )
    return found


@contextmanager
def read_snapshot():
    """One consistent view of the database for every check, so that writers committing
    between two queries cannot look like violations. PostgreSQL: a REPEATABLE READ, READ ONLY
    transaction. SQLite: a deferred read transaction (WAL keeps its snapshot until it ends and
    it takes no write lock; the connection otherwise begins IMMEDIATE). Inside a caller's
    transaction, that transaction is the snapshot."""
    if connection.in_atomic_block:
        yield
        return
    connection.ensure_connection()
    if connection.vendor == "postgresql":
        with transaction.atomic(durable=True), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
        return
    mode = getattr(connection, "transaction_mode", None)
    connection.transaction_mode = "DEFERRED"
    try:
        with transaction.atomic(durable=True):
            connection.transaction_mode = mode
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1 FROM ledger_chainhead")  # SQLite's snapshot starts at the first read
            yield
    finally:
        connection.transaction_mode = mode


@dataclass
class VerifyReport:
    violations: list[Violation]
    notes: list[str]  # what is fine but not finished: unsealed or not yet published tails


def ledger_verify_report() -> VerifyReport:
    """Every violation of the ledger's invariants, and notes on the unfinished tail."""
    store = publication.checkpoint_store()
    notes: list[str] = []
    try:
        # Listed before the snapshot begins: a checkpoint is published after its rows
        # committed, so every one listed here is in the snapshot.
        numbers = store.numbers(publication.CHECKPOINTS)
    except publication.RecordInvalid as exc:
        numbers, unreadable = [], [Violation("published_log", "ledger.published", str(exc))]
    else:
        unreadable = []
    with read_snapshot():
        violations = (
            unreadable + _check_sums() + _check_caps() + _check_content_hashes() + _check_chain(store, numbers, notes)
        )
        unsealed = Transaction.objects.filter(seq__isnull=True).count()
    if unsealed:
        notes.append(
            f"{unsealed} transaction(s) newer than the last checkpoint are not sealed yet (the next ledger_seal seals them)"
        )
    return VerifyReport(violations=violations, notes=notes)


def ledger_verify() -> list[Violation]:
    """Every violation of the ledger's invariants; empty when the ledger is sound."""
    return ledger_verify_report().violations


# --- Statements -------------------------------------------------------------------------


def _statement_signature(body: dict) -> str:
    return hashing.sign(json.dumps(body, sort_keys=True, separators=(",", ":")).encode())


def _checkpoint_entry(checkpoint: PublishedCheckpoint) -> dict:
    return {k: v for k, v in checkpoint.record().items() if k != "format"}


def statement_build(*, user) -> dict:
    """A signed JSON statement of every transaction on the person's accounts, with a
    Merkle proof of each of their postings and of each transaction's place in a checkpoint.

    The checkpoints are the published ones (``ledger.publication``), not the database's
    copies, together with the head of the published log and the key history: every statement
    a member keeps is a witness of what the platform published."""
    store = publication.checkpoint_store()
    try:
        published = store.numbers(publication.CHECKPOINTS)  # seq_from of each, ascending
        key_history = [
            {"public_key": k.public_key, "since_seq": k.since_seq} for k in publication.keys_published(store)
        ]
    except publication.RecordInvalid:
        published, key_history = [], []  # a damaged log (ledger_verify names it): no checkpoints to prove against
    accounts = {a.pk: a for a in Account.objects.filter(owner=user).select_related("unit")}
    checkpoints, ranges, entries = {}, {}, []
    read: dict[int, PublishedCheckpoint | None] = {}  # published checkpoints by seq_from
    for tx in Transaction.objects.filter(postings__account_id__in=accounts).distinct().order_by("pk"):
        postings = hashing.sorted_postings(tx.postings.values_list("account_id", "unit_id", "amount"))
        values = [hashing.posting_value(p) for p in postings]
        own = [
            {"account": a, "unit": u, "amount": x, "proof": hashing.merkle_proof(values, i)}
            for i, (a, u, x) in enumerate(postings)
            if a in accounts
        ]
        entry = {
            "id": tx.pk,
            "seq": tx.seq,
            "kind": tx.kind,
            "memo": tx.memo,
            "cause": tx.cause,
            "key": tx.idempotency_key,
            "created_at": hashing.normalise_stamp(tx.created_at),
            "postings_root": hashing.merkle_root(values),
            "postings": own,
            "content_hash": tx.content_hash,
            "prev_hash": tx.prev_hash,
            "chain_hash": tx.chain_hash,
        }
        position = bisect_right(published, tx.seq or 0) - 1
        if tx.seq and position >= 0 and published[position] not in read:
            try:
                read[published[position]] = publication.checkpoint_published(published[position], store)
            except publication.RecordInvalid:
                read[published[position]] = None
        ckpt = read.get(published[position]) if tx.seq and position >= 0 else None
        if ckpt and ckpt.seq_to >= tx.seq:
            if ckpt.seq_to not in ranges:
                ranges[ckpt.seq_to] = list(
                    Transaction.objects.filter(seq__gte=ckpt.seq_from, seq__lte=ckpt.seq_to)
                    .order_by("seq")
                    .values_list("chain_hash", flat=True)
                )
                checkpoints[str(ckpt.seq_to)] = _checkpoint_entry(ckpt)
            entry["checkpoint"] = ckpt.seq_to
            entry["inclusion"] = hashing.merkle_proof(ranges[ckpt.seq_to], tx.seq - ckpt.seq_from)
        entries.append(entry)
    try:
        head = publication.checkpoint_published(published[-1], store) if published else None
    except publication.RecordInvalid:
        head = None
    body = {
        "format": STATEMENT_FORMAT,
        "user": user.pk,
        "generated_at": timezone.now().isoformat(),
        "public_key": hashing.public_key_hex(),
        "key_history": key_history,
        "accounts": [{"id": a.pk, "unit": a.unit.code, "balance": a.balance} for a in accounts.values()],
        "transactions": entries,
        "checkpoints": checkpoints,
        "log_head": _checkpoint_entry(head) if head else None,
    }
    return {**body, "signature": _statement_signature(body)}


def _statement_checkpoint_problem(ckpt: dict, *, data: dict, accepted: set[str]) -> str | None:
    """Why a checkpoint carried by a statement does not verify, or None. Its key must be one
    the verifier accepts and, when the statement carries the key history, the one it names
    for the checkpoint's range."""
    key = ckpt.get("public_key", data["public_key"])
    history = [k for k in data.get("key_history") or [] if k["since_seq"] <= ckpt["seq_from"]]
    message = hashing.checkpoint_message(
        seq_from=ckpt["seq_from"], seq_to=ckpt["seq_to"], chain_hash=ckpt["chain_hash"], merkle_root=ckpt["merkle_root"]
    )
    if key not in accepted or (history and history[-1]["public_key"] != key):
        return "checkpoint signed by a key that is not the platform's for it"
    if not hashing.signature_valid(message, ckpt["signature"], key):
        return "checkpoint signature is not valid"
    return None


def verify_statement(
    statement: dict | str, *, public_key: str | None = None, trusted_keys: Iterable[str] | None = None
) -> list[str]:
    """Problems found in a statement (empty list: it verifies). Pass the platform's
    published ``public_key`` to check against it rather than the key the statement names.

    Checkpoints may be signed by the statement's key or by an earlier key its key history
    names (the statement's signature covers that history); ``trusted_keys`` (the platform's
    current and retired keys) narrows that to keys the verifier knows itself."""
    data = json.loads(statement) if isinstance(statement, str) else dict(statement)
    problems = []
    if data.get("format") != STATEMENT_FORMAT:
        return ["unknown statement format"]
    key = public_key or data["public_key"]
    if public_key and public_key != data.get("public_key"):
        problems.append("the statement names a different signing key")
    body = {k: v for k, v in data.items() if k != "signature"}
    if not hashing.signature_valid(
        json.dumps(body, sort_keys=True, separators=(",", ":")).encode(),
        data.get("signature", ""),
        key,
    ):
        problems.append("the statement's signature is not valid")
    accepted = {key, *(k["public_key"] for k in data.get("key_history") or [])}
    if trusted_keys is not None:
        accepted &= set(trusted_keys)
    head = data.get("log_head")
    if head:
        problem = _statement_checkpoint_problem(head, data=data, accepted=accepted)
        if problem:
            problems.append(f"log head: {problem}")
    sums: dict[int, int] = {}
    for tx in data["transactions"]:
        ref = f"transaction {tx['id']}"
        for p in tx["postings"]:
            sums[p["account"]] = sums.get(p["account"], 0) + p["amount"]
            value = hashing.posting_value((p["account"], p["unit"], p["amount"]))
            if not hashing.merkle_verify(value, p["proof"], tx["postings_root"]):
                problems.append(f"{ref}: a posting is not part of the transaction")
        header = hashing.canonical_header(
            kind=tx["kind"],
            memo=tx["memo"],
            cause=tx["cause"],
            idempotency_key=tx["key"],
            created_at=tx["created_at"],
        )
        if hashing.content_hash_from_root(header=header, postings_root=tx["postings_root"]) != tx["content_hash"]:
            problems.append(f"{ref}: content hash does not match")
        if tx["seq"] and tx["chain_hash"] != hashing.chain_hash(tx["prev_hash"], tx["content_hash"]):
            problems.append(f"{ref}: chain link does not match")
        if "checkpoint" in tx:
            ckpt = data["checkpoints"][str(tx["checkpoint"])]
            problem = _statement_checkpoint_problem(ckpt, data=data, accepted=accepted)
            if problem:
                problems.append(f"{ref}: {problem}")
            if not hashing.merkle_verify(tx["chain_hash"], tx["inclusion"], ckpt["merkle_root"]):
                problems.append(f"{ref}: not included in its checkpoint")
            if head and ckpt["seq_to"] > head["seq_to"]:
                problems.append(f"{ref}: its checkpoint is newer than the log head")
    for account in data["accounts"]:
        if sums.get(account["id"], 0) != account["balance"]:
            problems.append(
                f"account {account['id']}: postings sum to {sums.get(account['id'], 0)}, "
                f"balance says {account['balance']}"
            )
    return problems


def statement_against_log(statement: dict | str, *, store=None) -> list[str]:
    """What in a statement differs from the published log today: each checkpoint it carries
    (and its log head) must be published exactly so. A member's old statement thereby
    witnesses a log that was later rewritten or cut short."""
    data = json.loads(statement) if isinstance(statement, str) else dict(statement)
    store = store or publication.checkpoint_store()
    carried = list((data.get("checkpoints") or {}).values()) + ([data["log_head"]] if data.get("log_head") else [])
    problems = []
    for ckpt in carried:
        try:
            published = publication.checkpoint_published(int(ckpt["seq_from"]), store)
        except publication.RecordInvalid:
            published = None
        if published is None:
            problems.append(f"checkpoint {ckpt['seq_from']}…{ckpt['seq_to']} is not in the published log")
        elif _checkpoint_entry(published) != {**ckpt, "public_key": ckpt.get("public_key", data["public_key"])}:
            problems.append(f"checkpoint {ckpt['seq_from']}…{ckpt['seq_to']} differs from the published log")
    return sorted(set(problems))
