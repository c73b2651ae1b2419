from django.core.management.base import BaseCommand

from meaningflow.reviews.services import review_windows_close_due


class Command(BaseCommand):
    help = "Reveal the reviews of every review window whose closing time has passed."

    def handle(self, *args, **options):
        revealed = review_windows_close_due()
        self.stdout.write(f"revealed={revealed}")
