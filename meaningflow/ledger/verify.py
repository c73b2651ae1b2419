"""Checking the ledger (``manage.py ledger_verify``) and personal statements (BX-7).

``ledger_verify`` re-derives every invariant from the postings themselves and names the
offending transaction, posting or account. ``statement_build`` gives a person what they
need to check their own history offline; ``verify_statement`` is that check.
"""

import json
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

from meaningflow.ledger import hashing
from meaningflow.ledger.models import (
    Account,
    ChainHead,
    Checkpoint,
    Contribution,
    ParameterSet,
    Posting,
    Transaction,
)

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
            found.append(
                Violation("negative", f"ledger.account:{pk}", f"postings sum to {derived} (< 0)")
            )
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
            found.append(
                Violation(
                    "orphan", f"ledger.posting:tx{pending[0]}", "posting of a missing transaction"
                )
            )
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


def _check_chain() -> list[Violation]:
    found = []
    expected_seq, prev = 1, hashing.GENESIS
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
            found.append(
                Violation("chain_link", f"ledger.transaction:{pk}", f"chain broken at seq {seq}")
            )
        expected_seq, prev = seq + 1, link
    head = ChainHead.objects.filter(pk=1).first()
    if head and (head.seq != expected_seq - 1 or head.chain_hash != prev):
        found.append(
            Violation(
                "chain_head",
                "ledger.chainhead:1",
                f"head says seq {head.seq}, the chain ends at {expected_seq - 1}",
            )
        )
    key = hashing.public_key_hex()
    for ckpt in Checkpoint.objects.all():
        hashes = list(
            Transaction.objects.filter(seq__gte=ckpt.seq_from, seq__lte=ckpt.seq_to)
            .order_by("seq")
            .values_list("chain_hash", flat=True)
        )
        message = hashing.checkpoint_message(
            seq_from=ckpt.seq_from,
            seq_to=ckpt.seq_to,
            chain_hash=ckpt.chain_hash,
            merkle_root=ckpt.merkle_root,
        )
        if (
            not hashes
            or hashes[-1] != ckpt.chain_hash
            or hashing.merkle_root(hashes) != ckpt.merkle_root
            or not hashing.signature_valid(message, ckpt.signature, key)
        ):
            found.append(
                Violation(
                    "checkpoint",
                    f"ledger.checkpoint:{ckpt.seq_to}",
                    "checkpoint does not match the chain or its signature",
                )
            )
    return found


def ledger_verify() -> list[Violation]:
    """Every violation of the ledger's invariants; empty when the ledger is sound."""
    return _check_sums() + _check_caps() + _check_content_hashes() + _check_chain()


# --- Statements -------------------------------------------------------------------------


def _statement_signature(body: dict) -> str:
    return hashing.sign(json.dumps(body, sort_keys=True, separators=(",", ":")).encode())


def statement_build(*, user) -> dict:
    """A signed JSON statement of every transaction on the person's accounts, with a
    Merkle proof of each of their postings and of each transaction's place in a checkpoint."""
    accounts = {a.pk: a for a in Account.objects.filter(owner=user).select_related("unit")}
    checkpoints, ranges, entries = {}, {}, []
    for tx in (
        Transaction.objects.filter(postings__account_id__in=accounts).distinct().order_by("pk")
    ):
        postings = hashing.sorted_postings(
            tx.postings.values_list("account_id", "unit_id", "amount")
        )
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
        if tx.seq:
            ckpt = Checkpoint.objects.filter(seq_from__lte=tx.seq, seq_to__gte=tx.seq).first()
            if ckpt:
                if ckpt.seq_to not in ranges:
                    ranges[ckpt.seq_to] = list(
                        Transaction.objects.filter(seq__gte=ckpt.seq_from, seq__lte=ckpt.seq_to)
                        .order_by("seq")
                        .values_list("chain_hash", flat=True)
                    )
                    checkpoints[str(ckpt.seq_to)] = {
                        "seq_from": ckpt.seq_from,
                        "seq_to": ckpt.seq_to,
                        "chain_hash": ckpt.chain_hash,
                        "merkle_root": ckpt.merkle_root,
                        "signature": ckpt.signature,
                    }
                entry["checkpoint"] = ckpt.seq_to
                entry["inclusion"] = hashing.merkle_proof(
                    ranges[ckpt.seq_to], tx.seq - ckpt.seq_from
                )
        entries.append(entry)
    body = {
        "format": STATEMENT_FORMAT,
        "user": user.pk,
        "generated_at": timezone.now().isoformat(),
        "public_key": hashing.public_key_hex(),
        "accounts": [
            {"id": a.pk, "unit": a.unit.code, "balance": a.balance} for a in accounts.values()
        ],
        "transactions": entries,
        "checkpoints": checkpoints,
    }
    return {**body, "signature": _statement_signature(body)}


def verify_statement(statement: dict | str, *, public_key: str | None = None) -> list[str]:
    """Problems found in a statement (empty list: it verifies). Pass the platform's
    published ``public_key`` to check against it rather than the key the statement names."""
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
        if (
            hashing.content_hash_from_root(header=header, postings_root=tx["postings_root"])
            != tx["content_hash"]
        ):
            problems.append(f"{ref}: content hash does not match")
        if tx["seq"] and tx["chain_hash"] != hashing.chain_hash(
            tx["prev_hash"], tx["content_hash"]
        ):
            problems.append(f"{ref}: chain link does not match")
        if "checkpoint" in tx:
            ckpt = data["checkpoints"][str(tx["checkpoint"])]
            message = hashing.checkpoint_message(
                seq_from=ckpt["seq_from"],
                seq_to=ckpt["seq_to"],
                chain_hash=ckpt["chain_hash"],
                merkle_root=ckpt["merkle_root"],
            )
            if not hashing.signature_valid(message, ckpt["signature"], key):
                problems.append(f"{ref}: checkpoint signature is not valid")
            if not hashing.merkle_verify(tx["chain_hash"], tx["inclusion"], ckpt["merkle_root"]):
                problems.append(f"{ref}: not included in its checkpoint")
    for account in data["accounts"]:
        if sums.get(account["id"], 0) != account["balance"]:
            problems.append(
                f"account {account['id']}: postings sum to {sums.get(account['id'], 0)}, "
                f"balance says {account['balance']}"
            )
    return problems
