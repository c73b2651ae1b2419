from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistanceConfig(AppConfig):
    name = "meaningflow.assistance"
    label = "assistance"
    verbose_name = _("Employment assistance")

    def ready(self):
        from meaningflow.accounts.personal_data import provider_register
        from meaningflow.accounts.signals import consent_changed
        from meaningflow.assistance.personal_data import PROVIDER, on_consent_changed

        # PR-1: this app's part of a person's data; the registry link follows the person's
        # consent to government data sharing (linked or unlinked at once).
        provider_register(PROVIDER)
        consent_changed.connect(on_consent_changed, dispatch_uid="assistance_registry_link_consent")
