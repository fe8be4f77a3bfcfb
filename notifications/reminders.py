"""Due-date reminders and escalation of overdue work, run daily by Celery beat.

Each reminder is an effect keyed by the action, its kind and the day, so running beat twice on a day
(or a task delivered twice) tells each person once.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from approvals.models import Action, Plan, Role
from notifications import recipients
from notifications.models import Event
from notifications.services import notify


def reminder_kind(due: datetime.date, on: datetime.date) -> tuple[str, int] | None:
    """Which reminder, if any, an action due on `due` gets on day `on`: ("before", 7), ("today", 0) or
    ("overdue", days late) on the first late day and every NOTIFICATION_OVERDUE_REPEAT_DAYS after."""
    days = (due - on).days
    if days == 0:  # first, so that a setting of 0 days before never says "due in 0 days"
        return "today", 0
    if days == settings.NOTIFICATION_REMINDER_DAYS_BEFORE:
        return "before", days
    if days < 0 and (-days - 1) % settings.NOTIFICATION_OVERDUE_REPEAT_DAYS == 0:
        return "overdue", -days
    return None


def _open_actions_due_by(on: datetime.date):
    return (
        Action.objects.open()
        .filter(indicator__measure__plan__status=Plan.Status.ACTIVE, due_date__isnull=False)
        .filter(due_date__lte=on + datetime.timedelta(days=settings.NOTIFICATION_REMINDER_DAYS_BEFORE))
        .select_related("indicator__measure__plan__fiscal_year")
        .order_by("pk")
    )


def send_due_reminders(on: datetime.date | None = None) -> int:
    """Remind whoever an open action waits for, 7 days before its due date, on it, and when overdue.
    Returns how many actions are reminded of today (a reminder already recorded today is not repeated).
    An action without a due date is not reminded: there is no day to count down to, nor to be late for; its
    task is in the division's inbox from the day it was assigned (the assignment's own notification)."""
    on = on or timezone.localdate()
    recorded = 0
    for action in _open_actions_due_by(on):
        kind = reminder_kind(action.due_date, on)
        if kind is None:
            continue
        when, days = kind
        with transaction.atomic():
            message = notify(
                Event.REMINDER,
                key=f"reminder:{when}:action:{action.pk}:{on.isoformat()}",
                recipients=recipients.waiting_on(action),
                action=action,
                params={"when": when, "days": days},
            )
        recorded += message is not None
    return recorded


def escalate_overdue_actions(on: datetime.date | None = None) -> int:
    """Tell the chief administrator(s) about overdue actions, on the same days as overdue reminders.
    Returns how many actions are escalated today (an escalation already recorded today is not repeated)."""
    on = on or timezone.localdate()
    recorded = 0
    for action in _open_actions_due_by(on).filter(due_date__lt=on):
        kind = reminder_kind(action.due_date, on)
        if kind is None:
            continue
        with transaction.atomic():
            message = notify(
                Event.ESCALATION,
                key=f"escalation:action:{action.pk}:{on.isoformat()}",
                recipients=recipients.executives(action.agency_id, Role.CHIEF_ADMINISTRATOR),
                action=action,
                params={"days": kind[1], "status": action.get_status_display()},
            )
        recorded += message is not None
    return recorded
