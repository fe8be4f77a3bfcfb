"""Fewer, better emails: what concerns a division waits for one daily digest per person; what is addressed to the
person (their work returned, a decision on it) comes at once. The digest goes through the outbox: once per
person and day, and a task run again after a lost worker sends nothing twice."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail

from notifications import services, tasks
from notifications.models import Channel, Delivery, Event, Notification, OutboxMessage, Preference, Timing
from tests import factories

pytestmark = pytest.mark.usefixtures("tasks_in_process")

TODAY = datetime.date(2026, 11, 30)


@pytest.fixture(autouse=True)
def _site(settings):
    settings.NOTIFICATION_SITE_URL = "https://khunatham.example.go.th"


@pytest.fixture
def alice(staff_member):
    staff_member.email = "alice@example.go.th"
    staff_member.save()
    return staff_member


@pytest.fixture
def bob(division_head):
    division_head.email = "bob@example.go.th"
    division_head.save()
    return division_head


@pytest.fixture
def second_action(plan, division):
    return factories.ActionFactory(
        indicator__measure__plan=plan, responsible=[division], text="เผยแพร่ประกาศเจตนารมณ์สุจริตบนเว็บไซต์"
    )


def tell(event: str, people, action, key: str, **params) -> None:
    tasks.deliver.delay(
        key=key,
        event=event,
        recipients=[p.pk for p in people],
        action_id=action.pk,
        agency_id=action.agency_id,
        params=params,
    )


def run_daily_digest(capture, on: datetime.date = TODAY) -> None:
    with capture(execute=True):
        tasks.send_daily_digests.delay(on.isoformat())


def test_a_new_task_for_the_division_is_not_emailed_at_once_but_held_for_the_digest(action, alice):
    tell(Event.ASSIGNED, [alice], action, "assigned:1")

    email = Delivery.objects.get(channel=Channel.EMAIL)
    assert email.status == Delivery.Status.HELD
    assert mail.outbox == []


def test_work_returned_to_the_person_is_emailed_at_once(action, alice):
    tell(Event.RETURNED, [alice], action, "returned:1", reason="แนบภาพถ่ายด้วย")

    assert len(mail.outbox) == 1
    assert "แนบภาพถ่ายด้วย" in mail.outbox[0].body


def test_a_decision_on_the_persons_work_is_emailed_at_once(action, alice):
    tell(Event.APPROVED, [alice], action, "approved:1")

    assert len(mail.outbox) == 1


def test_the_daily_digest_sends_each_person_one_email_with_their_own_held_items(
    action, second_action, alice, bob, django_capture_on_commit_callbacks
):
    tell(Event.ASSIGNED, [alice, bob], action, "assigned:1")
    tell(Event.REMINDER, [alice], second_action, "reminder:1", when="today")

    run_daily_digest(django_capture_on_commit_callbacks)

    emails = {message.to[0]: message for message in mail.outbox}
    assert sorted(emails) == ["alice@example.go.th", "bob@example.go.th"]
    alice_mail = emails["alice@example.go.th"]
    assert alice_mail.subject == "[Khunatham] สรุปการแจ้งเตือนประจำวันที่ 30 พฤศจิกายน 2569: 2 รายการ"
    assert "งานใหม่ของกอง" in alice_mail.body and "ดำเนินการทบทวน" in alice_mail.body
    assert "ครบกำหนดวันนี้" in alice_mail.body and "เผยแพร่ประกาศเจตนารมณ์" in alice_mail.body
    assert f"https://khunatham.example.go.th/work/actions/{second_action.pk}/" in alice_mail.body
    assert "เผยแพร่ประกาศเจตนารมณ์" not in emails["bob@example.go.th"].body
    assert not Delivery.objects.filter(status=Delivery.Status.HELD).exists()


def test_the_held_emails_are_recorded_as_sent_in_the_digest(action, alice, django_capture_on_commit_callbacks):
    tell(Event.ASSIGNED, [alice], action, "assigned:1")

    run_daily_digest(django_capture_on_commit_callbacks)

    held = Delivery.objects.get(notification__event=Event.ASSIGNED, channel=Channel.EMAIL)
    assert held.status == Delivery.Status.DIGESTED
    assert held.history.latest("history_id").history_reason == "notification.digest_built"


def test_running_the_daily_digest_twice_the_same_day_sends_one_email(action, alice, django_capture_on_commit_callbacks):
    tell(Event.ASSIGNED, [alice], action, "assigned:1")

    run_daily_digest(django_capture_on_commit_callbacks)
    run_daily_digest(django_capture_on_commit_callbacks)

    assert len(mail.outbox) == 1
    assert OutboxMessage.objects.filter(kind=services.DIGEST_TASK).count() == 1


def test_a_digest_task_run_again_after_a_lost_worker_sends_nothing_twice(
    action, alice, django_capture_on_commit_callbacks
):
    tell(Event.ASSIGNED, [alice], action, "assigned:1")
    run_daily_digest(django_capture_on_commit_callbacks)

    # The outbox publishes the task again (its worker was killed before Celery heard it finished).
    tasks.send_digest.apply(kwargs={"user_id": alice.pk, "on": TODAY.isoformat()})

    assert len(mail.outbox) == 1
    assert Notification.objects.filter(event=Event.DIGEST).count() == 1


def test_a_digest_prepared_by_a_worker_killed_before_sending_is_sent_once_by_the_sweep(action, alice):
    tell(Event.ASSIGNED, [alice], action, "assigned:1")
    # The worker committed the digest, then died before sending its email.
    services.build_digest(alice.pk, TODAY)

    tasks.relay_outbox.run(grace_seconds=-60)
    tasks.relay_outbox.run(grace_seconds=-60)

    assert len(mail.outbox) == 1
    assert Delivery.objects.get(notification__event=Event.DIGEST).status == Delivery.Status.SENT


def test_emails_held_after_the_days_digest_wait_for_the_next_days(
    action, second_action, alice, django_capture_on_commit_callbacks
):
    tell(Event.ASSIGNED, [alice], action, "assigned:1")
    run_daily_digest(django_capture_on_commit_callbacks)
    tell(Event.ASSIGNED, [alice], second_action, "assigned:2")

    run_daily_digest(django_capture_on_commit_callbacks)
    run_daily_digest(django_capture_on_commit_callbacks, on=TODAY + datetime.timedelta(days=1))

    assert len(mail.outbox) == 2
    assert "เผยแพร่ประกาศเจตนารมณ์" in mail.outbox[1].body
    assert "ดำเนินการทบทวน" not in mail.outbox[1].body


def test_a_person_who_chose_assignments_at_once_gets_them_at_once_and_no_digest(
    action, alice, django_capture_on_commit_callbacks
):
    Preference.objects.create(user=alice, timing={Event.ASSIGNED: Timing.IMMEDIATE})
    tell(Event.ASSIGNED, [alice], action, "assigned:1")

    run_daily_digest(django_capture_on_commit_callbacks)

    assert len(mail.outbox) == 1
    assert not Notification.objects.filter(event=Event.DIGEST).exists()


def test_the_digest_adds_nothing_to_the_notification_centre(client, action, alice, django_capture_on_commit_callbacks):
    from tests.workflows.conftest import login

    tell(Event.ASSIGNED, [alice], action, "assigned:1")
    run_daily_digest(django_capture_on_commit_callbacks)
    login(client, alice)

    response = client.get("/notifications/")

    # One entry, the assignment: the digest (an email) is no entry of its own.
    assert [[n.event for n in group.notifications] for group in response.context["groups"]] == [[Event.ASSIGNED]]
    assert Notification.objects.for_recipient(alice).unread().count() == 1


def test_the_preferences_page_saves_when_each_email_is_sent(client, alice):
    from tests.workflows.conftest import login

    login(client, alice)
    data = {
        "line_user_id": "",
        f"{Event.ASSIGNED}__{Channel.EMAIL}": "on",
        f"{Event.ASSIGNED}__timing": Timing.IMMEDIATE,
        f"{Event.RETURNED}__{Channel.EMAIL}": "on",
        f"{Event.RETURNED}__timing": Timing.DIGEST,
    }

    response = client.post("/notifications/preferences/", data)

    assert response.status_code == 302
    preference = Preference.objects.get(user=alice)
    assert (preference.timing_for(Event.ASSIGNED), preference.timing_for(Event.RETURNED)) == ("immediate", "digest")
    assert preference.history.latest("history_id").history_reason == "notification.preferences_changed"


def test_the_beat_schedule_runs_the_daily_digest_once_a_day(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["notifications: daily digest"]

    assert entry["task"] == "notifications.send_daily_digests"
    assert entry["schedule"].hour == {16} and entry["schedule"].minute == {0}


def test_no_digest_is_made_for_a_person_with_nothing_held(alice, django_capture_on_commit_callbacks):
    run_daily_digest(django_capture_on_commit_callbacks)

    assert mail.outbox == []
    assert not OutboxMessage.objects.filter(kind=services.DIGEST_TASK).exists()
