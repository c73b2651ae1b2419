from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NeedsConfig(AppConfig):
    name = "meaningflow.needs"
    label = "needs"
    verbose_name = _("Dream Garden")
