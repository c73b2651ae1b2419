from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _consent_texts(sender, using="default", **kwargs):
    # The shipped consent texts after every migrate and every flush (transactional tests),
    # the way the ledger creates its reference rows.
    from django.db import connections

    from meaningflow.accounts.privacy import consent_texts_ensure

    if using == "default" and "accounts_consenttext" in connections[using].introspection.table_names():
        consent_texts_ensure()


class AccountsConfig(AppConfig):
    name = "meaningflow.accounts"
    label = "accounts"
    verbose_name = _("Accounts and organisations")

    def ready(self):
        from meaningflow.accounts import personal_data

        post_migrate.connect(_consent_texts, sender=self, dispatch_uid="accounts_consent_texts")
        # PR-1: the personal data this app and core hold (the other apps register theirs).
        personal_data.register_own()
