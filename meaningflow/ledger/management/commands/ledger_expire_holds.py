from django.core.management.base import BaseCommand

from meaningflow.ledger.services import holds_expire


class Command(BaseCommand):
    help = "Release escrow holds past their expiry."

    def handle(self, *args, **options):
        self.stdout.write(f"expired {holds_expire()} hold(s)")
