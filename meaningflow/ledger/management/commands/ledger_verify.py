import time

from django.core.management.base import BaseCommand, CommandError

from meaningflow.ledger.verify import ledger_verify


class Command(BaseCommand):
    help = "Check every ledger invariant and the hash chain; exit 1 naming each violation."

    def handle(self, *args, **options):
        started = time.perf_counter()
        violations = ledger_verify()
        elapsed = time.perf_counter() - started
        for violation in violations:
            self.stdout.write(str(violation))
        if violations:
            raise CommandError(
                f"ledger_verify: {len(violations)} violation(s) found in {elapsed:.1f} s"
            )
        self.stdout.write(f"ledger_verify: OK ({elapsed:.1f} s)")
