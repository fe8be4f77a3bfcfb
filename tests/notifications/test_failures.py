"""Nothing lost when things fail (issue 12), against real services: PostgreSQL connections killed under a real
Celery worker, a deadlock forced on it, the workflow and the deliveries of one agency running together, and an
approval while Redis is stopped. Redis is this helper's own database or a redis-server the test starts itself.
"""

from __future__ import annotations

import collections
import random
import threading
import time
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connection
from django.urls import reverse

from approvals import services as workflow
from approvals.models import Action, Plan, Role
from approvals.transactions import lock_chains
from notifications import outbox, services
from notifications.models import Channel, Delivery, Event, Notification, OutboxMessage, Preference, Timing
from notifications.tasks import relay_outbox, send_delivery
from reports import public
from tests import factories
from tests.locks import Holder, backends_of, wait_until
from tests.notifications import events
from tests.notifications.realservices import RedisServer, publishing_to, start_worker, wait_for
from tests.workflows.conftest import draft_of, login, open_tasks, url
from workflows.flows import ActionFlow

pytestmark = pytest.mark.django_db(transaction=True)

# The worker's database connections carry this name, so that the test kills theirs and no other.
WORKER_APP = "khunatham-test-worker"
EVERY_EVENT = {event: [Channel.EMAIL, Channel.LINE] for event in Event.values}


def line_id(n: int) -> str:
    return f"U{n:032x}"


def hears_by_email_and_line(person, n: int) -> None:
    Preference.objects.create(
        user=person,
        agency=person.agency,
        channels=EVERY_EVENT,
        timing={event: Timing.IMMEDIATE for event in Event.values},
        line_user_id=line_id(n),
    )


def division_staff(agency, division, count: int) -> list:
    people = []
    for n in range(count):
        person = factories.UserFactory(agency=agency, username=f"staff{n}", email=f"staff{n}@example.go.th")
        factories.RoleAssignmentFactory(user=person, agency=agency, role=Role.STAFF, division=division)
        hears_by_email_and_line(person, n + 1)
        people.append(person)
    return people


def sweep(grace_seconds: float = 3) -> None:
    """What beat's minute sweep does, sooner."""
    relay_outbox.run(grace_seconds=grace_seconds)


def all_sent() -> bool:
    """Every email and LINE delivery with an address is sent (none waiting, none failed)."""
    unsent = Delivery.objects.filter(
        channel__in=[Channel.EMAIL, Channel.LINE],
        status__in=[Delivery.Status.PENDING, Delivery.Status.SENDING, Delivery.Status.FAILED],
    )
    return Delivery.objects.filter(status=Delivery.Status.SENT).exists() and not unsent.exists()


def sent_message_ids(mail_dir: Path) -> collections.Counter:
    """How many times each Message-ID left the worker (the file email backend keeps every message sent)."""
    ids = collections.Counter()
    for file in mail_dir.glob("*"):
        for line in file.read_text(errors="replace").splitlines():
            if line.lower().startswith("message-id:"):
                ids[line.split(":", 1)[1].strip()] += 1
    return ids


