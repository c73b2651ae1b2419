from django.core.management.base import BaseCommand

from meaningflow.core.services import jobs_recover_stale


class Command(BaseCommand):
    help = "Mark tasks and job runs left RUNNING by a dead worker as failed; re-enqueue periodic jobs."

    def add_arguments(self, parser):
        parser.add_argument("--worker-id", default="", help="A worker that stopped: its running tasks failed now.")

    def handle(self, *args, worker_id: str, **options):
        summary = jobs_recover_stale(worker_id=worker_id)
        self.stdout.write(
            f"tasks failed {summary['tasks']}, re-enqueued {summary['requeued']}, job runs failed {summary['jobs']}"
        )
