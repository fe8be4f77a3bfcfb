"""Every state change of notifications: recording an effect, delivering it, reading it, choosing channels.

`notify` runs inside the caller's transaction and only writes an outbox row. `deliver` and
`attempt_delivery` run in Celery tasks (or in-process without a broker) and are idempotent: the
notification is keyed by effect and recipient, the delivery by notification and channel.
"""

from __future__ import annotations

import datetime
import random
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, override

from approvals.exceptions import InvalidTransition
from approvals.models import Action, User
from approvals.services import SYSTEM_USERNAME, save_with_history, system_user
from approvals.transactions import agency_transaction, retry_transient
from audit import context, reasons
from audit.context import Reason
from notifications import channels, outbox
from notifications.models import Channel, Delivery, Event, Notification, OutboxMessage, Preference, Timing

DELIVER_TASK = "notifications.deliver"
# The result a delivery shows while a worker sends it: which claim holds it.
CLAIM_RESULT = "being sent (claim %(token)s)"
LINE_USER_ID = re.compile(r"^U[0-9a-f]{32}$")
LINE_USER_ID_ERROR = gettext_noop(
    "LINE user ID: it must be the letter U followed by 32 digits or letters a-f (for example U4af4980629...)."
)


def bilingual(message: str) -> str:
    """A message in Thai, then in English, as every error the user sees is written."""
    with override("th"):
        thai = _(message)
    with override("en"):
        english = _(message)
    return thai if thai == english else f"{thai} / {english}"


def action_url(action: Action) -> str:
    """Where a notification about the action leads: the action's page, with its whole story."""
    return reverse("workflows:action-detail", args=[action.pk])


def describe(action: Action) -> dict:
    """The details of an action a notification repeats: how a clerk names it, and its due date."""
    return {
        "action": str(action),
        "due_date": action.due_date.isoformat() if action.due_date else "",
    }


def notify(
    event: str,
    *,
    key: str,
    recipients: Iterable[int],
    action: Action | None = None,
    agency_id: int | None = None,
    params: dict | None = None,
    by: User | None = None,
) -> OutboxMessage | None:
    """Record, in the current transaction, that `recipients` are to be told about `event`.

    `key` names the effect (e.g. "returned:decision:12"); recording the same effect again adds any new
    recipients while it is unsent, and otherwise changes nothing. The person who acted is not told.
    """
    people = set(recipients)
    if by is not None:
        people.discard(by.pk)
    if not people:
        return None
    details = dict(params or {})
    if by is not None and by.username != SYSTEM_USERNAME:
        details.setdefault("by", str(by))
    # The action's name, due date and link are looked up when delivering, outside the user's request.
    payload: dict[str, Any] = {
        "key": key,
        "event": event,
        "recipients": sorted(people),
        "action_id": action.pk if action else None,
        "agency_id": action.agency_id if action else agency_id,
        "params": details,
    }
    message, created = outbox.enqueue(DELIVER_TASK, payload, key=f"notify:{key}", agency=payload["agency_id"])
    if not created and message.published_at is None:
        merged = sorted(set(message.payload["recipients"]) | people)
        if merged != message.payload["recipients"]:
            message.payload["recipients"] = merged
            message.save(update_fields=["payload"])
    return message


