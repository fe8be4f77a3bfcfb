"""Delivering an effect: idempotent notifications and deliveries, email and LINE results, history."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from approvals.services import SYSTEM_USERNAME
from notifications import services, tasks
from notifications.models import Channel, Delivery, Event, Notification, Preference, Timing
from tests.notifications.conftest import LINE_ID
from tests.notifications.realservices import publishing_to
from tests.notifications.test_outbox import CLOSED_PORT_BROKER

pytestmark = pytest.mark.usefixtures("tasks_in_process")


def payload(recipients, action, **extra) -> dict:
    return {
        "key": "assigned:test",
        "event": Event.ASSIGNED,
        "recipients": [r.pk for r in recipients],
        "action_id": action.pk,
        "agency_id": action.agency_id,
        "params": {},
        **extra,
    }


def test_delivering_the_same_effect_twice_keeps_one_notification_and_sends_one_email(action, staff_member):
    staff_member.email = "alice@example.go.th"
    staff_member.save()
    Preference.objects.create(user=staff_member, timing={Event.ASSIGNED: Timing.IMMEDIATE})

    tasks.deliver.delay(**payload([staff_member], action))
    tasks.deliver.delay(**payload([staff_member], action))

    assert Notification.objects.filter(recipient=staff_member).count() == 1
    assert Delivery.objects.filter(channel=Channel.EMAIL, status=Delivery.Status.SENT).count() == 1
    assert len(mail.outbox) == 1


def test_the_notification_history_names_the_system_user_as_the_actor(action, staff_member):
    tasks.deliver.delay(**payload([staff_member], action))

    record = Notification.objects.get().history.get()
    assert record.history_user.username == SYSTEM_USERNAME
    assert (record.history_reason, record.history_reason_params) == ("notification.created", {"event": "assigned"})


def test_an_inactive_person_is_not_notified(action, staff_member):
    staff_member.is_active = False
    staff_member.save()

    tasks.deliver.delay(**payload([staff_member], action))

    assert not Notification.objects.exists()


def test_a_person_who_chose_no_email_gets_only_the_notification_centre(action, staff_member):
    staff_member.email = "alice@example.go.th"
    staff_member.save()
    Preference.objects.create(user=staff_member, channels={Event.ASSIGNED: []})

    tasks.deliver.delay(**payload([staff_member], action))

    assert list(Delivery.objects.values_list("channel", flat=True)) == [Channel.IN_APP]
    assert mail.outbox == []


def test_line_is_not_sent_while_the_line_channel_is_switched_off(action, staff_member, settings):
    settings.LINE_ENABLED = False
    Preference.objects.create(user=staff_member, channels={Event.ASSIGNED: [Channel.LINE]}, line_user_id=LINE_ID)

    tasks.deliver.delay(**payload([staff_member], action))

    line = Delivery.objects.get(channel=Channel.LINE)
    assert (line.status, line.result) == (Delivery.Status.SKIPPED, "LINE is not enabled")


def test_a_line_push_carries_the_token_the_user_id_and_the_thai_text(action, staff_member, fake_line):
    Preference.objects.create(user=staff_member, channels={Event.ASSIGNED: [Channel.LINE]}, line_user_id=LINE_ID)

    tasks.deliver.delay(**payload([staff_member], action))

    request = fake_line.received[0]
    assert request.path == "/v2/bot/message/push"
    assert request.headers["Authorization"] == "Bearer test-channel-token"
    assert request.body["to"] == LINE_ID
    assert request.body["messages"][0]["type"] == "text"
    assert "กำหนดเสร็จ: 30 กันยายน 2569" in request.body["messages"][0]["text"]
    assert Delivery.objects.get(channel=Channel.LINE).status == Delivery.Status.SENT


def test_a_line_user_id_refused_by_line_fails_without_retrying(action, staff_member, fake_line):
    fake_line.failures = [400]
    Preference.objects.create(user=staff_member, channels={Event.ASSIGNED: [Channel.LINE]}, line_user_id=LINE_ID)

    tasks.deliver.delay(**payload([staff_member], action))

    line = Delivery.objects.get(channel=Channel.LINE)
    assert line.status == Delivery.Status.FAILED
    assert line.result.startswith("LINE HTTP 400")
    assert len(fake_line.received) == 1


def test_a_transient_failure_schedules_a_retry_and_records_the_error(action, staff_member, fake_line):
    fake_line.failures = [503]
    Preference.objects.create(user=staff_member, channels={Event.ASSIGNED: [Channel.LINE]}, line_user_id=LINE_ID)
    services.deliver(**payload([staff_member], action))
    line = Delivery.objects.get(channel=Channel.LINE)

    attempt = services.attempt_delivery(line.pk)

    line.refresh_from_db()
    assert (attempt.settled, attempt.error) == (False, "LINE HTTP 503")
    assert (line.status, line.attempts, line.result) == (Delivery.Status.PENDING, 1, "LINE HTTP 503")
    assert line.next_attempt_at is not None


@pytest.mark.parametrize("attempt", [0, 3, 10])
def test_the_retry_countdown_grows_exponentially_with_jitter_under_a_cap(attempt, settings):
    settings.NOTIFICATION_RETRY_BACKOFF_SECONDS = 30
    settings.NOTIFICATION_RETRY_BACKOFF_MAX_SECONDS = 1800
    ceiling = min(1800, 30 * 2**attempt)

    countdowns = {services.retry_countdown(attempt) for _ in range(20)}

    assert all(ceiling / 2 <= c <= ceiling for c in countdowns)
    assert len(countdowns) > 1


def test_notifications_deliveries_and_their_history_join_the_recipients_agency_chain(action, staff_member, agency):
    from audit.models import Seal

    services.deliver(**payload([staff_member], action))

    delivery = Delivery.objects.get(channel=Channel.IN_APP)
    assert (delivery.agency_id, delivery.notification.agency_id) == (agency.pk, agency.pk)
    history = delivery.history.get()
    assert history.agency_id == agency.pk
    assert Seal.objects.get(history_id=history.history_id, layout__table_name=history._meta.db_table).chain == agency.pk


def test_a_preference_joins_the_persons_agency_chain(staff_member, agency):
    preference = services.save_preferences(
        staff_member, channels_by_event={Event.ASSIGNED: [Channel.EMAIL]}, line_user_id="", by=staff_member
    )

    assert preference.agency_id == agency.pk
    assert preference.history.get().agency_id == agency.pk


def test_the_outbox_row_of_an_effect_is_done_in_the_transaction_that_records_its_deliveries(action, staff_member):
    from notifications import outbox

    with publishing_to(CLOSED_PORT_BROKER):  # the row waits, as if its task were on its way
        message = services.notify(Event.ASSIGNED, key="done", recipients=[staff_member.pk], action=action)

    services.deliver(**message.payload, task_id=message.task_id)

    message.refresh_from_db()
    assert message.completed_at is not None
    assert Notification.objects.filter(recipient=staff_member).count() == 1
    assert outbox.flush() == 0


def test_a_delivery_being_sent_by_another_worker_is_not_sent_again(action, staff_member, fake_line):
    Preference.objects.create(user=staff_member, channels={Event.ASSIGNED: [Channel.LINE]}, line_user_id=LINE_ID)
    services.deliver(**payload([staff_member], action))
    line = Delivery.objects.get(channel=Channel.LINE)
    line.status = Delivery.Status.SENDING  # claimed by a worker that is sending it now
    line.next_attempt_at = timezone.now() + datetime.timedelta(minutes=2)
    line.save(update_fields=["status", "next_attempt_at"])

    attempt = services.attempt_delivery(line.pk)

    assert attempt.settled is False and attempt.retry_in > 60
    assert fake_line.received == []


def test_a_claim_that_ran_out_is_sent_again_with_the_same_retry_key(action, staff_member, fake_line):
    Preference.objects.create(user=staff_member, channels={Event.ASSIGNED: [Channel.LINE]}, line_user_id=LINE_ID)
    services.deliver(**payload([staff_member], action))
    line = Delivery.objects.get(channel=Channel.LINE)
    line.status = Delivery.Status.SENDING  # its worker was killed while sending
    line.next_attempt_at = timezone.now() - datetime.timedelta(seconds=1)
    line.save(update_fields=["status", "next_attempt_at"])

    services.attempt_delivery(line.pk)

    line.refresh_from_db()
    assert line.status == Delivery.Status.SENT
    assert [r.headers["X-Line-Retry-Key"] for r in fake_line.received] == [line.retry_key]
