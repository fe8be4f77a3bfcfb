"""Background work that never loses anything: the transactional outbox, notifications and their
deliveries by channel, and each person's choice of channels.

An outbox row is written in the same transaction as the user's change; the relay publishes it to Celery
after commit (or later, when the broker was down). A notification is what one person is told about one
event; a delivery is one channel's attempt to tell them (in-app, email, LINE).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from approvals.models import Action, Agency
from audit.history import AuditedHistoricalRecords


class Event(models.TextChoices):
    """The kinds of event a person can be told about; each person picks channels per kind."""

    ASSIGNED = "assigned", _("A task is assigned to my division")
    RETURNED = "returned", _("Work is returned to me, with the reason")
    REVIEW_REQUESTED = "review_requested", _("Results wait for my review")
    APPROVAL_REQUESTED = "approval_requested", _("Results wait for my approval")
    APPROVED = "approved", _("Results I submitted are approved")
    CANCELLED = "cancelled", _("An action I work on is cancelled")
    REMINDER = "reminder", _("Due-date reminders (7 days before, on the day, overdue)")
    ESCALATION = "escalation", _("Overdue work escalated to me")
    # Translators: the history verification found history rows changed, deleted or added outside the app.
    HISTORY_ALTERED = "history_altered", _("History altered outside the app (internal auditors)")
    # Rules of authority: the internal auditors hear of every grant; confirmers of what waits for them.
    ROLE_GRANTED = "role_granted", _("A role or appointment takes effect in my agency (auditors)")
    GRANT_PROPOSED = "grant_proposed", _("A proposed role or appointment waits for my confirmation")
    # The daily email that gathers what a person was told that day (not a choice on the preferences page).
    DIGEST = "digest", _("Daily digest of my notifications")


# What a person hears about by email at once, unless they choose otherwise: what is addressed to them
# personally (their work returned, a decision on their work, their action cancelled) and an altered history.
# Everything else waits for the daily digest (สรุปประจำวัน).
IMMEDIATE_BY_DEFAULT = frozenset({Event.RETURNED, Event.APPROVED, Event.CANCELLED, Event.HISTORY_ALTERED})


class Timing(models.TextChoices):
    """When an email about an event is sent."""

    IMMEDIATE = "immediate", _("At once")
    DIGEST = "digest", _("In the daily digest")


class Channel(models.TextChoices):
    IN_APP = "in_app", _("Notification centre")
    EMAIL = "email", _("Email")
    LINE = "line", _("LINE")


class OutboxMessageQuerySet(models.QuerySet):
    def unsent(self) -> OutboxMessageQuerySet:
        return self.filter(published_at__isnull=True)

    def unfinished(self) -> OutboxMessageQuerySet:
        """Rows whose effect is not recorded yet: unsent, or sent and not (yet) done by the worker."""
        return self.filter(completed_at__isnull=True)

    def due(self, now: datetime.datetime) -> OutboxMessageQuerySet:
        """Unfinished rows to hand to Celery now: never sent, or sent so long ago that the task was lost."""
        return self.unfinished().filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))


class OutboxMessage(models.Model):
    """A side effect of a committed change (การแจ้งเตือน, รายงาน, การตรวจสอบ) waiting to be done by Celery.

    Not historised: the row is itself the record of the effect. It leaves the outbox (`completed_at`) only when
    the task recorded the effect, in the task's own transaction or right after it succeeded; until then the
    relay hands it to Celery again whenever `next_attempt_at` passes (a task lost by a killed worker or a
    restarted Redis). `key` names the effect, so writing the same effect twice keeps one row.
    """

    key = models.CharField(_("effect key"), max_length=255, unique=True)
    # The Celery task name that performs the effect; it receives `payload` as keyword arguments.
    kind = models.CharField(_("task"), max_length=150)
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("failed publication attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    # The Celery task id, the same at every publication, by which the finished task finds its row.
    task_id = models.CharField(_("task id"), max_length=36, blank=True)
    # When the relay hands the row to Celery again if its effect is still not recorded (the database, not a
    # Celery countdown, holds every delay: a countdown longer than Redis's visibility timeout is redelivered).
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("done at"), null=True, blank=True)

    objects = OutboxMessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        ordering = ["pk"]
        indexes = [
            # The health page counts the unsent rows.
            models.Index(fields=["id"], condition=Q(published_at__isnull=True), name="outbox_unsent"),
            # The relay reads the unfinished rows that are due, oldest first.
            models.Index(fields=["next_attempt_at", "id"], condition=Q(completed_at__isnull=True), name="outbox_due"),
            # A finished task marks its row done by its task id.
            models.Index(fields=["task_id"], condition=Q(completed_at__isnull=True), name="outbox_task"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"


class NotificationQuerySet(models.QuerySet):
    def for_recipient(self, user) -> NotificationQuerySet:
        return self.filter(recipient=user)

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """What one person is told about one event (การแจ้งเตือน), shown in their notification centre.

    `key` is the effect's key plus the recipient, so running a delivery task twice keeps one notification.
    The text is rendered from `event` and `params` in the reader's language (see notifications.messages).
    """

    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.PROTECT, related_name="notifications"
    )
    event = models.CharField(_("event"), max_length=30, choices=Event.choices)
    action = models.ForeignKey(
        Action, verbose_name=_("action"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    params = models.JSONField(_("details"), default=dict, blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    key = models.CharField(_("key"), max_length=300, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()
    history = AuditedHistoricalRecords()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The unread badge on every page counts a person's unread notifications.
            models.Index(fields=["recipient", "read_at"], name="notification_recipient_read"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient}: {self.title()}"

    def title(self) -> str:
        from notifications.messages import title

        return title(self.event, self.params)

    def body(self) -> str:
        from notifications.messages import body

        return body(self.event, self.params)

    def is_read(self) -> bool:
        return self.read_at is not None


class Delivery(models.Model):
    """One channel's attempt to tell a person about a notification, with its result (ผลการส่ง)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        # Claimed by a worker until `next_attempt_at`: nobody else sends it meanwhile.
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Not sent")
        # An email the person gets in the daily digest: held until the digest is prepared, then part of it.
        HELD = "held", _("Waiting for the daily digest")
        DIGESTED = "digested", _("Sent in the daily digest")

    # The recipient's agency: the delivery's history joins that agency's hash chain (docs/audit.md).
    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    notification = models.ForeignKey(
        Notification, verbose_name=_("notification"), on_delete=models.PROTECT, related_name="deliveries"
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    address = models.CharField(_("sent to"), max_length=254, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    result = models.TextField(_("delivery result"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)

    history = AuditedHistoricalRecords()

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["notification", "channel"]
        constraints = [
            # One delivery per effect, recipient and channel: a task run twice sends once.
            models.UniqueConstraint(fields=["notification", "channel"], name="delivery_one_per_channel"),
        ]
        indexes = [
            # The outbox sweep looks for deliveries due again (a retry, or a task that was lost).
            models.Index(fields=["status", "next_attempt_at"], name="delivery_status_next"),
        ]

    def __str__(self) -> str:
        return f"{self.notification.recipient}: {self.get_channel_display()} ({self.get_status_display()})"

    @property
    def retry_key(self) -> str:
        """A stable id of this delivery, sent as LINE's X-Line-Retry-Key and in the email's Message-ID."""
        import uuid

        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"khunatham:delivery:{self.notification.key}:{self.channel}"))


# Until a person chooses, every event reaches them in the notification centre and by email.
DEFAULT_CHANNELS = (Channel.EMAIL,)


class Preference(models.Model):
    """A person's choice of channels per kind of event, and their LINE user id."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="notification_preference",
    )
    # The person's agency: the preference's history joins that agency's hash chain (docs/audit.md).
    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Chosen channels besides the notification centre, per event: {"assigned": ["email", "line"], ...}.
    channels = models.JSONField(_("channels by event"), default=dict, blank=True)
    # When the email of each event is sent: {"assigned": "digest", "returned": "immediate", ...}; an event not
    # named here follows IMMEDIATE_BY_DEFAULT.
    timing = models.JSONField(_("email timing by event"), default=dict, blank=True)
    line_user_id = models.CharField(
        _("LINE user ID"),
        max_length=33,
        blank=True,
        help_text=_("The ID the agency's LINE Official Account gives you, starting with U."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    # A LINE user id is personal data (audit/personal.py).
    history = AuditedHistoricalRecords(personal_fields=["line_user_id"])

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        ordering = ["user"]

    def __str__(self) -> str:
        return str(self.user)

    def channels_for(self, event: str) -> set[str]:
        """The channels this person chose for `event`; the notification centre is always included."""
        chosen = self.channels.get(event)
        if chosen is None:
            chosen = list(DEFAULT_CHANNELS)
        return {Channel.IN_APP, *(c for c in chosen if c in Channel.values)}

    def timing_for(self, event: str) -> str:
        """When this person's email about `event` is sent: at once, or in the daily digest."""
        chosen = (self.timing or {}).get(event)
        if chosen in Timing.values:
            return chosen
        return Timing.IMMEDIATE if event in IMMEDIATE_BY_DEFAULT else Timing.DIGEST
