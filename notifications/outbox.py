"""The transactional outbox: side effects written with the change, published to Celery after commit.

    from notifications.outbox import enqueue
    enqueue("reports.render_report", {"report_id": report.pk}, key=f"report:{report.pk}:v{version}",
            agency=report.agency)

`enqueue` writes a row in the caller's transaction. When that transaction commits, the relay (`flush`)
hands every unsent row to Celery, oldest first. When the broker is down the rows stay unsent and the
user's change is saved all the same; the periodic sweep (`notifications.relay_outbox`, every minute)
publishes them once the broker is back, in order. A row is marked published in the same transaction
that locked it, so two relays never publish it twice; a task may still run twice (a worker killed
before its acknowledgement), so every task must be idempotent, keyed on its payload.
"""

from __future__ import annotations

import logging
import uuid

from celery import current_app
from celery.exceptions import NotRegistered
from django.db import IntegrityError, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from approvals.models import Agency
from notifications.models import OutboxMessage

logger = logging.getLogger(__name__)

BATCH_SIZE = 200
# Publishing waits briefly for the broker; anything not published stays for the periodic sweep.
PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}


def enqueue(kind: str, payload: dict, *, key: str, agency: Agency | int | None = None) -> tuple[OutboxMessage, bool]:
    """Record the side effect `kind` (a Celery task name, called with `payload` as keyword arguments)
    in the current transaction. Returns the row and whether it is new: an effect whose `key` is already
    recorded is recorded once."""
    agency_id = agency.pk if isinstance(agency, Agency) else agency
    message = OutboxMessage(key=key, kind=kind, payload=payload, agency_id=agency_id)
    try:
        with transaction.atomic():
            message.save(force_insert=True)
    except IntegrityError:
        return OutboxMessage.objects.get(key=key), False
    # Each new row asks for a relay run after commit; the first run publishes them all and later ones
    # find nothing left (one query).
    transaction.on_commit(_flush_robustly)
    return message, True


def _flush_robustly() -> None:
    try:
        flush()
    except Exception:
        # The user's change is committed; whatever failed here is retried by the sweep.
        logger.exception("Outbox relay failed after commit; the periodic sweep will retry.")


def flush(limit: int = BATCH_SIZE) -> int:
    """Publish unsent outbox rows to Celery, oldest first. Stops at the first broker failure, leaving
    the rest (in order) for the next run. Returns how many rows were published."""
    published = 0
    while True:
        with transaction.atomic():
            # Rows are locked in id order, so a second relay waits and then skips what this one sent.
            batch = list(OutboxMessage.objects.unsent().order_by("pk").select_for_update()[:limit])
            for message in batch:
                error = _publish(message)
                if error is None:
                    message.published_at = timezone.now()
                    message.save(update_fields=["published_at"])
                    published += 1
                    continue
                message.attempts += 1
                message.last_error = error[:2000]
                message.save(update_fields=["attempts", "last_error"])
                if error.startswith("broker:"):
                    return published
        if len(batch) < limit:
            return published


def _publish(message: OutboxMessage) -> str | None:
    """Hand one row to Celery; None when done, otherwise the reason it stays unsent."""
    try:
        task = _task(message.kind)
    except (KeyError, NotRegistered):
        logger.error("Outbox row %s names an unknown task %r; it stays unsent.", message.pk, message.kind)
        return f"unknown task {message.kind}"
    task_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"khunatham:outbox:{message.key}"))
    if current_app.conf.task_always_eager:
        # The embedded default: the task runs here and now. Its failures are its own to record.
        try:
            task.apply(kwargs=message.payload, task_id=task_id, throw=True)
        except Exception as exc:
            logger.exception("Outbox task %s failed in-process.", message.kind)
            message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            message.save(update_fields=["last_error"])
        return None
    try:
        task.apply_async(kwargs=message.payload, task_id=task_id, retry=True, retry_policy=PUBLISH_RETRY_POLICY)
    except (OperationalError, OSError) as exc:
        logger.warning("Broker unavailable, outbox row %s stays unsent: %s", message.pk, exc)
        return f"broker: {exc}"
    return None


def _task(name: str):
    try:
        return current_app.tasks[name]
    except KeyError:
        # Outside a worker, the apps' tasks.py modules are imported on first need (autodiscovery).
        current_app.loader.import_default_modules()
        return current_app.tasks[name]


def backlog() -> dict:
    """How much is waiting to be published, for the health page."""
    unsent = OutboxMessage.objects.unsent()
    oldest = unsent.order_by("pk").values_list("created_at", flat=True).first()
    return {
        "unsent": unsent.count(),
        "oldest_seconds": int((timezone.now() - oldest).total_seconds()) if oldest else 0,
    }
