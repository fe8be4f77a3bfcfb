"""The outbox: effects recorded with the change, published once, in order, whatever the broker does."""

from __future__ import annotations

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from notifications import outbox
from notifications.models import OutboxMessage
from tests.locks import Holder
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


def test_a_published_row_whose_task_never_recorded_its_effect_is_published_again_when_due(db, settings, broker):
    settings.OUTBOX_REPUBLISH_SECONDS = 0  # the task was lost: a killed worker, a Redis restarted empty
    with publishing_to(CLOSED_PORT_BROKER):
        message, _ = outbox.enqueue("notifications.relay_outbox", {}, key="lost")
    message.published_at = message.next_attempt_at = timezone.now() - datetime.timedelta(seconds=1)
    message.save(update_fields=["published_at", "next_attempt_at"])

    published = outbox.flush()

    message.refresh_from_db()
    assert published == 1
    assert message.completed_at is None
    assert message.next_attempt_at is not None


def test_a_row_whose_task_recorded_its_effect_leaves_the_outbox(db):
    with publishing_to(CLOSED_PORT_BROKER):
        message, _ = outbox.enqueue("notifications.relay_outbox", {}, key="done")

    assert outbox.complete(message.task_id) == 1

    assert not OutboxMessage.objects.unfinished().exists()
    assert outbox.flush() == 0


@pytest.mark.django_db(transaction=True)
def test_a_second_relay_skips_the_rows_the_first_one_holds_instead_of_waiting(tasks_in_process):
    from config.celery import app

    @app.task(name="tests.noop")
    def noop():
        return None

    with publishing_to(CLOSED_PORT_BROKER):  # both rows wait, unsent
        outbox.enqueue("tests.noop", {}, key="held")
        outbox.enqueue("tests.noop", {}, key="free")
    held = OutboxMessage.objects.get(key="held")
    first_relay = Holder(first=lambda: list(OutboxMessage.objects.filter(pk=held.pk).select_for_update()))
    first_relay.start()
    first_relay.ready.wait(10)

    try:
        published = outbox.flush()
    finally:
        first_relay.go.set()
        first_relay.join(10)

    assert published == 1
    assert OutboxMessage.objects.get(key="free").completed_at is not None
    assert OutboxMessage.objects.get(key="held").completed_at is None


def test_a_task_that_fails_in_process_stays_in_the_outbox_and_is_tried_later(db, tasks_in_process):
    from config.celery import app

    @app.task(name="tests.always_fails")
    def always_fails():
        raise RuntimeError("the cache is down")

    outbox.enqueue("tests.always_fails", {}, key="fails")
    outbox.flush()

    message = OutboxMessage.objects.get(key="fails")
    assert message.completed_at is None
    assert message.last_error == "RuntimeError: the cache is down"
    assert message.next_attempt_at > timezone.now()
    assert outbox.flush() == 0  # not due again yet


def test_after_commit_work_that_fails_never_fails_the_committed_change_and_is_kept_for_a_worker(
    db, django_capture_on_commit_callbacks
):
    from config.celery import app

    @app.task(name="tests.cache_down")
    def cache_down(**kwargs):
        raise ConnectionError("Redis is down")

    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            outbox.after_commit("tests.cache_down", {"page": 1})

    kept = OutboxMessage.objects.get(kind="tests.cache_down")
    assert (kept.payload, kept.published_at, kept.completed_at) == ({"page": 1}, None, None)


def test_after_commit_work_that_succeeds_leaves_nothing_in_the_outbox(db, django_capture_on_commit_callbacks):
    from config.celery import app

    done = []

    @app.task(name="tests.cache_up")
    def cache_up(**kwargs):
        done.append(kwargs)

    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            outbox.after_commit("tests.cache_up", {"page": 2})

    assert done == [{"page": 2}]
    assert not OutboxMessage.objects.exists()
