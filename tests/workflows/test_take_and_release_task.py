"""Taking and releasing a task on its own page (viewflow's assign and unassign URLs) is historised with the
signed-in person and a reason, like every other change of a task."""

from __future__ import annotations

from viewflow.workflow.models import Task

from tests.workflows.conftest import division_task, login, url


def test_taking_a_task_through_its_url_records_the_person_and_the_reason(client, activated, division, staff_member):
    task = division_task(activated, division)
    login(client, staff_member)

    client.post(url(task, "assign"))

    row = Task.history.filter(id=task.pk).latest("history_id")
    assert (row.owner_id, row.status, row.history_user, row.history_reason) == (
        staff_member.pk,
        "ASSIGNED",
        staff_member,
        "task.taken",
    )


def test_releasing_a_task_through_its_url_records_the_person_and_the_reason(client, activated, division, staff_member):
    task = division_task(activated, division)
    login(client, staff_member)
    client.post(url(task, "assign"))

    client.post(url(task, "unassign"))

    row = Task.history.filter(id=task.pk).latest("history_id")
    assert (row.owner_id, row.status, row.history_user, row.history_reason) == (
        None,
        "NEW",
        staff_member,
        "task.released",
    )
