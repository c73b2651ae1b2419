"""Load the bilingual demo into an empty database (run by `make run`).

Reference data (places, skill taxonomy) is upserted every time; the demo people and
organisations only when the database has no users yet. Each installed app may ship a
``demo.py`` with ``load(stdout)``; they run in INSTALLED_APPS order (dependency order).
"""

import importlib
import time

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand

from meaningflow.accounts.demo import DEMO_PASSWORD, LOGINS
from meaningflow.accounts.models import User
from meaningflow.accounts.services import reference_data_load
from meaningflow.places.services import places_load


class Command(BaseCommand):
    help = "Load reference data and, into an empty database, the bilingual demo."

    def handle(self, *args, **options):
        # Demo people are fictional: their notifications stay in-app instead of filling
        # the console with e-mails.
        mail_backend, settings.EMAIL_BACKEND = settings.EMAIL_BACKEND, "django.core.mail.backends.dummy.EmailBackend"
        try:
            self._load()
        finally:
            settings.EMAIL_BACKEND = mail_backend

    def _load(self):
        started = time.perf_counter()
        self.stdout.write(f"places: {places_load()}")
        self.stdout.write(f"reference data: {reference_data_load()}")
        if User.objects.exists():
            self.stdout.write("The database already has users: demo data not loaded again.")
        else:
            for config in apps.get_app_configs():
                if not config.name.startswith("meaningflow."):
                    continue
                try:
                    module = importlib.import_module(f"{config.name}.demo")
                except ModuleNotFoundError:
                    continue
                if hasattr(module, "load"):
                    self.stdout.write(f"demo {config.label}: {module.load(self.stdout)}")
        self.stdout.write(f"({time.perf_counter() - started:.1f} s)")
        self.stdout.write(self.style.SUCCESS(f"\nDemo logins (password for all: {DEMO_PASSWORD}):"))
        for username, role in LOGINS:
            self.stdout.write(f"  {username:<16} {role}")
        self.stdout.write(
            "Staff accounts (admin, officer_hunan, moderator) also ask for a code from an authenticator "
            "app: add the demo key NVSWC3TJNZTWM3DPO4WWIZLNN4WWWZLZ to one, or print the current code with "
            "`.venv/bin/python manage.py demo_two_factor_code officer_hunan`."
        )
