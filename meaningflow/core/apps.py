from django.apps import AppConfig
from django.core.management import call_command
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _cache_table_ensure(sender, using="default", **kwargs) -> None:
    """The database cache (settings CACHES, the default) needs its table: every ``migrate``
    creates it when missing, so a deployment never serves the API without its rate limits."""
    call_command("createcachetable", database=using, verbosity=0)


class CoreConfig(AppConfig):
    name = "meaningflow.core"
    label = "core"
    verbose_name = _("Platform core")

    def ready(self) -> None:
        post_migrate.connect(_cache_table_ensure, sender=self, dispatch_uid="core.cache_table_ensure")
