from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _reference(sender, using="default", **kwargs):
    # Facilities, policy versions and the first rule set after every migrate and every
    # flush (transactional tests), the way the ledger bootstraps its reference rows.
    if using == "default":
        from meaningflow.resources.reference import reference_ensure

        reference_ensure()


class ResourcesConfig(AppConfig):
    name = "meaningflow.resources"
    label = "resources"
    verbose_name = _("Shared World")

    def ready(self):
        from meaningflow.accounts.personal_data import provider_register
        from meaningflow.core.registry import opportunity_sources
        from meaningflow.resources import selectors
        from meaningflow.resources.personal_data import PROVIDER

        post_migrate.connect(_reference, sender=self, dispatch_uid="resources_reference")
        # PR-1: this app's part of a person's data, for the export and account deletion.
        provider_register(PROVIDER)
        # GV-4: what this app offers to the assistance app's discovery.
        opportunity_sources.register("resources", selectors.opportunities_for_discovery)
