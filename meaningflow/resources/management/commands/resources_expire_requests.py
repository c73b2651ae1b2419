"""Periodic job: Expire booking requests the owner did not answer in time (release their CV)."""

from django.core.management.base import BaseCommand

from meaningflow.resources import services


class Command(BaseCommand):
    help = "Expire booking requests the owner did not answer in time (release their CV)."

    def handle(self, *args, **options):
        result = services.bookings_expire(stream=self.stderr)
        self.stdout.write(" ".join(f"{k}={v}" for k, v in result.items()))
