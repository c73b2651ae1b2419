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


def _credit_waiting_contributions(sender, user, **kwargs):
    from meaningflow.ledger.services.contributions import contributions_pending_credit

    contributions_pending_credit(user=user, actor=user)


class LedgerConfig(AppConfig):
    name = "meaningflow.ledger"
    label = "ledger"
    verbose_name = _("Contribution value")

    def ready(self):
        from meaningflow.accounts.personal_data import provider_register
        from meaningflow.accounts.signals import identity_verified
        from meaningflow.ledger.personal_data import PROVIDER

        post_migrate.connect(_bootstrap, sender=self, dispatch_uid="ledger_bootstrap")
        # ID-2: contributions waiting for the person's verified identity are credited then.
        identity_verified.connect(_credit_waiting_contributions, dispatch_uid="ledger_credit_waiting")
        # PR-1: the ledger's part of a person's data, for the export (deletion keeps it all).
        provider_register(PROVIDER)
