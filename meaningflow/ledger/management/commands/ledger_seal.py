from django.core.management.base import BaseCommand, CommandError

from meaningflow.ledger.services import SealRefused, ledger_seal


class Command(BaseCommand):
    help = (
        "Link committed transactions into the hash chain, sign checkpoints and publish them; "
        "refuses (exit 1, audited) when the chain does not extend the published checkpoints."
    )

    def add_arguments(self, parser):
        parser.add_argument("--grace", type=float, default=5.0, help="Seal only transactions older than this (s).")

    def handle(self, *args, grace: float, **options):
        total = 0
        try:
            while sealed := ledger_seal(grace_seconds=grace):
                total += sealed
        except SealRefused as refusal:
            raise CommandError(f"ledger_seal refused [{refusal.code}]: {refusal}") from refusal
        self.stdout.write(f"sealed {total} transaction(s)")