def deliver(
    *,
    key: str,
    event: str,
    recipients: list[int],
    action_id: int | None,
    agency_id: int | None,
    params: dict,
    task_id: str | None = None,
) -> list[int]:
    """Create each recipient's notification and one delivery per chosen channel, once, and mark the effect's
    outbox row done in the same transaction (`task_id`): the row leaves the outbox only with its deliveries.
    Returns the deliveries still to be sent (email, LINE)."""
    system = system_user()
    pending: list[int] = []
    # A notification about no action (a grant of a role) names its page in its details.
    url = params.get("url", "")
    action = Action.objects.with_plan().filter(pk=action_id).first() if action_id else None
    if action is not None:
        params = {**describe(action), **params}
        url = action_url(action)
    elif params.get("finding_id"):
        url = reverse("audit:finding-detail", args=[params["finding_id"]])
    people = list(User.objects.filter(pk__in=recipients, is_active=True).order_by("pk"))
    # Every row is written into its recipient's agency's chain (the action's agency, normally just one).
    agency_of = {person.pk: agency_id or person.agency_id for person in people}
    with agency_transaction(*set(agency_of.values())):
        preferences = {p.user_id: p for p in Preference.objects.filter(user_id__in=recipients)}
        for person in people:
            notification = _record(
                Notification(
                    key=f"{key}:user:{person.pk}",
                    recipient=person,
                    agency_id=agency_of[person.pk],
                    event=event,
                    action_id=action_id,
                    params=params,
                    url=url,
                ),
                lookup={"key": f"{key}:user:{person.pk}"},
                by=system,
                reason=reasons.code(reasons.NOTIFIED, event=event),
            )
            chosen = preferences.get(person.pk, Preference(user=person)).channels_for(event)
            for channel in sorted(chosen):
                delivery = _record(
                    _new_delivery(notification, channel, person, preferences.get(person.pk)),
                    lookup={"notification": notification, "channel": channel},
                    by=system,
                    reason=reasons.code(reasons.DELIVERY_QUEUED, channel=channel),
                )
                if delivery.status == Delivery.Status.PENDING:
                    pending.append(delivery.pk)
        if task_id:
            outbox.complete(task_id)
    return pending


def _new_delivery(notification: Notification, channel: str, person: User, preference: Preference | None) -> Delivery:
    delivery = Delivery(notification=notification, channel=channel, agency_id=notification.agency_id)
    if channel == Channel.IN_APP:
        delivery.status = Delivery.Status.SENT
        delivery.sent_at = timezone.now()
        delivery.result = "shown in the notification centre"
    elif channel == Channel.EMAIL:
        delivery.address = person.email
        if not person.email:
            delivery.status, delivery.result = Delivery.Status.SKIPPED, "no email address"
        elif (preference or Preference(user=person)).timing_for(notification.event) == Timing.DIGEST:
            # One email a day instead of one per event: the daily digest sends it (`build_digest`).
            delivery.status, delivery.result = Delivery.Status.HELD, "held for the daily digest"
    elif channel == Channel.LINE:
        delivery.address = preference.line_user_id if preference else ""
        if not settings.LINE_ENABLED:
            delivery.status, delivery.result = Delivery.Status.SKIPPED, "LINE is not enabled"
        elif not delivery.address:
            delivery.status, delivery.result = Delivery.Status.SKIPPED, "no LINE user ID"
    return delivery


def _record(obj, *, lookup: dict, by: User, reason: Reason | str):
    """Insert `obj` with history, or return the row already recorded under `lookup` (a task run twice)."""
    model = type(obj)
    existing = model.objects.filter(**lookup).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return save_with_history(obj, by=by, reason=reason)
    except IntegrityError:
        return model.objects.get(**lookup)


def retry_countdown(attempt: int) -> float:
    """Exponential backoff with jitter: about base·2^attempt seconds, capped, never all at once."""
    ceiling = min(
        settings.NOTIFICATION_RETRY_BACKOFF_MAX_SECONDS, settings.NOTIFICATION_RETRY_BACKOFF_SECONDS * 2**attempt
    )
    return ceiling / 2 + random.uniform(0, ceiling / 2)


@dataclass(frozen=True)
class Attempt:
    """What became of one call of `attempt_delivery`: settled (nothing more to do for this task), or to be tried
    again in `retry_in` seconds, by a Celery countdown when that is short, else by the minute sweep."""

    settled: bool
    retry_in: float | None = None
    error: str = ""


SETTLED = Attempt(settled=True)


def _delivery_agency(delivery_id: int) -> int | None:
    return Delivery.objects.filter(pk=delivery_id).values_list("agency_id", flat=True).first()


