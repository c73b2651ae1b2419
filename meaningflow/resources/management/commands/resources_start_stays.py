"""Periodic job: Start accepted bookings whose start has come."""

from django.core.management.base import BaseCommand

from meaningflow.resources import services


class Command(BaseCommand):
    help = "Start accepted bookings whose start has come."

    def handle(self, *args, **options):
        result = services.stays_start(stream=self.stderr)
        self.stdout.write(" ".join(f"{k}={v}" for k, v in result.items()))
