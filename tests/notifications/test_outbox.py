"""The outbox: effects recorded with the change, published once, in order, whatever the broker does."""

from __future__ import annotations

import pytest
from django.db import transaction

from notifications import outbox
from notifications.models import OutboxMessage
from tests.notifications.realservices import publishing_to

CLOSED_PORT_BROKER = "redis://127.0.0.1:8158/0"  # nothing listens there: Redis is "down"


def test_an_effect_recorded_twice_is_one_outbox_row(db):
    with transaction.atomic():
        first, first_is_new = outbox.enqueue("reports.render_report", {"report_id": 7}, key="report:7:v1")
        again, again_is_new = outbox.enqueue("reports.render_report", {"report_id": 7}, key="report:7:v1")

    assert (first_is_new, again_is_new) == (True, False)
    assert first.pk == again.pk
    assert OutboxMessage.objects.count() == 1


def test_with_the_broker_down_rows_stay_unsent_and_record_why(db):
    with publishing_to(CLOSED_PORT_BROKER):
        outbox.enqueue("notifications.relay_outbox", {}, key="first")
        outbox.enqueue("notifications.relay_outbox", {}, key="second")

        published = outbox.flush()

    assert published == 0
    first, second = OutboxMessage.objects.order_by("pk")
    # The relay stops at the first failure so that the second is never published before the first.
    assert (first.attempts, second.attempts) == (1, 0)
    assert "8158" in first.last_error
    assert second.published_at is None


def test_a_row_naming_an_unknown_task_does_not_hold_back_the_others(db, tasks_in_process):
    outbox.enqueue("reports.not_installed_yet", {}, key="unknown")
    outbox.enqueue("notifications.relay_outbox", {}, key="known")

    outbox.flush()

    unknown, known = OutboxMessage.objects.order_by("pk")
    assert unknown.published_at is None
    assert unknown.last_error == "unknown task reports.not_installed_yet"
    assert known.published_at is not None


def test_a_published_row_is_not_published_again(db, tasks_in_process):
    outbox.enqueue("notifications.relay_outbox", {}, key="once")
    outbox.flush()

    assert outbox.flush() == 0


def test_the_backlog_counts_unsent_rows(db):
    with publishing_to(CLOSED_PORT_BROKER):
        outbox.enqueue("notifications.relay_outbox", {}, key="waiting")
        outbox.flush()

    assert outbox.backlog()["unsent"] == 1


@pytest.mark.parametrize("payload", [{"report_id": 1}, {}])
def test_the_task_receives_the_payload_as_keyword_arguments(db, tasks_in_process, payload):
    from config.celery import app

    received = []

    @app.task(name=f"tests.record_{len(payload)}")
    def record(**kwargs):
        received.append(kwargs)

    outbox.enqueue(f"tests.record_{len(payload)}", payload, key=f"record-{len(payload)}")
    outbox.flush()

    assert received == [payload]