def _claim(delivery_id: int, *, token: str, system: User) -> Delivery | Attempt:
    """Record that this worker is sending the delivery now (status "sending" until the lease ends, and the
    claim's `token` in the result), so that nobody else sends it meanwhile; or say why not (settled, or due
    later). Run again after a lost connection, it recognises its own claim by the token."""
    with agency_transaction(_delivery_agency(delivery_id)):
        # The agency's chain lock, then the row: a concurrent run of the same delivery waits, then sees the claim.
        delivery = (
            Delivery.objects.select_for_update(of=("self",))
            .select_related("notification__recipient")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.status not in (Delivery.Status.PENDING, Delivery.Status.SENDING):
            return SETTLED
        if delivery.status == Delivery.Status.SENDING and delivery.result == CLAIM_RESULT % {"token": token}:
            return delivery  # our claim committed, then the connection was lost before we heard so
        now = timezone.now()
        if delivery.next_attempt_at is not None and delivery.next_attempt_at > now:
            # Another worker holds the claim, or the next retry is not due yet.
            return Attempt(settled=False, retry_in=(delivery.next_attempt_at - now).total_seconds())
        delivery.attempts += 1
        delivery.status = Delivery.Status.SENDING
        delivery.next_attempt_at = now + datetime.timedelta(seconds=settings.NOTIFICATION_SEND_LEASE_SECONDS)
        delivery.result = CLAIM_RESULT % {"token": token}
        save_with_history(
            delivery,
            by=system,
            reason=reasons.code(reasons.DELIVERY_ATTEMPTED, attempt=delivery.attempts, status=delivery.status),
            update_fields=["attempts", "status", "next_attempt_at", "result"],
        )
    return delivery


def attempt_delivery(delivery_id: int, *, in_process: bool = False) -> Attempt:
    """Send one due email or LINE delivery, once.

    The claim is committed before sending, and the result is recorded after it, retrying deadlocks and lost
    database connections until it is written: what the record shows as sent is never sent again. Only a worker
    killed between the send and the record leaves a claim that runs out; the delivery is then sent again with
    the same Message-ID / X-Line-Retry-Key (LINE accepts it once; mail clients show one message).
    A channel that is down is tried again with exponential backoff, NOTIFICATION_MAX_RETRIES times; in-process
    (the embedded default, no worker to come back) its failure is final at once.
    """
    system = system_user()
    token = uuid.uuid4().hex
    claimed = retry_transient(
        lambda: _claim(delivery_id, token=token, system=system),
        attempts=settings.NOTIFICATION_DATABASE_RETRIES,
        what=f"claiming delivery {delivery_id}",
    )
    if isinstance(claimed, Attempt):
        return claimed
    delivery = claimed
    retry_in = None
    try:
        result, status = channels.send(delivery), Delivery.Status.SENT
    except channels.PermanentFailure as exc:
        result, status = str(exc), Delivery.Status.FAILED
    except channels.TransientFailure as exc:
        result = str(exc)
        if in_process or delivery.attempts > settings.NOTIFICATION_MAX_RETRIES:
            status = Delivery.Status.FAILED
        else:
            status, retry_in = Delivery.Status.PENDING, retry_countdown(delivery.attempts - 1)
    retry_transient(
        lambda: _record_outcome(delivery, status=status, result=result, retry_in=retry_in, system=system),
        attempts=settings.NOTIFICATION_DATABASE_RETRIES,
        what=f"recording delivery {delivery_id}",
    )
    if retry_in is None:
        return SETTLED
    return Attempt(settled=False, retry_in=retry_in, error=result)


def _record_outcome(delivery: Delivery, *, status: str, result: str, retry_in: float | None, system: User) -> None:
    with agency_transaction(delivery.agency_id):
        current = Delivery.objects.select_for_update(of=("self",)).get(pk=delivery.pk)
        if current.status != Delivery.Status.SENDING or current.attempts != delivery.attempts:
            # An earlier try of this very recording committed before its connection was lost.
            return
        current.status, current.result = status, result
        now = timezone.now()
        current.sent_at = now if status == Delivery.Status.SENT else None
        current.next_attempt_at = now + datetime.timedelta(seconds=retry_in) if retry_in is not None else None
        save_with_history(
            current,
            by=system,
            reason=reasons.code(reasons.DELIVERY_ATTEMPTED, attempt=current.attempts, status=status),
            update_fields=["status", "result", "sent_at", "next_attempt_at"],
        )


def due_deliveries(grace: datetime.timedelta, limit: int = 500) -> list[int]:
    """Email/LINE deliveries the sweep sends again: a retry due (the wait was too long for a Celery countdown),
    a claim that ran out (a worker killed while sending), or a task that was lost (a restarted Redis).
    `grace` leaves alone what a countdown or a fresh task is about to do."""
    cutoff = timezone.now() - grace
    waiting = Delivery.objects.filter(
        status__in=[Delivery.Status.PENDING, Delivery.Status.SENDING], channel__in=[Channel.EMAIL, Channel.LINE]
    )
    due = waiting.filter(next_attempt_at__lt=cutoff) | waiting.filter(
        next_attempt_at__isnull=True, created_at__lt=cutoff
    )
    return list(due.order_by("pk").values_list("pk", flat=True)[:limit])


def mark_read(notification: Notification, *, by: User) -> Notification:
    """Mark one of the person's own notifications as read."""
    if notification.recipient_id != by.pk:
        raise InvalidTransition(_("This notification is not yours."))
    with agency_transaction(notification.agency_id):
        notification = Notification.objects.select_for_update().get(pk=notification.pk)
        if notification.read_at is None:
            notification.read_at = timezone.now()
            save_with_history(
                notification, by=by, reason=reasons.code(reasons.NOTIFICATION_READ), update_fields=["read_at"]
            )
    return notification


def mark_group_read(notification: Notification, *, by: User) -> int:
    """Mark read the whole entry of the notification centre that one of the person's notifications belongs to
    (the same action on the same day: notifications.centre); returns how many were unread."""
    from notifications import centre

    if notification.recipient_id != by.pk:
        raise InvalidTransition(_("This notification is not yours."))
    unread = centre.group_of(notification).unread()
    with agency_transaction(*set(unread.values_list("agency_id", flat=True))):
        with context.acting(by=by, reason=reasons.code(reasons.NOTIFICATION_READ)):
            return unread.update(read_at=timezone.now())


def mark_all_read(*, by: User) -> int:
    """Mark every unread notification of the person as read; returns how many."""
    unread = Notification.objects.for_recipient(by).unread()
    # The one lock order (docs/audit.md): the chain locks first; then one statement, whose rows the capture
    # trigger historises with this context.
    with agency_transaction(*set(unread.values_list("agency_id", flat=True))):
        with context.acting(by=by, reason=reasons.code(reasons.NOTIFICATIONS_ALL_READ)):
            return unread.update(read_at=timezone.now())


def save_preferences(
    user: User,
    *,
    channels_by_event: dict[str, list[str]],
    line_user_id: str,
    by: User,
    timing_by_event: dict[str, str] | None = None,
) -> Preference:
    """Store the person's channels per event, when each event's email is sent, and their LINE user id."""
    line_user_id = line_user_id.strip()
    if line_user_id and not LINE_USER_ID.match(line_user_id):
        raise InvalidTransition(bilingual(LINE_USER_ID_ERROR))
    wanted = {
        event: sorted({c for c in chosen if c in (Channel.EMAIL, Channel.LINE)})
        for event, chosen in channels_by_event.items()
        if event in Event.values
    }
    with agency_transaction(user.agency_id):
        preference = Preference.objects.select_for_update().filter(user=user).first() or Preference(user=user)
        preference.agency_id = user.agency_id
        preference.channels = wanted
        if timing_by_event is not None:
            preference.timing = {
                event: timing
                for event, timing in timing_by_event.items()
                if event in Event.values and timing in Timing.values
            }
        preference.line_user_id = line_user_id
        save_with_history(preference, by=by, reason=reasons.code(reasons.PREFERENCES_CHANGED))
    return preference


def preference_for(user: User) -> Preference:
    """The person's preference, or the defaults (unsaved) when they never chose."""
    return Preference.objects.filter(user=user).first() or Preference(user=user)


# --- the daily digest (สรุปการแจ้งเตือนประจำวัน) -----------------------------------------------------------------

DIGEST_TASK = "notifications.send_digest"


def digest_key(user_id: int, on: datetime.date) -> str:
    """The one effect of a person's digest of a day: the outbox row and the digest notification share it."""
    return f"digest:{on.isoformat()}:user:{user_id}"


def queue_daily_digests(on: datetime.date | None = None) -> int:
    """Record in the outbox, once per person and day, the digest of everyone who has emails held for it.
    Run again the same day, it records nothing new: the outbox keeps one row per key. Returns how many
    digests it recorded now."""
    on = on or timezone.localdate()
    people = (
        Delivery.objects.filter(status=Delivery.Status.HELD, channel=Channel.EMAIL)
        .values_list("notification__recipient_id", "notification__recipient__agency_id")
        .distinct()
    )
    recorded = 0
    with transaction.atomic():
        for user_id, agency_id in sorted(set(people)):
            _, created = outbox.enqueue(
                DIGEST_TASK,
                {"user_id": user_id, "on": on.isoformat()},
                key=digest_key(user_id, on),
                agency=agency_id,
            )
            recorded += int(created)
    return recorded


def _digest_item(notification: Notification) -> dict:
    return {"event": notification.event, "params": notification.params, "url": notification.url}


def build_digest(user_id: int, on: datetime.date, *, task_id: str | None = None) -> int | None:
    """Gather every email held for the person into one digest notification with one email delivery, mark the
    held ones as sent in it, and mark the outbox row done, all in one transaction. Returns the digest's email
    delivery to send, or None when there is nothing (left) to send.

    Run twice (a task published again after a killed worker), it finds the digest of that day already made and
    returns its delivery, which `attempt_delivery` sends once; emails held after the digest wait for the next."""
    person = User.objects.filter(pk=user_id).first()
    key = digest_key(user_id, on)
    if person is None:
        if task_id:
            outbox.complete(task_id)
        return None
    system = system_user()
    held = Delivery.objects.filter(
        notification__recipient_id=user_id, channel=Channel.EMAIL, status=Delivery.Status.HELD
    )
    agencies = {person.agency_id, *held.values_list("agency_id", flat=True)}
    with agency_transaction(*agencies):
        digest = Notification.objects.filter(key=key).first()
        if digest is None:
            items = list(
                held.select_for_update(of=("self",))
                .select_related("notification")
                .order_by("notification__created_at", "pk")
            )
            if not items or not person.is_active or not person.email:
                if task_id:
                    outbox.complete(task_id)
                return None
            reason = reasons.code(reasons.DIGEST_BUILT, date=on.isoformat())
            digest = _record(
                Notification(
                    key=key,
                    recipient=person,
                    agency_id=person.agency_id,
                    event=Event.DIGEST,
                    params={"date": on.isoformat(), "items": [_digest_item(d.notification) for d in items]},
                    url=reverse("notifications:list"),
                    # Its items are in the notification centre already: the digest itself adds nothing unread.
                    read_at=timezone.now(),
                ),
                lookup={"key": key},
                by=system,
                reason=reason,
            )
            _record(
                Delivery(notification=digest, channel=Channel.EMAIL, agency_id=person.agency_id, address=person.email),
                lookup={"notification": digest, "channel": Channel.EMAIL},
                by=system,
                reason=reason,
            )
            # One statement; the capture trigger historises every row with this context.
            with context.acting(by=system, reason=reason):
                Delivery.objects.filter(pk__in=[d.pk for d in items]).update(
                    status=Delivery.Status.DIGESTED, result=f"in the daily digest {key}"
                )
        if task_id:
            outbox.complete(task_id)
        delivery = Delivery.objects.filter(notification=digest, channel=Channel.EMAIL).first()
    if delivery is None or delivery.status not in (Delivery.Status.PENDING, Delivery.Status.SENDING):
        return None
    return delivery.pk
