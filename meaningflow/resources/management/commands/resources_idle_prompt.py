"""Periodic job (SW-8): prompt the owners of idle listed resources to activate them."""

from django.core.management.base import BaseCommand

from meaningflow.resources import services


class Command(BaseCommand):
    help = "Prompt the owners of resources that stood idle for the utilisation window."

    def handle(self, *args, **options):
        result = services.idle_resources_prompt(stream=self.stderr)
        self.stdout.write(" ".join(f"{k}={v}" for k, v in result.items()))
