from django.core.management.base import BaseCommand

from meaningflow.core.idempotency import RETENTION, idempotency_purge


class Command(BaseCommand):
    help = f"Delete Idempotency-Key records older than {RETENTION} (periodic; idempotent)."

    def handle(self, *args, **options):
        self.stdout.write(f"idempotency records deleted: {idempotency_purge()}")
