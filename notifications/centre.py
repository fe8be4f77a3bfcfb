"""The notification centre as a person reads it (ศูนย์การแจ้งเตือน): what happened to one action on one day is
one entry, its newest notification first with how many there were and how many are unread; notifications
about no action (a grant, an altered history) are grouped by kind and day. Entries are listed newest first.

A group is defined here once: the list, marking a group read (notifications.services.mark_group_read) and the
counts all use it."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Case, Count, F, Max, Q, Value, When
from django.db.models.functions import TruncDate
from django.utils import timezone

from approvals.models import User
from notifications.models import Event, Notification, NotificationQuerySet


def listed(user: User) -> NotificationQuerySet:
    """The person's notifications as the centre lists them: the daily digest repeats notifications already
    listed (it is an email, not an entry of its own)."""
    return Notification.objects.for_recipient(user).exclude(event=Event.DIGEST)


def _day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=tz)
    return start, start + datetime.timedelta(days=1)


def _group_filter(action_id: int | None, event: str, day: datetime.date) -> Q:
    start, end = _day_bounds(day)
    same = Q(created_at__gte=start, created_at__lt=end)
    if action_id is not None:
        return same & Q(action_id=action_id)
    return same & Q(action__isnull=True, event=event)


def group_of(notification: Notification) -> NotificationQuerySet:
    """Every notification of the centre's entry that `notification` belongs to (its recipient's)."""
    day = timezone.localdate(notification.created_at)
    event = "" if notification.action_id is not None else notification.event
    return listed(notification.recipient).filter(_group_filter(notification.action_id, event, day))


@dataclass
class Group:
    """One entry of the centre: the notifications of one action (or one kind) on one day, newest first."""

    day: datetime.date
    count: int
    unread: int
    notifications: list[Notification] = field(default_factory=list)

    @property
    def newest(self) -> Notification:
        return self.notifications[0]

    @property
    def earlier(self) -> list[Notification]:
        return self.notifications[1:]


def page_of_groups(user: User, number: str | int | None, per_page: int) -> tuple[Page, list[Group]]:
    """One page of the person's entries, newest first: two queries (the page's groups with their counts, then
    their notifications) and the paginator's count."""
    tz = timezone.get_current_timezone()
    keys = (
        listed(user)
        # Notifications of an action form one entry whatever their kind; those about no action, one per kind.
        .annotate(
            day=TruncDate("created_at", tzinfo=tz),
            kind=Case(When(action__isnull=True, then=F("event")), default=Value("")),
        )
        .values("action_id", "kind", "day")
        .annotate(newest_at=Max("created_at"), count=Count("pk"), unread=Count("pk", filter=Q(read_at__isnull=True)))
    )
    page = Paginator(keys.order_by("-newest_at", "-action_id"), per_page).get_page(number)
    groups: dict[tuple[int | None, str, datetime.date], Group] = {}
    wanted = Q(pk__in=[])
    for row in page.object_list:
        groups[(row["action_id"], row["kind"], row["day"])] = Group(
            day=row["day"], count=row["count"], unread=row["unread"]
        )
        wanted |= _group_filter(row["action_id"], row["kind"], row["day"])
    for notification in listed(user).filter(wanted).select_related("action").order_by("-created_at", "-pk"):
        event = "" if notification.action_id is not None else notification.event
        group = groups.get((notification.action_id, event, timezone.localdate(notification.created_at)))
        if group is not None:
            group.notifications.append(notification)
    return page, [group for group in groups.values() if group.notifications]
