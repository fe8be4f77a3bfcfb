from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OversightConfig(AppConfig):
    """Province and district oversight (ท้องถิ่นจังหวัด / ท้องถิ่นอำเภอ): read-only pages across agencies."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "oversight"
    verbose_name = _("Province oversight")
