from django.core.management.base import BaseCommand

from meaningflow.ledger.services import trust_levels_refresh


class Command(BaseCommand):
    help = "Bring stored trust levels in line with the recorded facts and the parameters in force."

    def handle(self, *args, **options):
        summary = trust_levels_refresh(stream=self.stderr)
        self.stdout.write(f"people {summary['people']}, levels changed {summary['changed']}")
