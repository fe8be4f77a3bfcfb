"""Against the real Redis and real Celery worker and beat processes started here, on PostgreSQL.

The worker runs on the test database (pytest-django's test_<name>), so these tests commit for real
(transaction=True). Stopping Redis uses a redis-server of our own, never the machine's Redis.
"""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from approvals.models import Submission
from notifications import outbox
from notifications.models import Channel, Delivery, Event, Notification, OutboxMessage, Preference
from tests.notifications import events
from tests.notifications.conftest import LINE_ID
from tests.notifications.realservices import publishing_to, start_beat, start_worker, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

# Redeliver the task of a killed worker after 2 s instead of 5 minutes, and look for such tasks every second;
# a killed worker's claim on a delivery runs out after 1 s, and countdowns stay below the visibility timeout.
FAST_REDELIVERY = {
    "CELERY_VISIBILITY_TIMEOUT": "2",
    "CELERY_UNACKED_RESTORE_INTERVAL": "1",
    "CELERY_UNACKED_RESTORE_THROTTLE": "1",
    "NOTIFICATION_SEND_LEASE_SECONDS": "1",
    "NOTIFICATION_SHORT_RETRY_SECONDS": "1",
}


def prefers_line(user, event: str) -> None:
    Preference.objects.create(user=user, channels={event: [Channel.LINE]}, line_user_id=LINE_ID)


def test_a_submission_while_redis_is_down_is_saved_and_notified_exactly_once_when_redis_is_back(
    action, division, staff_member, chief_administrator, own_redis
):
    with publishing_to(own_redis.url):
        own_redis.stop()
        submission = events.submit(action, division, by=staff_member)

        assert Submission.objects.get(pk=submission.pk).status == Submission.Status.SUBMITTED
        waiting = OutboxMessage.objects.unsent().get()
        assert waiting.last_error.startswith("broker:")
        assert not Notification.objects.exists()

        own_redis.start()
        worker = start_worker(own_redis.url)
        try:
            assert outbox.flush() == 1  # the periodic sweep, once Redis is back
            wait_for(lambda: Notification.objects.filter(recipient=chief_administrator).exists(), what="notification")
            assert outbox.flush() == 0  # a second sweep finds nothing left to send
            worker.wait_for_lines("Task notifications.deliver[", "succeeded")
        finally:
            worker.stop()

    assert Notification.objects.filter(recipient=chief_administrator, event=Event.REVIEW_REQUESTED).count() == 1
    assert worker.lines("Task notifications.deliver[", "received") == 1


def test_messages_written_while_redis_is_down_are_published_in_order(
    action, division, other_division, staff_member, other_division_staff, chief_administrator, own_redis
):
    with publishing_to(own_redis.url):
        own_redis.stop()
        events.assign(action, [division], by=chief_administrator)
        events.assign(action, [other_division], by=chief_administrator)
        own_redis.start()
        outbox.flush()

    first, second = OutboxMessage.objects.order_by("pk")
    assert first.published_at <= second.published_at


def test_a_worker_killed_while_sending_leaves_one_notification_and_one_line_message_after_a_new_worker_starts(
    action, division, staff_member, chief_administrator, broker, fake_line, line_env
):
    prefers_line(chief_administrator, Event.REVIEW_REQUESTED)
    fake_line.hold_first = True
    first_worker = start_worker(broker, env={**line_env, **FAST_REDELIVERY}, name="first")
    try:
        events.submit(action, division, by=staff_member)
        assert fake_line.first_arrived.wait(30), first_worker.output()
    finally:
        first_worker.kill()
    fake_line.release.set()
    line = Delivery.objects.get(channel=Channel.LINE)
    assert line.status == Delivery.Status.SENDING  # the claim recorded before sending

    second_worker = start_worker(broker, env={**line_env, **FAST_REDELIVERY}, name="second")
    try:
        wait_for(lambda: Delivery.objects.get(pk=line.pk).status == Delivery.Status.SENT, what="LINE delivery")
    finally:
        second_worker.stop()

    assert Notification.objects.filter(recipient=chief_administrator).count() == 1
    assert len(fake_line.messages_delivered()) == 1
    assert "409" in Delivery.objects.get(pk=line.pk).result


