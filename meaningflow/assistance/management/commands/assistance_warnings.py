from django.core.management.base import BaseCommand

from meaningflow.assistance.early_warnings import warnings_detect


class Command(BaseCommand):
    help = "Early warnings: low participation, stalled CV, interrupted assistance, falling income, overdue plans."

    def add_arguments(self, parser):
        parser.add_argument("--region", default="", help="GB/T 2260 prefix (default: every region)")

    def handle(self, *args, **options):
        summary = warnings_detect(region_prefix=options["region"], stream=self.stderr)
        self.stdout.write(" ".join(f"new_{k}={v}" for k, v in summary.items()))
