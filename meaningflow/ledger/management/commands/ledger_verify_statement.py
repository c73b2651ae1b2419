from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from meaningflow.ledger import hashing
from meaningflow.ledger.verify import statement_against_log, verify_statement


class Command(BaseCommand):
    help = (
        "Verify a downloaded CV statement (JSON) against this platform's signing keys and "
        "compare its checkpoints with the published checkpoint log."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--public-key", help="hex Ed25519 key (default: this platform's)")

    def handle(self, *args, path: str, public_key=None, **options):
        try:
            text = Path(path).read_text()
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        problems = verify_statement(
            text,
            public_key=public_key or hashing.public_key_hex(),
            trusted_keys=None if public_key else hashing.trusted_public_keys(),
        )
        if not public_key:
            problems += statement_against_log(text)
        for problem in problems:
            self.stdout.write(problem)
        if problems:
            raise CommandError(f"statement does not verify: {len(problems)} problem(s)")
        self.stdout.write("statement verifies")