def test_a_task_whose_pool_process_is_killed_is_requeued_and_run_again_by_the_same_worker(
    action, division, staff_member, chief_administrator, broker, fake_line, line_env
):
    prefers_line(chief_administrator, Event.REVIEW_REQUESTED)
    fake_line.hold_first = True
    worker = start_worker(broker, env=line_env)
    try:
        events.submit(action, division, by=staff_member)
        assert fake_line.first_arrived.wait(30), worker.output()
        worker.kill_pool_child()
        fake_line.release.set()
        wait_for(
            lambda: Delivery.objects.filter(channel=Channel.LINE, status=Delivery.Status.SENT).exists(),
            what="LINE delivery after the requeue",
        )
    finally:
        worker.stop()

    assert worker.lines("WorkerLostError") >= 1
    assert Notification.objects.filter(recipient=chief_administrator).count() == 1
    assert len(fake_line.messages_delivered()) == 1


def test_line_survives_server_errors_by_retrying_with_the_same_request(
    action, division, staff_member, chief_administrator, broker, fake_line, line_env
):
    prefers_line(staff_member, Event.ASSIGNED)
    fake_line.failures = [500, 500]
    worker = start_worker(broker, env=line_env)
    try:
        events.assign(action, [division], by=chief_administrator)
        wait_for(
            lambda: Delivery.objects.filter(channel=Channel.LINE, status=Delivery.Status.SENT).exists(),
            what="LINE delivery after retries",
        )
    finally:
        worker.stop()

    delivery = Delivery.objects.get(channel=Channel.LINE)
    assert delivery.attempts == 3
    assert [r.path for r in fake_line.received] == ["/v2/bot/message/push"] * 3
    assert {r.headers["X-Line-Retry-Key"] for r in fake_line.received} == {delivery.retry_key}
    request = fake_line.received[-1]
    assert request.headers["Authorization"] == "Bearer test-channel-token"
    assert request.body["to"] == LINE_ID
    assert request.body["messages"][0]["text"].startswith("งานใหม่ของกอง: ")
    assert [(h.history_reason, h.history_reason_params) for h in delivery.history.order_by("history_id")] == [
        ("notification.delivery_queued", {"channel": "line"}),
        ("notification.delivery_attempted", {"attempt": 1, "status": "sending"}),
        ("notification.delivery_attempted", {"attempt": 1, "status": "pending"}),
        ("notification.delivery_attempted", {"attempt": 2, "status": "sending"}),
        ("notification.delivery_attempted", {"attempt": 2, "status": "pending"}),
        ("notification.delivery_attempted", {"attempt": 3, "status": "sending"}),
        ("notification.delivery_attempted", {"attempt": 3, "status": "sent"}),
    ]


def test_beat_running_the_reminders_twice_in_a_day_reminds_and_escalates_once(
    action, division, staff_member, chief_administrator, broker
):
    action.due_date = timezone.localdate() - datetime.timedelta(days=1)
    action.save(update_fields=["due_date"])
    every_second, _ = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.SECONDS)
    # As an administrator would in the admin: run the daily jobs every second.
    PeriodicTask.objects.filter(
        task__in=["notifications.send_due_reminders", "notifications.escalate_overdue_actions"]
    ).update(crontab=None, interval=every_second)
    worker = start_worker(broker)
    beat = start_beat(broker)
    try:
        worker.wait_for_lines("Task notifications.send_due_reminders[", "succeeded", count=2)
        worker.wait_for_lines("Task notifications.escalate_overdue_actions[", "succeeded", count=2)
        wait_for(lambda: Notification.objects.count() == 2, what="the reminder and the escalation")
    finally:
        beat.stop()
        worker.stop()

    assert Notification.objects.get(recipient=staff_member).event == Event.REMINDER
    assert Notification.objects.get(recipient=chief_administrator).event == Event.ESCALATION
