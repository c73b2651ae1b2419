from django.core.management.base import BaseCommand
from django.utils import timezone

from meaningflow.core.services import JobProgress
from meaningflow.needs import services


class Command(BaseCommand):
    help = (
        "Confirm completion outcomes the applicant left unanswered for N days, then mark "
        "applications whose review window is over as reviewed (DG-6). Idempotent."
    )

    def handle(self, *args, **options):
        now = timezone.now()
        with JobProgress(job="needs.auto_confirm", key=now.strftime("%Y-%m-%dT%H:%M"), stream=self.stderr) as progress:
            progress.summary["confirmed"] = services.applications_auto_confirm(now=now)
            progress.summary["reviewed"] = services.applications_mark_reviewed()
