"""The transactional outbox: side effects written with the change, handed to Celery after commit, and kept until
the task has recorded them.

    from notifications.outbox import enqueue
    enqueue("reports.render_report", {"report_id": report.pk}, key=f"report:{report.pk}:v{version}",
            agency=report.agency)

`enqueue` writes a row in the caller's transaction. When that transaction commits, the relay (`flush`)
hands every due row to Celery, oldest first. When the broker is down the rows stay unsent and the user's
change is saved all the same; the periodic sweep (`notifications.relay_outbox`, every minute) publishes
them once the broker is back, in order.

A row leaves the outbox only when its effect is recorded (`completed_at`): the task marks it done in its
own transaction (`complete`, as `notifications.deliver` does) or right after it succeeded (the
`task_success` receiver below). Until then every publication sets `next_attempt_at`, and a row still
unfinished at that time is published again: a task lost with a killed worker, a restarted Redis without
persistence, or a task that failed for good on a database error. So a task may run twice, and every
task must be idempotent, keyed on its payload.

Relays lock a batch with `SELECT … FOR UPDATE SKIP LOCKED`: two relays share the work and never publish
the same row at once. The relay holds no hash-chain lock and waits for nobody (docs/audit.md).
"""

from __future__ import annotations

import datetime
import logging
import uuid

from celery import current_app
from celery.exceptions import NotRegistered
from celery.signals import task_success
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from approvals.models import Agency
from notifications.models import OutboxMessage

logger = logging.getLogger(__name__)

BATCH_SIZE = 200
# Publishing waits briefly for the broker; anything not published stays for the periodic sweep.
PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}


