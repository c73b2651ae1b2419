from django.core.management.base import BaseCommand

from meaningflow.assistance.discovery import discovery_run


class Command(BaseCommand):
    help = "Proactive discovery: recognitions, entitlements, nearly eligible and pushes for a region."

    def add_arguments(self, parser):
        parser.add_argument("--region", default="", help="GB/T 2260 prefix (default: every region)")

    def handle(self, *args, **options):
        summary = discovery_run(region_prefix=options["region"], stream=self.stderr)
        self.stdout.write(" ".join(f"{k}={v}" for k, v in summary.items()))
