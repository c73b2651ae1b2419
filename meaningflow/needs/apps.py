from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NeedsConfig(AppConfig):
    name = "meaningflow.needs"
    label = "needs"
    verbose_name = _("Dream Garden")

    def ready(self):
        from meaningflow.accounts.personal_data import provider_register
        from meaningflow.core.registry import opportunity_sources
        from meaningflow.needs import selectors
        from meaningflow.needs.personal_data import PROVIDER

        # PR-1: this app's part of a person's data, for the export and account deletion.
        provider_register(PROVIDER)
        # GV-4: what this app offers to the assistance app's discovery.
        opportunity_sources.register("needs", selectors.opportunities_for_discovery)
