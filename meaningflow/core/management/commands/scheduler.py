"""Enqueue periodic jobs on django-tasks at their intervals (settings.PERIODIC_JOBS).

Each job is a management command that is idempotent per period, so enqueueing one twice
(for example after a restart) does no harm.
"""

import time

from django.conf import settings
from django.core.management.base import BaseCommand

from meaningflow.core.tasks import run_management_command


class Command(BaseCommand):
    help = "Enqueue periodic jobs (settings.PERIODIC_JOBS) on the task queue."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Enqueue every job once and exit.")
        parser.add_argument("--tick", type=float, default=30.0, help="Seconds between checks.")

    def handle(self, *args, once: bool, tick: float, **options):
        jobs = dict(getattr(settings, "PERIODIC_JOBS", {}))
        next_run = {name: 0.0 for name in jobs}
        while True:
            now = time.monotonic()
            for name, interval in jobs.items():
                if now >= next_run[name]:
                    result = run_management_command.enqueue(name)
                    self.stdout.write(f"enqueued {name} ({result.id})")
                    next_run[name] = now + interval
            if once:
                return
            time.sleep(tick)
