from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The API (ส่วนต่อประสานโปรแกรม): public open data and personal-token access for other systems."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "api"
    verbose_name = _("API")
