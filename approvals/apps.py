from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApprovalsConfig(AppConfig):
    name = "approvals"
    verbose_name = _("ITA plans and approvals")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth import signals
        from django.contrib.auth.models import update_last_login

        from approvals.receivers import update_last_login_without_history

        # Signing in only moves last_login, which is not history: Django's receiver would still write
        # an empty history row for every sign-in and bury the real changes in the auditors' change log.
        signals.user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login")
        signals.user_logged_in.connect(update_last_login_without_history, dispatch_uid="update_last_login")