class Killer(threading.Thread):
    """Terminates the worker's PostgreSQL connections (pg_terminate_backend) every 0.1-0.3 s until stopped."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.kills = 0

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                with connection.cursor() as cursor:
                    for pid in backends_of(WORKER_APP):
                        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
                        self.kills += bool(cursor.fetchone()[0])
                time.sleep(random.uniform(0.1, 0.3))
        finally:
            connection.close()


@pytest.fixture
def worker_env(line_env, tmp_path, settings) -> dict[str, str]:
    settings.OUTBOX_REPUBLISH_SECONDS = 3  # the test's sweeps publish again what a worker gave up on
    return {
        **line_env,
        "PGAPPNAME": WORKER_APP,
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
        "NOTIFICATION_SEND_LEASE_SECONDS": "2",
        "NOTIFICATION_SHORT_RETRY_SECONDS": "5",
    }


def test_connections_killed_during_delivery_lose_no_notification_and_send_none_twice(
    action, agency, division, chief_administrator, broker, fake_line, worker_env, tmp_path
):
    people = division_staff(agency, division, 6)
    worker = start_worker(broker, env=worker_env)
    killer = Killer()
    try:
        killer.start()
        events.assign(action, [division], by=chief_administrator)
        time.sleep(4)  # deliveries run while connections are killed
        killer.stop.set()
        killer.join(10)
        deadline = time.monotonic() + 60
        while not (all_sent() and Notification.objects.count() == len(people)) and time.monotonic() < deadline:
            sweep()
            time.sleep(1)
    finally:
        killer.stop.set()
        worker.stop()

    assert killer.kills > 0, worker.final_output[-3000:]
    assert sorted(Notification.objects.values_list("recipient", flat=True)) == sorted(p.pk for p in people)
    assert all_sent(), list(Delivery.objects.values_list("channel", "status", "result"))
    assert sorted(sent_message_ids(tmp_path / "mail").values()) == [1] * len(people)
    assert sorted(collections.Counter(r.headers["X-Line-Retry-Key"] for r in fake_line.received).values()) == [1] * len(
        people
    )
    assert not OutboxMessage.objects.unfinished().exists()


def test_a_deadlock_forced_on_a_delivery_loses_nothing_and_sends_it_once(
    action, agency, staff_member, broker, fake_line, worker_env
):
    Preference.objects.create(
        user=staff_member, agency=agency, channels={Event.ASSIGNED: [Channel.LINE]}, line_user_id=line_id(1)
    )
    [delivery_id] = services.deliver(
        key="forced-deadlock",
        event=Event.ASSIGNED,
        recipients=[staff_member.pk],
        action_id=action.pk,
        agency_id=agency.pk,
        params={},
    )
    # A path outside the lock order: the delivery's row first, then the agency's chain lock.
    rogue = Holder(
        first=lambda: Delivery.objects.select_for_update().get(pk=delivery_id), then=lambda: lock_chains(agency.pk)
    )
    rogue.start()
    rogue.ready.wait(10)
    assert rogue.error is None, rogue.error
    worker = start_worker(broker, env=worker_env)
    try:
        send_delivery.delay(delivery_id)
        wait_until(
            _worker_waits_for_a_row,
            "the worker to wait for the delivery's row",
            details=lambda: f"{_activity()}\n{worker.output()}",
        )
        rogue.go.set()  # now the rogue waits for the chain lock the worker holds: PostgreSQL cancels the worker
        rogue.join(30)
        wait_for(lambda: Delivery.objects.get(pk=delivery_id).status == Delivery.Status.SENT, what="the delivery")
    finally:
        worker.stop()

    assert rogue.error is None
    assert "deadlock detected" in worker.final_output
    assert len(fake_line.received) == 1
    assert Notification.objects.count() == 1


def _worker_waits_for_a_row() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE a.application_name = %s AND NOT l.granted AND l.locktype IN ('transactionid', 'tuple')",
            [WORKER_APP],
        )
        return cursor.fetchone()[0] > 0


def _activity() -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, application_name, state, wait_event_type, wait_event, left(query, 120) "
            "FROM pg_stat_activity WHERE datname = current_database()"
        )
        return "\n".join(map(str, cursor.fetchall()))


def _deadlocks_so_far() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


def test_the_workflow_and_the_deliveries_of_one_agency_together_deadlock_for_nobody(
    agency, division, staff_member, chief_administrator, mayor, agency_admin, broker, fake_line, worker_env
):
    for n, person in enumerate([staff_member, chief_administrator, mayor], start=1):
        hears_by_email_and_line(person, n)
    plan = factories.PlanFactory(agency=agency, status=Plan.Status.DRAFT)
    actions = [factories.ActionFactory(indicator__measure__plan=plan, responsible=[division]) for _ in range(5)]
    deadlocks_before = _deadlocks_so_far()
    worker = start_worker(broker, env=worker_env)
    try:
        workflow.activate_plan(plan, by=agency_admin, reason="เริ่มปีงบประมาณ")
        for action in actions:
            submission = draft_of(action, division)
            workflow.save_draft(submission, by=staff_member, results="จัดประชุมแล้ว", outcome="สำเร็จ", progress=100)
            workflow.submit_result(submission, by=staff_member)
            services.mark_all_read(by=chief_administrator)
            workflow.accept_action(Action.objects.get(pk=action.pk), by=chief_administrator)
            services.mark_all_read(by=mayor)
            workflow.approve_action(Action.objects.get(pk=action.pk), by=mayor)
            services.mark_all_read(by=staff_member)
        wait_for(all_sent, timeout=60, what="every delivery")
    finally:
        worker.stop()
    time.sleep(1.5)  # PostgreSQL counts a deadlock when the victim's statistics reach it

    assert Action.objects.filter(status=Action.Status.DONE).count() == len(actions)
    assert _deadlocks_so_far() == deadlocks_before
    assert "deadlock" not in worker.final_output


def test_approving_with_redis_stopped_answers_success_and_the_public_page_cache_is_cleared_later(
    client, agency, division, staff_member, chief_administrator, mayor, agency_admin, settings
):
    redis = RedisServer(persistent=True)
    redis.start()
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis.url,
            "KEY_PREFIX": "khunatham",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    plan = factories.PlanFactory(agency=agency, status=Plan.Status.DRAFT)
    action = factories.ActionFactory(indicator__measure__plan=plan, responsible=[division])
    public_page = reverse("reports:public", args=[agency.slug, plan.fiscal_year.year])
    worker = None
    try:
        with publishing_to(redis.url):
            workflow.activate_plan(plan, by=agency_admin, reason="เริ่มปีงบประมาณ")
            submission = draft_of(action, division)
            workflow.save_draft(submission, by=staff_member, results="ประกาศผลบนเว็บไซต์", outcome="สำเร็จ", progress=100)
            workflow.submit_result(submission, by=staff_member)
            workflow.accept_action(Action.objects.get(pk=action.pk), by=chief_administrator)
            assert "ประกาศผลบนเว็บไซต์" not in client.get(public_page).content.decode()  # cached, not approved yet
            key = public.cache_key(agency.pk, plan.fiscal_year.year, "th")
            assert cache.get(key) is not None

            redis.stop()
            login(client, mayor)
            task = open_tasks(action, ActionFlow.approve_by_mayor)[0]
            assert client.post(url(task, "assign")).status_code == 302
            answer = client.post(url(task, "execute"), {"decision": "approve", "reason": ""})
            page_while_down = client.get(public_page)

            redis.start()  # with its data: the page cached before the approval is back, stale
            stale = cache.get(key)
            worker = start_worker(redis.url)
            outbox.flush()  # the minute sweep, once Redis is back
            wait_for(lambda: cache.get(key) is None, what="the cached page to be cleared")
            worker.wait_for_lines("Task reports.invalidate_public_page[", "succeeded")
    finally:
        if worker is not None:
            worker.stop()
        redis.stop()

    assert answer.status_code == 302
    assert Action.objects.get(pk=action.pk).status == Action.Status.DONE
    assert page_while_down.status_code == 200
    assert "ประกาศผลบนเว็บไซต์" in page_while_down.content.decode()
    assert stale is not None and "ประกาศผลบนเว็บไซต์" not in stale
    assert worker.lines("Task reports.invalidate_public_page[", "succeeded") == 1
