"""Who is told what when the workflow sends a domain event (receivers → outbox → delivery)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction

from approvals.models import Decision
from notifications.models import Channel, Delivery, Event, Notification, OutboxMessage, Preference, Timing
from tests import factories
from tests.notifications import events

pytestmark = pytest.mark.usefixtures("tasks_in_process")


def titles_for(user) -> list[str]:
    return [n.title() for n in Notification.objects.filter(recipient=user)]


def test_an_assignment_tells_the_staff_and_head_of_the_division_once_committed(
    action,
    division,
    staff_member,
    division_head,
    other_division_staff,
    chief_administrator,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        events.assign(action, [division], by=chief_administrator)

    notified = set(Notification.objects.values_list("recipient__username", flat=True))
    assert notified == {"alice", "bob"}
    assert Notification.objects.get(recipient=staff_member).event == Event.ASSIGNED


def test_nobody_is_told_when_the_change_rolls_back(action, division, staff_member, chief_administrator):
    with pytest.raises(RuntimeError), transaction.atomic():
        events.assign(action, [division], by=chief_administrator)
        raise RuntimeError("the service failed after sending the event")

    assert not OutboxMessage.objects.exists()
    assert not Notification.objects.exists()


def test_nothing_is_delivered_before_the_transaction_commits(
    action, division, staff_member, chief_administrator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        events.assign(action, [division], by=chief_administrator)

    assert OutboxMessage.objects.unsent().count() == 1
    assert not Notification.objects.exists()
    assert len(callbacks) == 1


def test_a_return_tells_the_division_the_reason_once_although_two_events_describe_it(
    action, division, staff_member, chief_administrator, django_capture_on_commit_callbacks
):
    staff_member.email = "alice@example.go.th"
    staff_member.save()
    with django_capture_on_commit_callbacks(execute=True):
        events.submit(action, division, by=staff_member)

    with django_capture_on_commit_callbacks(execute=True):
        events.return_to_divisions(action, [division], by=chief_administrator, reason="แนบภาพถ่ายการประชุมด้วย")

    returned = Notification.objects.get(recipient=staff_member, event=Event.RETURNED)
    assert returned.params["reason"] == "แนบภาพถ่ายการประชุมด้วย"
    assert len(mail.outbox) == 1
    assert "แนบภาพถ่ายการประชุมด้วย" in mail.outbox[0].body


def test_a_review_request_reaches_the_acting_chief_administrator(
    action, division, staff_member, chief_administrator, agency, django_capture_on_commit_callbacks
):
    acting = factories.UserFactory(username="acting-chief", agency=agency)
    factories.RoleAssignmentFactory(user=acting, role="chief_administrator", acting_for=chief_administrator)

    with django_capture_on_commit_callbacks(execute=True):
        events.submit(action, division, by=staff_member)

    assert set(Notification.objects.values_list("recipient__username", flat=True)) == {"charlie", "acting-chief"}
    assert Notification.objects.filter(event=Event.REVIEW_REQUESTED).count() == 2


def test_an_acceptance_asks_the_mayor_and_an_approval_tells_the_submitter(
    action, division, staff_member, chief_administrator, mayor, django_capture_on_commit_callbacks
):
    events.submit(action, division, by=staff_member)
    with django_capture_on_commit_callbacks(execute=True):
        events.decide(action, by=chief_administrator, stage=Decision.Stage.REVIEW, outcome=Decision.Outcome.ACCEPTED)
        events.decide(action, by=mayor, stage=Decision.Stage.APPROVAL, outcome=Decision.Outcome.APPROVED)

    assert Notification.objects.get(recipient=mayor).event == Event.APPROVAL_REQUESTED
    assert Notification.objects.get(recipient=staff_member).event == Event.APPROVED


def test_the_person_who_acted_is_not_told_about_their_own_action(
    action, division, staff_member, division_head, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        events.assign(action, [division], by=division_head)

    assert list(Notification.objects.values_list("recipient__username", flat=True)) == ["alice"]


def test_the_assignment_email_is_in_thai_with_a_link_to_the_action(
    action, division, staff_member, chief_administrator, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFICATION_SITE_URL = "https://khunatham.example.go.th"
    staff_member.email = "alice@example.go.th"
    staff_member.save()
    Preference.objects.create(user=staff_member, timing={Event.ASSIGNED: Timing.IMMEDIATE})

    with django_capture_on_commit_callbacks(execute=True):
        events.assign(action, [division], by=chief_administrator)

    message = mail.outbox[0]
    assert message.to == ["alice@example.go.th"]
    assert message.subject.startswith("[Khunatham] งานใหม่ของกอง")
    assert f"https://khunatham.example.go.th/work/actions/{action.pk}/" in message.body


def test_every_channel_of_a_notification_is_recorded_with_its_result(
    action, division, staff_member, chief_administrator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        events.assign(action, [division], by=chief_administrator)

    deliveries = {d.channel: d for d in Delivery.objects.filter(notification__recipient=staff_member)}
    assert deliveries[Channel.IN_APP].status == Delivery.Status.SENT
    assert deliveries[Channel.EMAIL].status == Delivery.Status.SKIPPED
    assert deliveries[Channel.EMAIL].result == "no email address"
