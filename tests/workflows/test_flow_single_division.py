"""A single-division action driven through the real task URLs (take, then execute), as the viewflow
cookbook tests its flows: submit, return with a reason, resubmit, accept, approve."""

from __future__ import annotations

import pytest

from approvals.models import Action, Decision, Submission
from tests.workflows.conftest import division_task, login, open_tasks, url
from workflows.flows import ActionFlow

RESULTS = {"results": "ปรับปรุงคู่มือการให้บริการ", "outcome": "ลดเวลารอคอย", "progress": "100", "submit": "1"}


def take_and_execute(client, person, task, data):
    login(client, person)
    assert client.post(url(task, "assign")).status_code == 302
    return client.post(url(task, "execute"), data)


@pytest.fixture
def returned(client, activated, division, staff_member, chief_administrator):
    """The division submitted; the chief administrator returned it with a reason."""
    take_and_execute(client, staff_member, division_task(activated, division), RESULTS)
    review = open_tasks(activated, ActionFlow.review_by_chief)[0]
    take_and_execute(
        client, chief_administrator, review, {"decision": "return_divisions", "reason": "แนบภาพถ่ายการประชุมด้วย"}
    )
    activated.refresh_from_db()
    return activated


def test_submitting_on_the_task_page_sends_the_action_to_the_chief_administrators_review(
    client, activated, division, staff_member
):
    response = take_and_execute(client, staff_member, division_task(activated, division), RESULTS)

    assert response.status_code == 302
    activated.refresh_from_db()
    assert activated.status == Action.Status.AWAITING_REVIEW
    assert [t.flow_task for t in open_tasks(activated)] == [ActionFlow.review_by_chief]


def test_a_return_opens_a_new_round_for_the_division_with_the_reason_on_its_task_page(
    client, returned, division, staff_member
):
    task = division_task(returned, division)
    login(client, staff_member)
    client.post(url(task, "assign"))

    page = client.get(url(task, "execute"))

    assert (returned.status, returned.current_round) == (Action.Status.RETURNED, 2)
    assert "แนบภาพถ่ายการประชุมด้วย" in page.content.decode()
    assert page.context["form"].initial["results"] == RESULTS["results"]


def test_a_return_without_a_reason_is_refused_with_a_message(
    client, activated, division, staff_member, chief_administrator
):
    take_and_execute(client, staff_member, division_task(activated, division), RESULTS)
    review = open_tasks(activated, ActionFlow.review_by_chief)[0]

    response = take_and_execute(client, chief_administrator, review, {"decision": "return_divisions", "reason": " "})

    assert response.status_code == 400
    assert response.context["form"].errors["reason"]
    assert not Decision.objects.filter(action=activated).exists()


def test_after_resubmission_review_and_approval_the_action_is_done_and_its_results_are_final(
    client, returned, division, staff_member, chief_administrator, mayor
):
    take_and_execute(client, staff_member, division_task(returned, division), {**RESULTS, "progress": "100"})
    take_and_execute(
        client, chief_administrator, open_tasks(returned, ActionFlow.review_by_chief)[0], {"decision": "accept"}
    )
    approval = open_tasks(returned, ActionFlow.approve_by_mayor)[0]

    response = take_and_execute(client, mayor, approval, {"decision": "approve", "reason": "อนุมัติ"})

    assert response.status_code == 302
    returned.refresh_from_db()
    assert returned.status == Action.Status.DONE
    assert open_tasks(returned) == []
    assert list(Decision.objects.filter(action=returned).values_list("stage", "outcome", "round")) == [
        ("review", "returned", 1),
        ("review", "accepted", 2),
        ("approval", "approved", 2),
    ]
    assert list(Submission.objects.filter(action=returned).order_by("round").values_list("round", "status")) == [
        (1, Submission.Status.RETURNED),
        (2, Submission.Status.APPROVED),
    ]
    assert returned.process.status == "DONE"


def test_the_mayor_can_return_an_action_to_the_review_with_a_reason(
    client, activated, division, staff_member, chief_administrator, mayor
):
    take_and_execute(client, staff_member, division_task(activated, division), RESULTS)
    take_and_execute(
        client, chief_administrator, open_tasks(activated, ActionFlow.review_by_chief)[0], {"decision": "accept"}
    )

    take_and_execute(
        client,
        mayor,
        open_tasks(activated, ActionFlow.approve_by_mayor)[0],
        {"decision": "return_review", "reason": "ขอให้ปลัดตรวจตัวเลขอีกครั้ง"},
    )

    activated.refresh_from_db()
    assert activated.status == Action.Status.AWAITING_REVIEW
    assert activated.current_round == 1
    assert [t.flow_task for t in open_tasks(activated)] == [ActionFlow.review_by_chief]
    assert Submission.objects.get(action=activated).status == Submission.Status.SUBMITTED
