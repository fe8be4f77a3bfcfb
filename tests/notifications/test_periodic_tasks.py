"""Periodic tasks from the settings become PeriodicTask rows, editable in the admin, alongside other apps'."""

from __future__ import annotations

from celery.schedules import crontab
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from notifications.beat import install_periodic_tasks


def test_migrate_installs_the_reminder_escalation_relay_and_audit_tasks(db):
    names = set(PeriodicTask.objects.values_list("task", flat=True))

    assert {
        "notifications.relay_outbox",
        "notifications.send_due_reminders",
        "notifications.escalate_overdue_actions",
        "audit.anchor_chains",
        "audit.verify_chains",
        "audit.scan_risks",
    } <= names


def test_another_apps_entry_is_installed_beside_ours_and_installing_twice_adds_nothing(db, settings):
    settings.CELERY_BEAT_SCHEDULE = {
        **settings.CELERY_BEAT_SCHEDULE,
        "audit: seal anchoring": {"task": "audit.tasks.anchor_seal", "schedule": crontab(hour=3, minute=0)},
    }

    first = install_periodic_tasks()
    second = install_periodic_tasks()

    assert first == ["audit: seal anchoring"]
    assert second == []
    assert PeriodicTask.objects.get(name="audit: seal anchoring").crontab.hour == "3"


def test_a_schedule_edited_in_the_admin_is_kept_when_installing_again(db):
    task = PeriodicTask.objects.get(name="notifications: due-date reminders")
    task.crontab = CrontabSchedule.objects.create(hour="6", minute="15", timezone="Asia/Bangkok")
    task.save()

    install_periodic_tasks()

    assert PeriodicTask.objects.get(name="notifications: due-date reminders").crontab.hour == "6"
