from django.core.management.base import BaseCommand

from meaningflow.ledger.services import contributions_pending_credit_all


class Command(BaseCommand):
    help = "Credit the waiting contributions (ID-2) of every person who has verified their identity since."

    def handle(self, *args, **options):
        summary = contributions_pending_credit_all(stream=self.stderr)
        self.stdout.write(f"people {summary['people']}, contributions credited {summary['contributions']}")
