"""Activating a plan starts one process per action and puts one task in each responsible division's queue."""

from __future__ import annotations

import datetime

import pytest

from approvals import services
from approvals.exceptions import InvalidTransition, NotAllowed
from approvals.models import Action, FiscalYear, Plan, Submission
from tests import factories
from tests.workflows.conftest import open_tasks
from workflows.flows import ActionFlow
from workflows.models import ActionProcess


def test_each_action_gets_one_process_and_its_division_one_task(plan, action, division, agency_admin):
    services.activate_plan(plan, by=agency_admin, reason="เริ่มปีงบประมาณ")

    assert ActionProcess.objects.filter(action=action).count() == 1
    [task] = open_tasks(action)
    assert (task.flow_task, task.data["division"], task.owner_id) == (ActionFlow.perform_action, division.pk, None)
    assert Submission.objects.get(action=action).status == Submission.Status.DRAFT


def test_the_plan_becomes_active_and_the_change_is_historised(plan, action, agency_admin):
    services.activate_plan(plan, by=agency_admin, reason="เริ่มปีงบประมาณ")

    plan.refresh_from_db()
    assert plan.status == Plan.Status.ACTIVE
    record = plan.history.first()
    assert (record.history_user, record.history_reason, record.status) == (
        agency_admin,
        "เริ่มปีงบประมาณ",
        Plan.Status.ACTIVE,
    )


def test_activating_twice_is_refused_and_starts_nothing_more(plan, action, agency_admin):
    services.activate_plan(plan, by=agency_admin, reason="เริ่ม")

    with pytest.raises(InvalidTransition, match="เริ่มดำเนินการแล้ว"):
        services.activate_plan(plan, by=agency_admin, reason="เริ่มอีกครั้ง")

    assert ActionProcess.objects.count() == 1


def test_only_the_agency_administrator_activates_a_plan(plan, action, staff_member):
    with pytest.raises(NotAllowed):
        services.activate_plan(plan, by=staff_member, reason="เริ่ม")

    assert not ActionProcess.objects.exists()


def test_an_action_without_a_responsible_division_stops_the_activation_with_its_name(plan, agency_admin):
    factories.ActionFactory(indicator__measure__plan=plan, text="แนวทางที่ไม่มีผู้รับผิดชอบ")

    with pytest.raises(InvalidTransition, match="แนวทางที่ไม่มีผู้รับผิดชอบ"):
        services.activate_plan(plan, by=agency_admin, reason="เริ่ม")

    plan.refresh_from_db()
    assert plan.status == Plan.Status.DRAFT


def test_an_action_without_a_due_date_gets_the_next_round_of_the_fiscal_year(plan, action, agency_admin):
    Action.objects.filter(pk=action.pk).update(due_date=None)

    services.activate_plan(plan, by=agency_admin, reason="เริ่ม")

    action.refresh_from_db()
    assert action.due_date == services.default_due_date(plan.fiscal_year)


@pytest.mark.parametrize(
    ("today", "due"),
    [(datetime.date(2025, 11, 1), datetime.date(2026, 3, 31)), (datetime.date(2026, 4, 1), datetime.date(2026, 9, 30))],
)
def test_the_default_due_date_is_the_6_month_round_then_the_12_month_round(today, due):
    assert services.default_due_date(FiscalYear(year=2569), today) == due
