"""Work goes to the person who knows it: a returned round goes back to whoever submitted it (the division can
still take it over); the chief administrator's review and the mayor's approval are assigned at once to their
single holder; every step someone holds can be put back in its queue from its own page."""

from __future__ import annotations

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from approvals import permissions, services, steps
from tests.workflows.conftest import division_task, login, open_tasks, submit, url
from workflows.flows import ActionFlow


def test_a_returned_round_goes_back_to_the_person_who_submitted_it(
    activated, division, staff_member, chief_administrator
):
    submit(activated, division, staff_member)

    services.return_action(activated, by=chief_administrator, reason="แนบภาพถ่ายการประชุม")

    task = division_task(activated, division)
    assert (task.owner, task.status) == (staff_member, STATUS.ASSIGNED)


def test_another_member_of_the_division_can_take_over_a_returned_round(
    client, activated, division, staff_member, division_head, chief_administrator
):
    submit(activated, division, staff_member)
    services.return_action(activated, by=chief_administrator, reason="แนบภาพถ่ายการประชุม")
    task = division_task(activated, division)
    login(client, division_head)

    client.post(url(task, "assign"))

    row = Task.history.filter(id=task.pk).latest("history_id")
    assert (row.owner_id, row.history_user, row.history_reason) == (division_head.pk, division_head, "task.taken_over")


def test_a_task_someone_took_from_the_queue_cannot_be_taken_over(
    client, activated, division, staff_member, division_head
):
    task = division_task(activated, division)
    steps.take_task(task, by=staff_member)
    login(client, division_head)

    client.post(url(task, "assign"))

    assert Task.objects.get(pk=task.pk).owner == staff_member


def test_the_review_is_assigned_to_the_chief_administrator_without_taking_it(
    activated, division, staff_member, chief_administrator
):
    submit(activated, division, staff_member)

    review = open_tasks(activated, ActionFlow.review_by_chief)[0]
    assert (review.owner, review.status) == (chief_administrator, STATUS.ASSIGNED)


def test_the_approval_is_assigned_to_the_mayor_without_taking_it(
    activated, division, staff_member, chief_administrator, mayor
):
    submit(activated, division, staff_member)
    services.accept_action(activated, by=chief_administrator)

    approval = open_tasks(activated, ActionFlow.approve_by_mayor)[0]
    assert (approval.owner, approval.status) == (mayor, STATUS.ASSIGNED)


def test_the_mayor_can_put_the_approval_back_in_its_queue_from_its_page(
    client, activated, division, staff_member, chief_administrator, mayor
):
    submit(activated, division, staff_member)
    services.accept_action(activated, by=chief_administrator)
    approval = open_tasks(activated, ActionFlow.approve_by_mayor)[0]
    login(client, mayor)
    page = client.get(url(approval, "execute"))
    assert page.context["release_url"] == url(approval, "unassign")

    client.post(url(approval, "unassign"))

    row = Task.history.filter(id=approval.pk).latest("history_id")
    assert (row.owner_id, row.status, row.history_user, row.history_reason) == (None, "NEW", mayor, "task.released")


def test_the_approval_page_decides_through_one_service_call(
    client, activated, division, staff_member, chief_administrator, mayor
):
    submit(activated, division, staff_member)
    services.accept_action(activated, by=chief_administrator)
    approval = open_tasks(activated, ActionFlow.approve_by_mayor)[0]
    login(client, mayor)

    response = client.post(url(approval, "execute"), {"decision": "approve", "reason": "อนุมัติ"})

    activated.refresh_from_db()
    assert (response.status_code, activated.status, Task.objects.get(pk=approval.pk).status) == (302, "done", "DONE")


# A row lock on the flow's process or task rows, as PostgreSQL receives it: viewflow's select_for_update lock
# reads the process through our ActionProcess (a child table of viewflow_process).
FLOW_ROW_LOCK = re.compile(r'FROM "(viewflow_process|viewflow_task|workflows_actionprocess)".*FOR UPDATE', re.S)


def test_deciding_on_the_approval_page_locks_the_process_once_and_checks_permission_once(
    client, monkeypatch, activated, division, staff_member, chief_administrator, mayor
):
    submit(activated, division, staff_member)
    services.accept_action(activated, by=chief_administrator)
    approval = open_tasks(activated, ActionFlow.approve_by_mayor)[0]
    login(client, mayor)
    checks = []
    real_check = permissions.check

    def counted_check(user, perm, obj=None):
        if perm == permissions.APPROVE_SUBMISSION:
            checks.append(user)
        return real_check(user, perm, obj)

    monkeypatch.setattr(permissions, "check", counted_check)

    with CaptureQueriesContext(connection) as queries:
        response = client.post(url(approval, "execute"), {"decision": "approve", "reason": "อนุมัติ"})

    locks = [q["sql"] for q in queries.captured_queries if FLOW_ROW_LOCK.search(q["sql"])]
    assert (response.status_code, len(locks), checks) == (302, 1, [mayor])
