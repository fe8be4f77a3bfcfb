from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _install_periodic_tasks(sender, **kwargs) -> None:
    from notifications.beat import install_periodic_tasks

    install_periodic_tasks()


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications and background work")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from notifications import receivers

        receivers.connect()
        # After every migrate (new database, new entries in CELERY_BEAT_SCHEDULE), create missing rows.
        post_migrate.connect(_install_periodic_tasks, sender=self, dispatch_uid="notifications.periodic_tasks")
