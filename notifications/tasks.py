"""Celery tasks of the notifications app. Each takes ids or plain data and is idempotent: the worker
acknowledges late and requeues on a lost worker (config/settings.py), so a task may run twice."""

from __future__ import annotations

import datetime
import logging

from celery import shared_task
from django.conf import settings

from notifications import outbox, reminders, services

logger = logging.getLogger(__name__)

# Deliveries still pending this long after their planned attempt lost their task (a broker crash).
STUCK_AFTER = datetime.timedelta(minutes=15)


@shared_task(name="notifications.deliver", acks_late=True, reject_on_worker_lost=True)
def deliver(
    *, key: str, event: str, recipients: list[int], action_id: int | None, agency_id: int | None, params: dict
) -> int:
    """Create the notifications of one effect and send their email and LINE deliveries."""
    pending = services.deliver(
        key=key,
        event=event,
        recipients=recipients,
        action_id=action_id,
        agency_id=agency_id,
        params=params,
    )
    for delivery_id in pending:
        send_delivery.delay(delivery_id)
    return len(pending)


@shared_task(bind=True, name="notifications.send_delivery", acks_late=True, reject_on_worker_lost=True)
def send_delivery(self, delivery_id: int) -> None:
    """Send one email or LINE delivery; retry with exponential backoff and jitter while the channel is down."""
    retries = self.request.retries or 0
    final = self.request.is_eager or retries >= settings.NOTIFICATION_MAX_RETRIES
    countdown = None if final else services.retry_countdown(retries)
    error = services.attempt_delivery(delivery_id, retry_in=countdown)
    if error is not None:
        raise self.retry(countdown=countdown, max_retries=settings.NOTIFICATION_MAX_RETRIES, exc=None)


@shared_task(name="notifications.relay_outbox", acks_late=True)
def relay_outbox() -> int:
    """Publish what could not be published at commit time (the broker was down), and re-send deliveries
    whose task was lost."""
    published = outbox.flush()
    for delivery_id in services.stuck_deliveries(STUCK_AFTER):
        send_delivery.delay(delivery_id)
    return published


@shared_task(name="notifications.send_due_reminders", acks_late=True)
def send_due_reminders(on: str | None = None) -> int:
    return reminders.send_due_reminders(datetime.date.fromisoformat(on) if on else None)


@shared_task(name="notifications.escalate_overdue_actions", acks_late=True)
def escalate_overdue_actions(on: str | None = None) -> int:
    return reminders.escalate_overdue_actions(datetime.date.fromisoformat(on) if on else None)
