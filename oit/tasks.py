"""Background work of the OIT items, scheduled in settings.CELERY_BEAT_SCHEDULE. It runs in the job's acting
context (config/celery.py AuditedTask): its rows name the system account and the task."""

from __future__ import annotations

from celery import shared_task

from approvals.services import system_user
from oit import checker


@shared_task(name="oit.check_published_links")
def check_published_links() -> int:
    """Visit every approved OIT item's published address; returns the number of findings raised."""
    return checker.check_all(by=system_user())
