"""Due-date reminders and escalation of overdue work."""

from __future__ import annotations

import datetime

import pytest

from approvals.models import Action, Plan
from notifications import reminders
from notifications.models import Event, Notification

pytestmark = pytest.mark.usefixtures("tasks_in_process")

TODAY = datetime.date(2026, 3, 20)


def due(action: Action, days_from_today: int, status: str = Action.Status.PLANNED) -> Action:
    action.due_date = TODAY + datetime.timedelta(days=days_from_today)
    action.status = status
    action.save(update_fields=["due_date", "status"])
    return action


@pytest.mark.parametrize(
    ("days_until_due", "expected"),
    [
        (7, ("before", 7)),
        (6, None),
        (0, ("today", 0)),
        (-1, ("overdue", 1)),
        (-2, None),
        (-8, ("overdue", 8)),
    ],
)
def test_reminders_come_7_days_before_on_the_day_and_weekly_once_overdue(days_until_due, expected):
    assert reminders.reminder_kind(TODAY + datetime.timedelta(days=days_until_due), TODAY) == expected


def test_staff_of_a_division_with_open_work_are_reminded_7_days_before(
    action, staff_member, django_capture_on_commit_callbacks
):
    due(action, 7)

    with django_capture_on_commit_callbacks(execute=True):
        reminders.send_due_reminders(TODAY)

    reminder = Notification.objects.get(recipient=staff_member)
    assert reminder.title().startswith("อีก 7 วันครบกำหนด (27 มีนาคม 2569)")


def test_running_the_reminders_twice_on_a_day_reminds_once(action, staff_member, django_capture_on_commit_callbacks):
    due(action, 0)

    with django_capture_on_commit_callbacks(execute=True):
        reminders.send_due_reminders(TODAY)
        reminders.send_due_reminders(TODAY)

    assert Notification.objects.filter(recipient=staff_member, event=Event.REMINDER).count() == 1


def test_the_next_overdue_reminder_is_a_new_notification(action, staff_member, django_capture_on_commit_callbacks):
    due(action, -1)

    with django_capture_on_commit_callbacks(execute=True):
        reminders.send_due_reminders(TODAY)
        reminders.send_due_reminders(TODAY + datetime.timedelta(days=7))

    assert Notification.objects.filter(recipient=staff_member, event=Event.REMINDER).count() == 2


def test_an_action_waiting_for_review_reminds_the_chief_administrator_not_the_division(
    action, staff_member, chief_administrator, django_capture_on_commit_callbacks
):
    due(action, 0, Action.Status.AWAITING_REVIEW)

    with django_capture_on_commit_callbacks(execute=True):
        reminders.send_due_reminders(TODAY)

    assert list(Notification.objects.values_list("recipient__username", flat=True)) == ["charlie"]


def test_done_and_cancelled_actions_are_not_reminded(action, staff_member, django_capture_on_commit_callbacks):
    due(action, 0, Action.Status.DONE)

    with django_capture_on_commit_callbacks(execute=True):
        reminders.send_due_reminders(TODAY)

    assert not Notification.objects.exists()


def test_actions_of_a_plan_not_yet_active_are_not_reminded(
    action, plan, staff_member, django_capture_on_commit_callbacks
):
    plan.status = Plan.Status.DRAFT
    plan.save()
    due(action, 0)

    with django_capture_on_commit_callbacks(execute=True):
        reminders.send_due_reminders(TODAY)

    assert not Notification.objects.exists()


def test_overdue_work_is_escalated_to_the_chief_administrator_once_a_day(
    action, staff_member, chief_administrator, django_capture_on_commit_callbacks
):
    due(action, -1)

    with django_capture_on_commit_callbacks(execute=True):
        reminders.escalate_overdue_actions(TODAY)
        reminders.escalate_overdue_actions(TODAY)

    escalation = Notification.objects.get(event=Event.ESCALATION)
    assert escalation.recipient == chief_administrator
    assert escalation.title().startswith("เกินกำหนด 1 วัน")


def test_an_action_without_a_due_date_is_not_reminded(action, staff_member, django_capture_on_commit_callbacks):
    action.due_date = None
    action.save(update_fields=["due_date"])

    with django_capture_on_commit_callbacks(execute=True):
        reminders.send_due_reminders(TODAY)

    assert not Notification.objects.exists()


def test_with_no_days_before_set_the_due_day_reminder_says_due_today(
    action, staff_member, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFICATION_REMINDER_DAYS_BEFORE = 0
    due(action, 0)

    with django_capture_on_commit_callbacks(execute=True):
        reminders.send_due_reminders(TODAY)

    assert Notification.objects.get(recipient=staff_member).title() == f"ครบกำหนดวันนี้: {action}"
