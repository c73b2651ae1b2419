from django.core.management.base import BaseCommand

from meaningflow.assistance.personal_data import registry_unlink_unconsented


class Command(BaseCommand):
    help = (
        "PR-1: unlink registry records from accounts whose holder has not agreed to government data "
        "sharing (links made before consents were recorded). The records stay. Idempotent."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"registry_unlink_unconsented: {registry_unlink_unconsented()} record(s) unlinked")
