"""Queues people can work from: filters by division, indicator, due date, overdue, state and holder, sorting and
counts; which divisions of an all-division action have submitted, on the action's page and in the chief
administrator's queue; titles cut between words."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from approvals import figures, services
from approvals.models import Action
from approvals.wording import shorten
from tests import factories
from tests.workflows.conftest import division_task, draft_of, login, submit, url


def _action_ids(response) -> list[int]:
    return [row["action"].pk for row in response.context["rows"]]


@pytest.fixture
def two_actions(plan, action, shared_action, agency_admin):
    """The single-division action and the all-divisions action, both activated."""
    services.activate_plan(plan, by=agency_admin, reason="เริ่มปีงบประมาณ")
    action.refresh_from_db()
    shared_action.refresh_from_db()
    return action, shared_action


def test_the_queue_filters_by_division(client, two_actions, division, other_division, division_head):
    login(client, division_head)

    response = client.get("/work/queue/", {"division": other_division.pk})

    assert response.status_code == 200
    assert response.context["rows"] == []
    assert response.context["counts"].total == 2


def test_the_queue_filters_by_indicator(client, two_actions, staff_member):
    _action, shared = two_actions
    login(client, staff_member)

    response = client.get("/work/queue/", {"indicator": shared.indicator_id})

    assert _action_ids(response) == [shared.pk]


def test_the_queue_shows_only_overdue_tasks_when_asked_and_counts_them(client, two_actions, staff_member):
    action, shared = two_actions
    Action.objects.filter(pk=action.pk).update(due_date=timezone.localdate() - datetime.timedelta(days=3))
    Action.objects.filter(pk=shared.pk).update(due_date=timezone.localdate() + datetime.timedelta(days=3))
    login(client, staff_member)

    response = client.get("/work/queue/", {"overdue": "on"})

    assert _action_ids(response) == [action.pk]
    assert response.context["counts"].overdue == 1
    assert "เกินกำหนด" in response.content.decode()


def test_the_queue_overdue_count_agrees_with_the_plan_figures(client, two_actions, plan, staff_member):
    action, shared = two_actions
    Action.objects.filter(pk__in=[action.pk, shared.pk]).update(
        due_date=timezone.localdate() - datetime.timedelta(days=1)
    )
    login(client, staff_member)

    response = client.get("/work/queue/")

    assert response.context["counts"].overdue == figures.plan_figures(plan).overall.overdue == 2


def test_the_queue_filters_by_due_date(client, two_actions, staff_member):
    action, shared = two_actions
    soon = timezone.localdate() + datetime.timedelta(days=5)
    Action.objects.filter(pk=shared.pk).update(due_date=soon)
    Action.objects.filter(pk=action.pk).update(due_date=soon + datetime.timedelta(days=30))
    login(client, staff_member)

    response = client.get("/work/queue/", {"due_by": soon.isoformat()})

    assert _action_ids(response) == [shared.pk]


def test_the_queue_filters_by_holder(client, two_actions, division, staff_member, division_head):
    action, shared = two_actions
    task = division_task(action, division)
    login(client, staff_member)
    client.post(url(task, "assign"))
    login(client, division_head)

    held_by_alice = client.get("/work/queue/", {"holder": staff_member.pk})
    nobody = client.get("/work/queue/", {"holder": "nobody"})

    assert _action_ids(held_by_alice) == [action.pk]
    assert _action_ids(nobody) == [shared.pk]
    assert (nobody.context["counts"].total, nobody.context["counts"].waiting) == (2, 1)


def test_the_queue_filters_by_the_actions_state(client, two_actions, division, staff_member):
    action, _shared = two_actions
    services.save_draft(draft_of(action, division), by=staff_member, results="เริ่มดำเนินการ", outcome="", progress=10)
    login(client, staff_member)

    response = client.get("/work/queue/", {"state": Action.Status.IN_PROGRESS})

    assert _action_ids(response) == [action.pk]


def test_the_queue_sorts_by_due_date_latest_first(client, two_actions, staff_member):
    action, shared = two_actions
    Action.objects.filter(pk=action.pk).update(due_date=timezone.localdate() + datetime.timedelta(days=10))
    Action.objects.filter(pk=shared.pk).update(due_date=timezone.localdate() + datetime.timedelta(days=20))
    login(client, staff_member)

    earliest = client.get("/work/queue/")
    latest = client.get("/work/queue/", {"sort": "-due"})

    assert _action_ids(earliest) == [action.pk, shared.pk]
    assert _action_ids(latest) == [shared.pk, action.pk]


def test_a_filter_value_that_is_not_a_choice_is_named_and_the_list_still_shows(client, two_actions, staff_member):
    login(client, staff_member)

    response = client.get("/work/queue/", {"division": "99999", "due_by": "31/02/2569", "sort": "x"})

    assert response.status_code == 200
    assert len(response.context["rows"]) == 2
    assert set(response.context["form"].errors) == {"division", "due_by", "sort"}


def test_the_queue_of_another_agencys_division_shows_nothing(client, two_actions, staff_member):
    stranger = factories.DivisionFactory(name="กองช่าง")
    login(client, staff_member)

    response = client.get("/work/queue/", {"division": stranger.pk})

    assert "division" in response.context["form"].errors


def test_the_action_page_says_which_divisions_have_submitted_and_when(
    client, activated_shared, division, other_division, staff_member
):
    submit(activated_shared, division, staff_member)
    login(client, staff_member)

    response = client.get(f"/work/actions/{activated_shared.pk}/")

    page = response.content.decode()
    assert "ส่งแล้ว 1 จาก 2 ส่วนราชการ" in page
    parts = {part.division: part for part in figures.division_submissions([activated_shared])[activated_shared.pk]}
    assert parts["สำนักปลัด"].submitted and parts["สำนักปลัด"].submitted_at is not None
    assert not parts["กองคลัง"].submitted
    assert "ยังไม่ส่ง" in page


def test_the_chief_administrators_queue_lists_all_division_actions_still_waiting_for_divisions(
    client, activated_shared, division, other_division, staff_member, chief_administrator
):
    submit(activated_shared, division, staff_member)
    login(client, chief_administrator)

    response = client.get("/work/queue/")

    waiting = response.context["waiting_for_divisions"]
    assert [item["action"].pk for item in waiting] == [activated_shared.pk]
    assert [(p.division, p.submitted) for p in waiting[0]["parts"]] == [("กองคลัง", False), ("สำนักปลัด", True)]


def test_the_home_page_says_how_many_tasks_wait_and_how_many_notifications_are_unread(
    client, two_actions, staff_member
):
    login(client, staff_member)

    page = client.get("/").content.decode()

    assert "2</strong> งานรอรับ" in page
    assert "0</strong> การแจ้งเตือนที่ยังไม่อ่าน" in page


def test_a_thai_title_is_cut_between_words():
    text = "จัดทำแผนปฏิบัติการป้องกันการทุจริตประจำปี รวมทั้งรายงานผลการดำเนินงานแล้ว"

    assert shorten(text, 30) == "จัดทำแผนปฏิบัติการป้องกันการ…"


def test_an_actions_name_is_cut_between_words(two_actions):
    action, _ = two_actions
    Action.objects.filter(pk=action.pk).update(
        text="จัดทำแผนปฏิบัติการป้องกันการทุจริตประจำปี รวมทั้งรายงานผลการดำเนินงานให้ผู้บริหารทราบทุกไตรมาส"
    )
    action.refresh_from_db()

    assert str(action).endswith(" จัดทำแผนปฏิบัติการป้องกันการทุจริตประจำปี รวมทั้งรายงานผล…")
