from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from meaningflow.assistance.services import registry_api_client_create


class Command(BaseCommand):
    help = "Create a registry API client (system-to-system pushes) and print its token once."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--region", required=True)
        parser.add_argument("--admin", required=True, help="username of the superuser creating it")

    def handle(self, *args, **options):
        admin = get_user_model().objects.filter(username=options["admin"], is_superuser=True).first()
        if admin is None:
            raise CommandError("--admin must name a superuser")
        client, token = registry_api_client_create(actor=admin, name=options["name"], region_prefix=options["region"])
        self.stdout.write(f"client {client.pk} ({client.region_prefix}): {token}")
