"""Print the current sign-in code of a demo staff account (PR-4). Demo accounts share a
published authenticator key; any other account is refused."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from meaningflow.accounts import two_factor
from meaningflow.accounts.models import User


class Command(BaseCommand):
    help = "Print the current second-factor code of a demo staff account (admin, officer_hunan, moderator)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        try:
            self.stdout.write(two_factor.demo_code(user=user))
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
