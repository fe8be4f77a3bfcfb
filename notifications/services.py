"""Every state change of notifications: recording an effect, delivering it, reading it, choosing channels.

`notify` runs inside the caller's transaction and only writes an outbox row. `deliver` and
`attempt_delivery` run in Celery tasks (or in-process without a broker) and are idempotent: the
notification is keyed by effect and recipient, the delivery by notification and channel.
"""

from __future__ import annotations

import datetime
import random
import re
from collections.abc import Iterable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, override
from simple_history.utils import bulk_update_with_history

from approvals.exceptions import InvalidTransition
from approvals.models import Action, User
from approvals.services import SYSTEM_USERNAME, save_with_history, system_user
from notifications import channels, outbox
from notifications.models import Channel, Delivery, Event, Notification, OutboxMessage, Preference

DELIVER_TASK = "notifications.deliver"
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
    payload = {
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
) -> list[int]:
    """Create each recipient's notification and one delivery per chosen channel, once. Returns the
    deliveries still to be sent (email, LINE)."""
    system = system_user()
    pending: list[int] = []
    # A notification about no action (a grant of a role) names its page in its details.
    url = params.get("url", "")
    action = Action.objects.with_plan().filter(pk=action_id).first() if action_id else None
    if action is not None:
        params = {**describe(action), **params}
        url = action_url(action)
    with transaction.atomic():
        preferences = {p.user_id: p for p in Preference.objects.filter(user_id__in=recipients)}
        for person in User.objects.filter(pk__in=recipients, is_active=True).order_by("pk"):
            notification = _record(
                Notification(
                    key=f"{key}:user:{person.pk}",
                    recipient=person,
                    agency_id=agency_id,
                    event=event,
                    action_id=action_id,
                    params=params,
                    url=url,
                ),
                lookup={"key": f"{key}:user:{person.pk}"},
                by=system,
                reason=f"notification: {event}",
            )
            chosen = preferences.get(person.pk, Preference(user=person)).channels_for(event)
            for channel in sorted(chosen):
                delivery = _record(
                    _new_delivery(notification, channel, person, preferences.get(person.pk)),
                    lookup={"notification": notification, "channel": channel},
                    by=system,
                    reason=f"{channel} delivery",
                )
                if delivery.status == Delivery.Status.PENDING:
                    pending.append(delivery.pk)
    return pending


def _new_delivery(notification: Notification, channel: str, person: User, preference: Preference | None) -> Delivery:
    delivery = Delivery(notification=notification, channel=channel)
    if channel == Channel.IN_APP:
        delivery.status = Delivery.Status.SENT
        delivery.sent_at = timezone.now()
        delivery.result = "shown in the notification centre"
    elif channel == Channel.EMAIL:
        delivery.address = person.email
        if not person.email:
            delivery.status, delivery.result = Delivery.Status.SKIPPED, "no email address"
    elif channel == Channel.LINE:
        delivery.address = preference.line_user_id if preference else ""
        if not settings.LINE_ENABLED:
            delivery.status, delivery.result = Delivery.Status.SKIPPED, "LINE is not enabled"
        elif not delivery.address:
            delivery.status, delivery.result = Delivery.Status.SKIPPED, "no LINE user ID"
    return delivery


def _record(obj, *, lookup: dict, by: User, reason: str):
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


def attempt_delivery(delivery_id: int, *, retry_in: float | None) -> str | None:
    """Send one pending delivery. Returns None when the delivery is settled (sent, failed for good, or
    already settled by an earlier run), or the error when it should be tried again in `retry_in` seconds
    (`retry_in=None`: this was the last attempt, so a failure is final)."""
    system = system_user()
    with transaction.atomic():
        # The row lock makes a concurrent run of the same delivery wait, then see it sent.
        delivery = (
            Delivery.objects.select_for_update(of=("self",))
            .select_related("notification__recipient")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.status != Delivery.Status.PENDING:
            return None
        delivery.attempts += 1
        error = None
        try:
            delivery.result = channels.send(delivery)
            delivery.status = Delivery.Status.SENT
            delivery.sent_at = timezone.now()
            delivery.next_attempt_at = None
        except channels.PermanentFailure as exc:
            delivery.status, delivery.result = Delivery.Status.FAILED, str(exc)
        except channels.TransientFailure as exc:
            delivery.result = str(exc)
            if retry_in is None:
                delivery.status = Delivery.Status.FAILED
            else:
                delivery.next_attempt_at = timezone.now() + datetime.timedelta(seconds=retry_in)
                error = str(exc)
        save_with_history(
            delivery,
            by=system,
            reason=f"attempt {delivery.attempts}: {delivery.status}",
            update_fields=["attempts", "status", "result", "sent_at", "next_attempt_at"],
        )
    return error


def stuck_deliveries(older_than: datetime.timedelta) -> list[int]:
    """Pending email/LINE deliveries whose task seems lost (its retry time passed long ago)."""
    cutoff = timezone.now() - older_than
    pending = Delivery.objects.filter(status=Delivery.Status.PENDING).exclude(channel=Channel.IN_APP)
    lost = pending.filter(next_attempt_at__lt=cutoff) | pending.filter(
        next_attempt_at__isnull=True, created_at__lt=cutoff
    )
    return list(lost.values_list("pk", flat=True)[:500])


def mark_read(notification: Notification, *, by: User) -> Notification:
    """Mark one of the person's own notifications as read."""
    if notification.recipient_id != by.pk:
        raise InvalidTransition(_("This notification is not yours."))
    if notification.read_at is None:
        notification.read_at = timezone.now()
        save_with_history(notification, by=by, reason="marked as read", update_fields=["read_at"])
    return notification


def mark_all_read(*, by: User) -> int:
    """Mark every unread notification of the person as read; returns how many."""
    now = timezone.now()
    unread = list(Notification.objects.for_recipient(by).unread())
    for notification in unread:
        notification.read_at = now
    bulk_update_with_history(
        unread, Notification, ["read_at"], default_user=by, default_change_reason="marked all as read"
    )
    return len(unread)


def save_preferences(user: User, *, channels_by_event: dict[str, list[str]], line_user_id: str, by: User) -> Preference:
    """Store the person's channels per event and LINE user id."""
    line_user_id = line_user_id.strip()
    if line_user_id and not LINE_USER_ID.match(line_user_id):
        raise InvalidTransition(bilingual(LINE_USER_ID_ERROR))
    wanted = {
        event: sorted({c for c in chosen if c in (Channel.EMAIL, Channel.LINE)})
        for event, chosen in channels_by_event.items()
        if event in Event.values
    }
    with transaction.atomic():
        preference = Preference.objects.select_for_update().filter(user=user).first() or Preference(user=user)
        preference.channels = wanted
        preference.line_user_id = line_user_id
        save_with_history(preference, by=by, reason="notification preferences changed")
    return preference


def preference_for(user: User) -> Preference:
    """The person's preference, or the defaults (unsaved) when they never chose."""
    return Preference.objects.filter(user=user).first() or Preference(user=user)
