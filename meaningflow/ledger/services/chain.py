"""The hash chain, its signed checkpoints and their publication (BX-7).

Posting writers only store their transaction's ``content_hash``; they never touch a
shared row. The sealer (``manage.py ledger_seal``, every minute) links committed
transactions into the chain in id order under a lock of the single ``ChainHead`` row,
then signs a checkpoint (Ed25519) over the chain head and the Merkle root of the new
range's chain hashes. A transaction that commits after a higher id was sealed is simply
sealed next: the chain order is ``seq``, not ``id``.

Every checkpoint is then published outside the database (``ledger.publication``). Before it
signs anything the sealer checks, under the lock, that the chain in the database extends the
last published checkpoint (a consistency check, as transparency logs make): a history that
was rewritten, shortened or stripped of its checkpoints is refused, audited and never signed.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from meaningflow.core.services import audit_log
from meaningflow.ledger import hashing, publication
from meaningflow.ledger.models import ChainHead, Checkpoint, Posting, Transaction
from meaningflow.ledger.publication import DirectoryStore, PublishedCheckpoint
from meaningflow.ledger.services.core import ledger_atomic

CHECKPOINT_SPAN = 4096  # transactions per checkpoint: bounds a statement's proof work
UPDATE_BATCH = 1000


class SealRefused(Exception):
    """The database's chain does not extend the published log; nothing was signed.
    ``code`` says which check failed (``ledger.seal.<check>``)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def _write_links(rows: list[tuple[int, int, str, str]]) -> None:
    """Set (id, seq, prev_hash, chain_hash) with one UPDATE … FROM (VALUES …) per batch."""
    with connection.cursor() as cursor:
        for start in range(0, len(rows), UPDATE_BATCH):
            batch = rows[start : start + UPDATE_BATCH]
            values = ", ".join(["(%s, %s, %s, %s)"] * len(batch))
            cast = "::bigint" if connection.vendor == "postgresql" else ""
            cursor.execute(
                f"UPDATE ledger_transaction SET seq = v.column2{cast}, prev_hash = v.column3, "  # noqa: S608 (only constant fragments and placeholders)
                f"chain_hash = v.column4 FROM (VALUES {values}) AS v "
                f"WHERE ledger_transaction.id = v.column1{cast}",
                [value for row in batch for value in row],
            )


def ledger_seal(*, grace_seconds: float = 5.0, limit: int = 50_000) -> int:
    """Link up to ``limit`` unsealed transactions older than ``grace_seconds`` into the
    chain, checkpoint and publish them. Returns how many were sealed; safe to run
    concurrently (the ChainHead lock serialises sealers) and to re-run.

    Raises SealRefused (and records a ``ledger.seal.refused`` audit event) when the chain
    does not extend the last published checkpoint; it then signs and changes nothing.

    Run it in its own transaction (the job does): checkpoints are published when its block
    ends, so a caller's transaction rolled back afterwards would leave published checkpoints
    the database lacks, and every later seal would refuse."""
    cutoff = timezone.now() - timedelta(seconds=grace_seconds)
    store = publication.checkpoint_store()
    try:
        with ledger_atomic():
            ChainHead.objects.get_or_create(pk=1)
            head = ChainHead.objects.select_for_update().get(pk=1)
            _published_extended(head=head, store=store)
            sealed = _link_pending(head=head, cutoff=cutoff, limit=limit)
            signed = _checkpoint_new(head=head) if sealed else []
    except SealRefused as refusal:
        audit_log(
            action="ledger.seal.refused",
            subject="ledger.chainhead:1",
            reason=str(refusal),
            data={"code": refusal.code, "published_log": str(store)},
        )
        raise
    # After the commit: a crash here leaves signed checkpoints unpublished, which the next
    # run publishes (after checking them) before it seals anything.
    for checkpoint in signed:
        publication.checkpoint_publish(PublishedCheckpoint.of(checkpoint), store=store)
    return sealed


def _link_pending(*, head: ChainHead, cutoff: datetime, limit: int) -> int:
    pending = list(
        Transaction.objects.filter(seq__isnull=True, created_at__lte=cutoff)
        .exclude(content_hash="")
        .order_by("pk")
        .values_list("pk", "content_hash")[:limit]
    )
    rows = []
    seq, prev = head.seq, head.chain_hash
    for pk, content in pending:
        seq += 1
        link = hashing.chain_hash(prev, content)
        rows.append((pk, seq, prev, link))
        prev = link
    if rows:
        _write_links(rows)
        head.seq, head.chain_hash = seq, prev
        head.save(update_fields=["seq", "chain_hash"])
    return len(rows)


def _checkpoint_new(*, head: ChainHead) -> list[Checkpoint]:
    last = Checkpoint.objects.order_by("-seq_to").first()
    start = (last.seq_to if last else 0) + 1
    created = []
    while start <= head.seq:
        end = min(head.seq, start + CHECKPOINT_SPAN - 1)
        hashes = list(
            Transaction.objects.filter(seq__gte=start, seq__lte=end)
            .order_by("seq")
            .values_list("chain_hash", flat=True)
        )
        root = hashing.merkle_root(hashes)
        message = hashing.checkpoint_message(seq_from=start, seq_to=end, chain_hash=hashes[-1], merkle_root=root)
        created.append(
            Checkpoint.objects.create(
                seq_from=start,
                seq_to=end,
                chain_hash=hashes[-1],
                merkle_root=root,
                signature=hashing.sign(message),
                public_key=hashing.public_key_hex(),
            )
        )
        start = end + 1
    return created


# --- The consistency check --------------------------------------------------------------