def task_id_for(key: str) -> str:
    """The Celery task id of an effect: the same at every publication, so logs and `complete` can match it."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"khunatham:outbox:{key}"))


def enqueue(
    kind: str, payload: dict, *, key: str, agency: Agency | int | None = None, relay_now: bool = True
) -> tuple[OutboxMessage, bool]:
    """Record the side effect `kind` (a Celery task name, called with `payload` as keyword arguments)
    in the current transaction. Returns the row and whether it is new: an effect whose `key` is already
    recorded is recorded once. `relay_now=False` leaves the row to the minute sweep (the broker is known
    to be in trouble: the request should not wait for it again)."""
    agency_id = agency.pk if isinstance(agency, Agency) else agency
    message = OutboxMessage(key=key, kind=kind, payload=payload, agency_id=agency_id, task_id=task_id_for(key))
    if not _insert_unless_recorded(message):
        return OutboxMessage.objects.get(key=key), False
    if relay_now:
        # Each new row asks for a relay run after commit; the first run publishes them all and later ones
        # find nothing left (one query).
        transaction.on_commit(_flush_robustly)
    return message, True


def _insert_unless_recorded(message: OutboxMessage) -> bool:
    """Insert the row unless a row with its key exists (`INSERT … ON CONFLICT (key) DO NOTHING RETURNING id`):
    one statement, where a savepoint around an insert that may fail costs three. Returns whether it was new."""
    meta = OutboxMessage._meta
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    quote = connection.ops.quote_name
    values = [field.get_db_prep_save(field.pre_save(message, True), connection) for field in fields]
    columns = ", ".join(quote(field.attname if field.column is None else field.column) for field in fields)
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({', '.join(['%s'] * len(fields))}) "
        f'ON CONFLICT ("key") DO NOTHING RETURNING "id"'
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        row = cursor.fetchone()
    if row is None:
        return False
    message.pk = row[0]
    message._state.adding = False
    message._state.db = connection.alias
    return True


def after_commit(kind: str, payload: dict, *, agency: Agency | int | None = None) -> None:
    """Run the task `kind` in this process once the current transaction commits (a cache to clear, say),
    and never let it fail the committed request: if it fails (Redis is down), it is logged and recorded in
    the outbox, and a worker runs it later, once the sweep can publish it.

    The task must be idempotent and cheap enough to run inside a request."""

    def run() -> None:
        try:
            _task(kind)(**payload)
        except Exception:
            logger.warning("After-commit task %s failed; the outbox retries it in the background.", kind, exc_info=True)
            try:
                with transaction.atomic():
                    enqueue(kind, payload, key=f"after-commit:{kind}:{uuid.uuid4()}", agency=agency, relay_now=False)
            except Exception:
                logger.exception("After-commit task %s failed and could not be recorded for a retry.", kind)

    transaction.on_commit(run)


def _flush_robustly() -> None:
    try:
        flush()
    except Exception:
        # The user's change is committed; whatever failed here is retried by the sweep.
        logger.exception("Outbox relay failed after commit; the periodic sweep will retry.")


# A row whose task keeps failing is published again less and less often, but at least this often.
LONGEST_REPUBLISH_WAIT = datetime.timedelta(hours=6)


def republish_after(message: OutboxMessage, now: datetime.datetime) -> datetime.timedelta:
    """How long a published row waits for its task to record the effect before it is published again: at first
    OUTBOX_REPUBLISH_SECONDS, then half the row's age (a task that keeps failing is not run every few minutes for
    ever), at most LONGEST_REPUBLISH_WAIT."""
    first = datetime.timedelta(seconds=settings.OUTBOX_REPUBLISH_SECONDS)
    return min(max(first, (now - message.created_at) / 2), max(first, LONGEST_REPUBLISH_WAIT))


def _retry_after(attempts: int) -> datetime.timedelta:
    """A row whose own task failed (unknown, or failing in-process) waits longer each time, up to an hour."""
    return datetime.timedelta(seconds=min(3600, 30 * 2 ** min(attempts, 7)))


def flush(limit: int = BATCH_SIZE) -> int:
    """Publish due outbox rows to Celery, oldest first. Stops at the first broker failure, leaving the
    rest (in order) for the next run. Returns how many rows were published."""
    published = 0
    while True:
        with transaction.atomic():
            now = timezone.now()
            # SKIP LOCKED: a second relay takes the next rows instead of waiting for these.
            batch = list(OutboxMessage.objects.due(now).order_by("pk").select_for_update(skip_locked=True)[:limit])
            for message in batch:
                error = _publish(message)
                if error is None:
                    message.published_at = timezone.now()
                    if message.completed_at is None:
                        message.next_attempt_at = message.published_at + republish_after(message, now)
                    message.save(update_fields=["published_at", "next_attempt_at", "completed_at", "last_error"])
                    published += 1
                    continue
                message.attempts += 1
                message.last_error = error[:2000]
                if error.startswith("broker:"):
                    # The broker is down for everyone: the row stays due, in order, for the next run.
                    message.save(update_fields=["attempts", "last_error"])
                    return published
                message.next_attempt_at = now + _retry_after(message.attempts)
                message.save(update_fields=["attempts", "last_error", "next_attempt_at"])
        if len(batch) < limit:
            return published


def _publish(message: OutboxMessage) -> str | None:
    """Hand one row to Celery; None when done, otherwise the reason it stays due."""
    try:
        task = _task(message.kind)
    except (KeyError, NotRegistered):
        logger.error("Outbox row %s names an unknown task %r; it stays unsent.", message.pk, message.kind)
        return f"unknown task {message.kind}"
    task_id = message.task_id or task_id_for(message.key)
    if current_app.conf.task_always_eager:
        # The embedded default: the task runs here and now, and its row is done when it succeeds.
        try:
            task.apply(kwargs=message.payload, task_id=task_id, throw=True)
        except Exception as exc:
            logger.exception("Outbox task %s failed in-process.", message.kind)
            return f"{type(exc).__name__}: {exc}"
        message.completed_at = message.completed_at or timezone.now()
        message.last_error = ""
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


def complete(task_id: str) -> int:
    """Mark the outbox row of the task `task_id` done. Called in the task's own transaction where it can
    be (the effect and its row commit together), else right after the task succeeded."""
    finished = 0
    for message in OutboxMessage.objects.unfinished().filter(task_id=task_id):
        message.completed_at = timezone.now()
        message.next_attempt_at = None
        message.save(update_fields=["completed_at", "next_attempt_at"])
        finished += 1
    return finished


@task_success.connect(dispatch_uid="notifications.outbox.complete")
def _complete_after_success(sender=None, **kwargs) -> None:
    """A worker's task that came from the outbox succeeded: its effect is recorded, the row is done."""
    request = getattr(sender, "request", None)
    if request is None or request.is_eager or not request.id:
        return  # in-process, `_publish` marks the row itself
    try:
        complete(request.id)
    except Exception:
        # The effect is recorded; the row is published again later and the idempotent task finds it done.
        logger.exception("Could not mark the outbox row of task %s done", request.id)


def backlog() -> dict:
    """How much is waiting to be published, for the health page."""
    unsent = OutboxMessage.objects.unsent()
    oldest = unsent.order_by("pk").values_list("created_at", flat=True).first()
    return {
        "unsent": unsent.count(),
        "oldest_seconds": int((timezone.now() - oldest).total_seconds()) if oldest else 0,
        # Sent to Celery but not done yet: normal for a few seconds; a row here for long has a failing task.
        "unfinished": OutboxMessage.objects.unfinished().count(),
    }
