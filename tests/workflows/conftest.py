"""Fixtures of the workflow tests: a draft plan with a single-division action and an all-divisions action,
activated by the agency administrator; helpers that act through the flow's real URLs."""

from __future__ import annotations

import pytest
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from approvals import services
from approvals.models import Plan, Submission
from tests import factories
from workflows.flows import ActionFlow


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def plan(agency):
    return factories.PlanFactory(agency=agency, status=Plan.Status.DRAFT)


@pytest.fixture
def action(plan, division):
    return factories.ActionFactory(indicator__measure__plan=plan, responsible=[division], text="ทบทวนขั้นตอนการให้บริการ")


@pytest.fixture
def shared_action(plan, division, other_division):
    """An action of every division (ทุกส่วนราชการ): the agency's two divisions."""
    return factories.ActionFactory(indicator__measure__plan=plan, all_divisions=True, text="ประกาศเจตนารมณ์สุจริต")


@pytest.fixture
def activated(plan, action, agency_admin):
    services.activate_plan(plan, by=agency_admin, reason="เริ่มปีงบประมาณ")
    action.refresh_from_db()
    return action


@pytest.fixture
def activated_shared(plan, shared_action, agency_admin):
    services.activate_plan(plan, by=agency_admin, reason="เริ่มปีงบประมาณ")
    shared_action.refresh_from_db()
    return shared_action


def login(client, person):
    """Sign in as `person` (through ModelBackend: the first configured backend, axes, restores nobody)."""
    client.force_login(person, backend="django.contrib.auth.backends.ModelBackend")


def open_tasks(action, node=None):
    tasks = Task.objects.filter(process__actionprocess__action=action, status__in=[STATUS.NEW, STATUS.ASSIGNED])
    if node is not None:
        tasks = tasks.filter(flow_task=node)
    return list(tasks.order_by("pk"))


def draft_of(action, division):
    action.refresh_from_db()
    return Submission.objects.get(action=action, division=division, round=action.current_round)


def division_task(action, division):
    return next(t for t in open_tasks(action, ActionFlow.perform_action) if t.data["division"] == division.pk)


def url(task, name):
    return task.flow_task.reverse(name, args=[task.process_id, task.pk])


def submit(action, division, person, results="จัดประชุมชี้แจงขั้นตอนการให้บริการ"):
    submission = draft_of(action, division)
    services.save_draft(submission, by=person, results=results, outcome="ประชาชนพึงพอใจ", progress=100)
    return services.submit_result(submission, by=person)