def _published_extended(*, head: ChainHead, store: DirectoryStore) -> None:
    """Refuse unless the database's chain extends the last published checkpoint: the chain
    hash at its ``seq_to`` is the published one, the stored checkpoint there is the published
    one, checkpoints signed but not yet published check out and follow on, and nothing is
    sealed beyond the last checkpoint. Publishes those pending checkpoints."""
    newest = Checkpoint.objects.order_by("-seq_to").first()
    try:
        published = publication.last_published(store=store, hint=newest.seq_from if newest else 0)
        _key_current(store)
    except publication.RecordInvalid as exc:
        raise SealRefused(
            "ledger.seal.log_unreadable", _("The published checkpoint log cannot be read: %(error)s") % {"error": exc}
        ) from exc
    seq, chain = (published.seq_to, published.chain_hash) if published else (0, hashing.GENESIS)
    if published:
        _published_matches(published)
    for pending in Checkpoint.objects.filter(seq_to__gt=seq).order_by("seq_to"):
        problem = _range_problem(pending, after_seq=seq, after_chain=chain)
        if problem:
            raise SealRefused(
                "ledger.seal.unpublished_mismatch",
                _(
                    "Checkpoint %(seq_from)s…%(seq_to)s was signed but not published, and it no longer matches the chain: %(problem)s. Nothing was signed."
                )
                % {"seq_from": pending.seq_from, "seq_to": pending.seq_to, "problem": problem},
            )
        publication.checkpoint_publish(PublishedCheckpoint.of(pending), store=store)
        seq, chain = pending.seq_to, pending.chain_hash
    if head.seq != seq or head.chain_hash != chain or Transaction.objects.filter(seq__gt=seq).exists():
        raise SealRefused(
            "ledger.seal.uncovered",
            _(
                "The chain does not end at the last checkpoint (seq %(seq)s): transactions were sealed beyond it or the chain head was moved. Nothing was signed."
            )
            % {"seq": seq},
        )


def _key_current(store: DirectoryStore) -> None:
    """The signing key must not be a retired one: not listed as retired, and not a key the
    published history shows was replaced (a host still holding an old SECRET_KEY)."""
    current = hashing.public_key_hex()
    history = [k.public_key for k in publication.keys_published(store)]
    if current in settings.LEDGER_RETIRED_PUBLIC_KEYS or (current in history and history[-1] != current):
        raise SealRefused(
            "ledger.seal.key_retired",
            _("The signing key %(key)s was retired; configure the current key. Nothing was signed.") % {"key": current},
        )


def _published_matches(published: PublishedCheckpoint) -> None:
    stored_chain = Transaction.objects.filter(seq=published.seq_to).values_list("chain_hash", flat=True).first()
    values = {"seq": published.seq_to}
    if stored_chain is None:
        raise SealRefused(
            "ledger.seal.published_missing",
            _(
                "The chain has no transaction at seq %(seq)s, which the last published checkpoint covers (sealed transactions were deleted?). Nothing was signed."
            )
            % values,
        )
    if stored_chain != published.chain_hash:
        raise SealRefused(
            "ledger.seal.published_chain",
            _(
                "The chain at seq %(seq)s differs from the last published checkpoint (history was rewritten?). Nothing was signed."
            )
            % values,
        )
    stored = Checkpoint.objects.filter(seq_to=published.seq_to).first()
    if stored is None or PublishedCheckpoint.of(stored) != published:
        raise SealRefused(
            "ledger.seal.checkpoint_mismatch",
            _("The stored checkpoint at seq %(seq)s is missing or differs from the published one. Nothing was signed.")
            % values,
        )


def _range_problem(checkpoint: Checkpoint, *, after_seq: int, after_chain: str) -> str | None:
    """Why a signed checkpoint does not follow ``after_seq`` / certify the stored range
    (content hashes recomputed from the postings), or None."""
    if checkpoint.seq_from != after_seq + 1:
        return f"it starts at {checkpoint.seq_from}, not {after_seq + 1}"
    copy = PublishedCheckpoint.of(checkpoint)
    if checkpoint.public_key not in hashing.trusted_public_keys() or not copy.signature_valid():
        return "its signature is not one of this platform's keys"
    rows = list(
        Transaction.objects.filter(seq__gte=checkpoint.seq_from, seq__lte=checkpoint.seq_to)
        .order_by("seq")
        .values_list(
            "pk",
            "seq",
            "kind",
            "memo",
            "cause",
            "idempotency_key",
            "created_at",
            "content_hash",
            "prev_hash",
            "chain_hash",
        )
    )
    postings: dict[int, list[tuple[int, int, int]]] = {}
    for tx, account, unit, amount in Posting.objects.filter(transaction_id__in=[r[0] for r in rows]).values_list(
        "transaction_id", "account_id", "unit_id", "amount"
    ):
        postings.setdefault(tx, []).append((account, unit, amount))
    chain, hashes = after_chain, []
    for expected, (pk, seq, kind, memo, cause, key, created_at, content, prev, link) in enumerate(rows, after_seq + 1):
        derived = hashing.content_hash(
            kind=kind, memo=memo, cause=cause, idempotency_key=key,
            created_at=hashing.normalise_stamp(created_at), postings=postings.get(pk, []),
        )  # fmt: skip
        if seq != expected or derived != content or prev != chain:
            return f"transaction seq {expected} is missing or changed"
        chain = hashing.chain_hash(chain, content)
        if link != chain:
            return f"the chain link at seq {seq} is wrong"
        hashes.append(link)
    if len(hashes) != checkpoint.seq_to - checkpoint.seq_from + 1 or chain != checkpoint.chain_hash:
        return "the chain does not reach its chain hash"
    if hashing.merkle_root(hashes) != checkpoint.merkle_root:
        return "its Merkle root does not match"
    return None
