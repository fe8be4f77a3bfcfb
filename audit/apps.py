from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_migrate
from django.utils.translation import gettext_lazy as _


def install_triggers_after_migrate(sender, using, **kwargs) -> None:
    """Every `migrate` (and test flush) ends by putting the seal and append-only triggers on every
    history table, and the capture trigger on every historised table, including tables other apps
    added since."""
    from django.db import connections

    from audit import capture, seal

    seal.install(connections[using])
    capture.install(connections[using])
    capture.resume_after_migrate(connections[using])


def pause_capture_during_migrate(sender, using, **kwargs) -> None:
    from django.db import connections

    from audit import capture

    capture.pause_during_migrate(connections[using])


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit trail")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from celery.signals import task_postrun, task_prerun
        from django.db.backends.signals import connection_created
        from django.db.models.signals import pre_delete, pre_save
        from simple_history.signals import post_create_historical_record, pre_create_historical_record

        from audit import capture, history, seal

        # PostgreSQL writes history rows itself (audit/capture.py); these send it who and why.
        pre_save.connect(capture.remember_who_and_why, dispatch_uid="audit-capture-save")
        pre_delete.connect(capture.remember_who_and_why, dispatch_uid="audit-capture-delete")
        connection_created.connect(capture.attach_to_connection, dispatch_uid="audit-capture-connection")
        pre_create_historical_record.connect(history.fill_in_who_and_why, dispatch_uid="audit-who-and-why")
        post_create_historical_record.connect(seal.seal_after_history_row, dispatch_uid="audit-seal-in-python")
        task_prerun.connect(history.celery_task_started, dispatch_uid="audit-celery-acting", weak=False)
        task_postrun.connect(history.celery_task_finished, dispatch_uid="audit-celery-acting-end", weak=False)
        # Sent once, for this app, after every app's migrations have run.
        post_migrate.connect(install_triggers_after_migrate, sender=self, dispatch_uid="audit-install-triggers")
        pre_migrate.connect(pause_capture_during_migrate, sender=self, dispatch_uid="audit-pause-capture")
        history.reuse_history_manager_classes()
