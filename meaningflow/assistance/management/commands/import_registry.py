from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from meaningflow.assistance.services import DEFAULT_MAX_BYTES, DEFAULT_MAX_ROWS, registry_import


class Command(BaseCommand):
    help = "Import a registered-unemployed file (CSV or XLSX) into the registry: all rows or none."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--region", required=True, help="GB/T 2260 prefix the rows must fall under, e.g. 43")
        parser.add_argument("--max-rows", type=int, default=DEFAULT_MAX_ROWS)
        parser.add_argument("--max-bytes", type=int, default=DEFAULT_MAX_BYTES)

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path} is not a file")
        if path.stat().st_size > options["max_bytes"]:
            raise CommandError(f"{path} is larger than {options['max_bytes']} bytes")
        # The operator's shell is trusted; the region given is the import's scope.
        batch = registry_import(
            system=True,
            region_prefix=options["region"],
            filename=path.name,
            content=path.read_bytes(),
            max_rows=options["max_rows"],
            max_bytes=options["max_bytes"],
            stream=self.stderr,
        )
        for error in batch.report.get("errors", []):
            self.stderr.write(error)
        for row in batch.report.get("rows", []):
            if row["status"] == "rejected":
                self.stderr.write(f"line {row['row']} {row['id']}: {' | '.join(row['reasons'])}")
        self.stdout.write(
            f"batch {batch.pk}: {batch.get_status_display()} — rows {batch.total_rows}, "
            f"new {batch.accepted}, "
            f"updated {batch.updated}, unchanged {batch.unchanged}, rejected {batch.rejected}"
        )
        if batch.status != batch.Status.APPLIED:
            raise CommandError("nothing was imported")
