from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports, public disclosure and dashboards")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from reports import receivers  # noqa: F401  (connects the domain-event receivers)
