"""Periodic tasks: every entry of settings.CELERY_BEAT_SCHEDULE becomes a django-celery-beat
PeriodicTask row, editable in the admin; edits made there are kept.

django-celery-beat's own DatabaseScheduler writes the settings' entries over the rows at every beat
start, undoing admin edits. `AdminEditableScheduler` only adds the entries that have no row yet, and
`install_periodic_tasks` does the same after `migrate`, so the rows exist before beat first runs.
Entries from several apps coexist: each is a key of the same dict, matched to its row by name.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler, ModelEntry

logger = logging.getLogger(__name__)


def install_periodic_tasks(schedule: dict | None = None) -> list[str]:
    """Create a PeriodicTask row for each entry that has none; returns the names created."""
    schedule = settings.CELERY_BEAT_SCHEDULE if schedule is None else schedule
    existing = set(PeriodicTask.objects.filter(name__in=list(schedule)).values_list("name", flat=True))
    created = []
    for name, entry in schedule.items():
        if name in existing:
            continue
        with transaction.atomic():
            # ModelEntry turns a Celery schedule (crontab, seconds) into its schedule row, as beat does.
            fields = ModelEntry._unpack_fields(**entry)
            PeriodicTask.objects.get_or_create(name=name, defaults=fields)
        created.append(name)
    return created


class AdminEditableScheduler(DatabaseScheduler):
    """The database scheduler, without overwriting admin edits with the settings at start-up."""

    def setup_schedule(self) -> None:
        self.install_default_entries(self.schedule)
        try:
            install_periodic_tasks(self.app.conf.beat_schedule or {})
        except Exception:
            logger.exception("Could not install the periodic tasks of the settings.")
