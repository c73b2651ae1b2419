from django.core.management.base import BaseCommand

from meaningflow.ledger.services import ledger_seal


class Command(BaseCommand):
    help = "Link committed transactions into the hash chain and sign checkpoints."

    def add_arguments(self, parser):
        parser.add_argument(
            "--grace", type=float, default=5.0, help="Seal only transactions older than this (s)."
        )

    def handle(self, *args, grace: float, **options):
        total = 0
        while sealed := ledger_seal(grace_seconds=grace):
            total += sealed
        self.stdout.write(f"sealed {total} transaction(s)")
