from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = _("Workflows")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from workflows import receivers
        from workflows.flows import ActionFlow

        receivers.connect()

        # Building the flow's URL patterns links each node to the flow, which task.reverse(...) needs
        # even before the first request has loaded the URLconf (commands, Celery tasks, tests).
        ActionFlow.instance.urls  # noqa: B018
