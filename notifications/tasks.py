"""Celery tasks of the notifications app. Each takes ids or plain data and is idempotent: the worker
acknowledges late and requeues on a lost worker (config/settings.py), and the outbox publishes a task
again until its effect is recorded, so a task may run twice.

Database errors that go away by themselves (a deadlock, a serialization failure, a lost connection) are
retried with backoff. Delays are kept in the database (`next_attempt_at`); a Celery countdown is used
only when it is short (NOTIFICATION_SHORT_RETRY_SECONDS, below Redis's visibility timeout), and the
minute sweep takes care of everything later.
"""

from __future__ import annotations

import datetime
import logging

from celery import shared_task
from django.conf import settings
from django.db import connection

from approvals.transactions import backoff, is_transient
from notifications import outbox, reminders, services

logger = logging.getLogger(__name__)

# A delivery the sweep finds pending this long after it was due lost its task (a restarted Redis, a killed
# worker); shorter waits belong to a countdown or a task about to run.
SWEEP_GRACE = datetime.timedelta(minutes=2)


def _retry_database_error(task, exc: Exception) -> None:
    """Retry `task` soon after a transient database error; anything else propagates."""
    if not is_transient(exc) or task.request.is_eager:
        raise exc
    # A connection killed under us stays broken in Django until closed; the retry reconnects.
    connection.close_if_unusable_or_obsolete()
    countdown = min(backoff(task.request.retries or 0), settings.NOTIFICATION_SHORT_RETRY_SECONDS)
    logger.warning("%s hit a transient database error (%s); retrying in %.1f s", task.name, exc, countdown)
    # After the last retry the error stands; the outbox publishes the task again later (nothing is lost).
    raise task.retry(countdown=countdown, max_retries=settings.NOTIFICATION_DATABASE_RETRIES, exc=exc)


@shared_task(bind=True, name="notifications.deliver", acks_late=True, reject_on_worker_lost=True)
def deliver(
    self, *, key: str, event: str, recipients: list[int], action_id: int | None, agency_id: int | None, params: dict
) -> int:
    """Create the notifications of one effect (and mark its outbox row done with them), then send their email
    and LINE deliveries."""
    try:
        pending = services.deliver(
            key=key,
            event=event,
            recipients=recipients,
            action_id=action_id,
            agency_id=agency_id,
            params=params,
            task_id=self.request.id,
        )
    except Exception as exc:
        _retry_database_error(self, exc)
        raise
    for delivery_id in pending:
        # If the broker fails here, the deliveries are recorded and pending: the sweep sends them.
        send_delivery.delay(delivery_id)
    return len(pending)


@shared_task(bind=True, name="notifications.send_delivery", acks_late=True, reject_on_worker_lost=True)
def send_delivery(self, delivery_id: int) -> None:
    """Send one email or LINE delivery, once; a channel that is down is tried again with backoff and jitter."""
    try:
        attempt = services.attempt_delivery(delivery_id, in_process=self.request.is_eager)
    except Exception as exc:
        _retry_database_error(self, exc)
        raise
    if attempt.settled or self.request.is_eager:
        return
    if attempt.retry_in is not None and attempt.retry_in <= settings.NOTIFICATION_SHORT_RETRY_SECONDS:
        # A short wait: a countdown (well below the visibility timeout). Its time is also in the database.
        raise self.retry(countdown=attempt.retry_in, max_retries=None, exc=None)
    # A longer wait: the minute sweep sends it when `next_attempt_at` comes.


@shared_task(name="notifications.relay_outbox", acks_late=True)
def relay_outbox(grace_seconds: float | None = None) -> int:
    """Publish what is due in the outbox (unsent because the broker was down, or sent and never recorded as done),
    and send again the deliveries that are due (a long retry, a claim that ran out, a lost task)."""
    published = outbox.flush()
    grace = SWEEP_GRACE if grace_seconds is None else datetime.timedelta(seconds=grace_seconds)
    for delivery_id in services.due_deliveries(grace):
        send_delivery.delay(delivery_id)
    return published


@shared_task(name="notifications.send_due_reminders", acks_late=True)
def send_due_reminders(on: str | None = None) -> int:
    return reminders.send_due_reminders(datetime.date.fromisoformat(on) if on else None)


@shared_task(name="notifications.escalate_overdue_actions", acks_late=True)
def escalate_overdue_actions(on: str | None = None) -> int:
    return reminders.escalate_overdue_actions(datetime.date.fromisoformat(on) if on else None)


@shared_task(bind=True, name="notifications.send_digest", acks_late=True, reject_on_worker_lost=True)
def send_digest(self, *, user_id: int, on: str) -> int:
    """Prepare one person's daily digest (and mark its outbox row done with it), then send its one email."""
    try:
        delivery_id = services.build_digest(user_id, datetime.date.fromisoformat(on), task_id=self.request.id)
    except Exception as exc:
        _retry_database_error(self, exc)
        raise
    if delivery_id is None:
        return 0
    # If the broker fails here, the delivery is recorded and pending: the sweep sends it.
    send_delivery.delay(delivery_id)
    return 1


@shared_task(name="notifications.send_daily_digests", acks_late=True)
def send_daily_digests(on: str | None = None) -> int:
    """Beat, once a day: one digest per person with held emails, recorded once in the outbox."""
    return services.queue_daily_digests(datetime.date.fromisoformat(on) if on else None)
