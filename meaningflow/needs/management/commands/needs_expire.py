from django.core.management.base import BaseCommand
from django.utils import timezone

from meaningflow.core.services import JobProgress
from meaningflow.needs import services


class Command(BaseCommand):
    help = "Expire needs past their end and applications past their deadline (DG-4). Idempotent."

    def handle(self, *args, **options):
        now = timezone.now()
        with JobProgress(job="needs.expire", key=now.strftime("%Y-%m-%dT%H:%M"), stream=self.stderr) as progress:
            progress.summary.update(services.needs_expire(now=now))
