"""Periodic job: complete stays that ended without a reported problem; credit hosts."""

from django.core.management.base import BaseCommand

from meaningflow.resources import services


class Command(BaseCommand):
    help = "Complete stays that ended without a reported problem; credit hosts with reviews."

    def handle(self, *args, **options):
        result = services.bookings_autocomplete(stream=self.stderr)
        self.stdout.write(" ".join(f"{k}={v}" for k, v in result.items()))
