"""The real workflow services and the real notifications together: each step of an action's life tells
exactly the people it concerns, once, in their notification centre (embedded default: Celery tasks run
in-process after commit)."""

from __future__ import annotations

import pytest

from approvals import services
from approvals.models import Plan, Submission
from config.celery import app
from notifications.models import Event, Notification
from tests import factories


@pytest.fixture(autouse=True)
def _embedded_default(settings, tmp_path):
    """No broker: tasks run in this process, as CELERY_TASK_ALWAYS_EAGER does without REDIS_URL."""
    settings.MEDIA_ROOT = tmp_path / "media"
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = saved


@pytest.fixture
def shared_action(agency, division, other_division):
    plan = factories.PlanFactory(agency=agency, status=Plan.Status.DRAFT)
    return factories.ActionFactory(indicator__measure__plan=plan, all_divisions=True, text="ประกาศเจตนารมณ์สุจริต")


@pytest.fixture
def cast(staff_member, division_head, other_division_staff, chief_administrator, mayor, agency_admin):
    return {
        "alice": staff_member,
        "bob": division_head,
        "dave": other_division_staff,
        "charlie": chief_administrator,
        "mallory": mayor,
        "walter": agency_admin,
    }


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run one service call as its own committed request would: on-commit work (the outbox relay) runs."""

    def run(service, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return service(*args, **kwargs)

    return run


def told(event: str, action) -> list[str]:
    """Usernames told about `event` for the action, one entry per notification (sorted)."""
    return sorted(Notification.objects.filter(event=event, action=action).values_list("recipient__username", flat=True))


def submit(committed, action, division, person, results: str) -> None:
    action.refresh_from_db()
    draft = Submission.objects.get(action=action, division=division, round=action.current_round)
    committed(services.save_draft, draft, by=person, results=results, outcome="ประชาชนพึงพอใจ", progress=100)
    committed(services.submit_result, draft, by=person)


@pytest.fixture
def activated(committed, shared_action, cast):
    committed(services.activate_plan, shared_action.indicator.measure.plan, by=cast["walter"], reason="เริ่มปี")
    shared_action.refresh_from_db()
    return shared_action


@pytest.fixture
def submitted(committed, activated, division, other_division, cast):
    submit(committed, activated, division, cast["alice"], "จัดประชุมประกาศเจตนารมณ์")
    submit(committed, activated, other_division, cast["dave"], "ติดประกาศที่บอร์ดกองคลัง")
    return activated


RETURN_REASON = "กรุณาแนบรายชื่อผู้เข้าร่วมประชุม"


@pytest.fixture
def returned_to_one_division(committed, submitted, division, cast):
    committed(services.return_action, submitted, by=cast["charlie"], reason=RETURN_REASON, to_divisions=[division])
    return submitted


@pytest.fixture
def accepted_after_return(committed, returned_to_one_division, division, cast):
    submit(committed, returned_to_one_division, division, cast["alice"], "จัดประชุมประกาศเจตนารมณ์ พร้อมรายชื่อ")
    committed(services.accept_action, returned_to_one_division, by=cast["charlie"], reason="ครบถ้วน")
    return returned_to_one_division


def test_activating_a_plan_tells_each_member_of_every_responsible_division_once(activated):
    assert told(Event.ASSIGNED, activated) == ["alice", "bob", "dave"]


def test_the_chief_hears_of_a_review_only_once_every_division_has_submitted(
    committed, activated, division, other_division, cast
):
    submit(committed, activated, division, cast["alice"], "จัดประชุมประกาศเจตนารมณ์")
    assert told(Event.REVIEW_REQUESTED, activated) == []

    submit(committed, activated, other_division, cast["dave"], "ติดประกาศที่บอร์ดกองคลัง")

    assert told(Event.REVIEW_REQUESTED, activated) == ["charlie"]


def test_a_return_tells_the_returned_division_once_with_the_reason_and_nobody_else(returned_to_one_division):
    assert told(Event.RETURNED, returned_to_one_division) == ["alice", "bob"]
    reasons = set(Notification.objects.filter(event=Event.RETURNED).values_list("params__reason", flat=True))
    assert reasons == {RETURN_REASON}


def test_the_returned_staff_member_reads_the_reason_in_the_notification_centre(client, returned_to_one_division, cast):
    client.force_login(cast["alice"])

    page = client.get("/notifications/")

    assert page.status_code == 200
    assert RETURN_REASON in page.content.decode()


def test_a_resubmission_after_a_return_asks_the_chief_for_a_second_review(accepted_after_return):
    assert told(Event.REVIEW_REQUESTED, accepted_after_return) == ["charlie", "charlie"]


def test_the_mayor_hears_once_that_an_accepted_action_awaits_approval(accepted_after_return):
    assert told(Event.APPROVAL_REQUESTED, accepted_after_return) == ["mallory"]


def test_the_approval_tells_every_division_whose_results_were_approved_even_one_not_returned(
    committed, accepted_after_return, cast
):
    committed(services.approve_action, accepted_after_return, by=cast["mallory"], reason="อนุมัติ")

    assert told(Event.APPROVED, accepted_after_return) == ["alice", "dave"]


def test_nobody_is_told_of_their_own_step(committed, accepted_after_return, cast):
    committed(services.approve_action, accepted_after_return, by=cast["mallory"], reason="อนุมัติ")

    own = {
        Event.ASSIGNED: "walter",
        Event.REVIEW_REQUESTED: "dave",
        Event.APPROVAL_REQUESTED: "charlie",
        Event.APPROVED: "mallory",
    }
    assert [event for event, person in own.items() if person in told(event, accepted_after_return)] == []
