"""A plan's activation starts every action's process at once (workflows/starting.py): the rows it writes are those
viewflow's own start writes for the same action, each with its history row, and the flow goes on from them."""

from __future__ import annotations

import re

import pytest
from viewflow.workflow.models import Process, Task

from approvals import services
from approvals.models import Action, Plan, Submission
from audit import reasons
from tests import factories
from workflows import engine, starting
from workflows.models import ActionProcess

pytestmark = pytest.mark.django_db


def _shape(action):
    """What an action's process is, without ids and times: its status and data, each task's node, type,
    status, token (the split's id in it named), queue, owner, data, whether it started and finished, and which
    node each task follows."""
    process = ActionProcess.objects.get(action=action)
    tasks = list(Task.objects.filter(process=process).order_by("pk"))
    split = next(t.pk for t in tasks if t.flow_task_type == "PARALLEL_GATEWAY")
    return (
        process.status,
        process.data,
        sorted(
            (
                str(task.flow_task),
                task.flow_task_type,
                task.status,
                re.sub(rf"/{split}_", "/SPLIT_", str(task.token)),
                task.owner_permission,
                task.owner_id,
                task.data,
                task.started is not None,
                task.finished is not None,
                tuple(str(p.flow_task) for p in task.previous.all()),
            )
            for task in tasks
        ),
    )


@pytest.fixture
def two_plans(agency, division, other_division):
    """Two plans of the agency with the same kinds of action: one division's, and every division's."""
    plans = []
    for year in (2568, 2569):
        plan = factories.PlanFactory(agency=agency, fiscal_year__year=year, status=Plan.Status.DRAFT)
        factories.ActionFactory(indicator__measure__plan=plan, responsible=[other_division])
        factories.ActionFactory(indicator__measure__plan=plan, all_divisions=True)
        plans.append(plan)
    return plans


def _start(plan, by, *, one_at_a_time: bool) -> list[Action]:
    """Each action's drafts, then its process: by viewflow's start one action at a time, or all at once."""
    actions = list(Action.objects.filter(indicator__measure__plan=plan).order_by("pk"))
    reason = reasons.code(reasons.PLAN_ACTIVATED)
    drafts = [
        Submission(agency_id=action.agency_id, action=action, division=division)
        for action in actions
        for division in services.responsible_divisions(action)
    ]
    services.create_all_with_history(drafts, by=by, reason=reason)
    if one_at_a_time:
        for action in actions:
            engine.start(action, by=by, reason=reason)
    else:
        starting.start_all(actions, by=by, reason=reason)
    return actions


def test_starting_all_at_once_writes_the_rows_viewflows_start_writes(two_plans, agency_admin):
    by_viewflow = _start(two_plans[0], agency_admin, one_at_a_time=True)
    at_once = _start(two_plans[1], agency_admin, one_at_a_time=False)

    for one, other in zip(by_viewflow, at_once, strict=True):
        expected, actual = _shape(one), _shape(other)
        assert (actual[0], set(actual[1])) == (expected[0], set(expected[1]))
        assert actual[2] == expected[2]


def test_every_row_started_at_once_has_its_creation_in_the_history_with_who_and_why(two_plans, agency_admin):
    [action, _] = _start(two_plans[1], agency_admin, one_at_a_time=False)

    process = ActionProcess.objects.get(action=action)
    tasks = Task.objects.filter(process=process)
    created = [Process.history.get(id=process.pk, history_type="+")] + [
        Task.history.get(id=task.pk, history_type="+") for task in tasks
    ]
    assert {(h.history_user_id, h.history_reason_code, h.agency_id, h.action_id) for h in created} == {
        (agency_admin.pk, reasons.PLAN_ACTIVATED, action.agency_id, action.pk)
    }
