from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _bootstrap(sender, using="default", **kwargs):
    # Reference rows (Global unit, system accounts, parameter set v1) after every migrate
    # and every flush, the way contenttypes and permissions are created.
    from django.db import connections

    from meaningflow.ledger.services.core import caches_clear, ledger_bootstrap

    caches_clear()
    # After `migrate ledger zero` the tables are gone: nothing to create then.
    if "ledger_unit" in connections[using].introspection.table_names():
        ledger_bootstrap()


class LedgerConfig(AppConfig):
    name = "meaningflow.ledger"
    label = "ledger"
    verbose_name = _("Contribution value")

    def ready(self):
        post_migrate.connect(_bootstrap, sender=self, dispatch_uid="ledger_bootstrap")
