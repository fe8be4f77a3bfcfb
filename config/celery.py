"""The Celery application; configuration comes from Django settings under the CELERY_ namespace."""

import os

from celery import Celery, Task
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


class AuditedTask(Task):
    """Every task runs in a named job context: the rows it writes name the system account, the task and
    its id (audit/context.py)."""

    def __call__(self, *args, **kwargs):
        from audit import context

        with context.job(self.name, self.request.id or ""):
            return super().__call__(*args, **kwargs)


app = Celery("khunatham", task_cls=AuditedTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def refuse_to_work_without_audit_triggers(**kwargs) -> None:
    """A worker that would write records their history rows could not follow does not start."""
    from audit.startup import require_triggers

    require_triggers()
