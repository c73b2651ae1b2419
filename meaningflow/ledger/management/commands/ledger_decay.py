from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from meaningflow.ledger.services import decay_run
from meaningflow.ledger.services.decay import CHUNK_SIZE


class Command(BaseCommand):
    help = "Post CV decay up to a date (default today). Idempotent and resumable; shows progress."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", help="YYYY-MM-DD (default: today)")
        parser.add_argument("--chunk-size", type=int, default=CHUNK_SIZE)

    def handle(self, *args, as_of=None, chunk_size=CHUNK_SIZE, **options):
        try:
            day = date.fromisoformat(as_of) if as_of else timezone.localdate()
        except ValueError as exc:
            raise CommandError(f"--as-of must be YYYY-MM-DD: {exc}") from exc
        summary = decay_run(as_of=day, chunk_size=chunk_size, stream=self.stderr)
        for unit, count in summary.items():
            self.stdout.write(f"{unit}: {count} accounts decayed up to {day}")
