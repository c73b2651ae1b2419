"""The hash chain and its signed checkpoints (BX-7).

Posting writers only store their transaction's ``content_hash``; they never touch a
shared row. The sealer (``manage.py ledger_seal``, every minute) links committed
transactions into the chain in id order under a lock of the single ``ChainHead`` row,
then signs a checkpoint (Ed25519) over the chain head and the Merkle root of the new
range's chain hashes. A transaction that commits after a higher id was sealed is simply
sealed next: the chain order is ``seq``, not ``id``.
"""

from datetime import timedelta

from django.db import connection
from django.utils import timezone

from meaningflow.ledger import hashing
from meaningflow.ledger.models import ChainHead, Checkpoint, Transaction
from meaningflow.ledger.services.core import ledger_atomic

CHECKPOINT_SPAN = 4096  # transactions per checkpoint: bounds a statement's proof work
UPDATE_BATCH = 1000


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
    chain and checkpoint them. Returns how many were sealed; safe to run concurrently
    (the ChainHead lock serialises sealers) and to re-run."""
    cutoff = timezone.now() - timedelta(seconds=grace_seconds)
    with ledger_atomic():
        ChainHead.objects.get_or_create(pk=1)
        head = ChainHead.objects.select_for_update().get(pk=1)
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
            _checkpoint_new(head=head)
        return len(rows)


def _checkpoint_new(*, head: ChainHead) -> None:
    last = Checkpoint.objects.order_by("-seq_to").first()
    start = (last.seq_to if last else 0) + 1
    while start <= head.seq:
        end = min(head.seq, start + CHECKPOINT_SPAN - 1)
        hashes = list(
            Transaction.objects.filter(seq__gte=start, seq__lte=end)
            .order_by("seq")
            .values_list("chain_hash", flat=True)
        )
        root = hashing.merkle_root(hashes)
        message = hashing.checkpoint_message(
            seq_from=start, seq_to=end, chain_hash=hashes[-1], merkle_root=root
        )
        Checkpoint.objects.create(
            seq_from=start,
            seq_to=end,
            chain_hash=hashes[-1],
            merkle_root=root,
            signature=hashing.sign(message),
            public_key=hashing.public_key_hex(),
        )
        start = end + 1
