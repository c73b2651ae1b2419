import time

from django.core.management.base import BaseCommand, CommandError

from meaningflow.ledger.verify import ledger_verify_report


class Command(BaseCommand):
    help = (
        "Check every ledger invariant, the hash chain and the checkpoints against the published "
        "checkpoint log, in one database snapshot; exit 1 naming each violation."
    )

    def handle(self, *args, **options):
        started = time.perf_counter()
        report = ledger_verify_report()
        elapsed = time.perf_counter() - started
        for note in report.notes:
            self.stdout.write(f"note: {note}")
        for violation in report.violations:
            self.stdout.write(str(violation))
        if report.violations:
            raise CommandError(f"ledger_verify: {len(report.violations)} violation(s) found in {elapsed:.1f} s")
        self.stdout.write(f"ledger_verify: OK ({elapsed:.1f} s)")
