"""Any staff member of the division takes a task from its queue; a division head can reassign it."""

from __future__ import annotations

import pytest

from approvals import services
from approvals.exceptions import InvalidTransition, NotAllowed
from tests.workflows.conftest import division_task, draft_of, login, url


def test_a_division_head_gives_a_taken_task_to_another_member(client, activated, division, staff_member, division_head):
    task = division_task(activated, division)
    login(client, staff_member)
    client.post(url(task, "assign"))
    login(client, division_head)

    client.post(f"/work/tasks/{task.pk}/reassign/", {"to": division_head.pk, "reason": "อลิสลาป่วย"})

    task.refresh_from_db()
    assert task.owner == division_head
    services.save_draft(draft_of(activated, division), by=division_head, results="รับช่วงต่อ", outcome="", progress=20)


def test_a_staff_member_cannot_reassign(activated, division, staff_member, division_head):
    with pytest.raises(NotAllowed, match="เฉพาะหัวหน้าส่วนราชการ"):
        services.reassign_task(division_task(activated, division), by=staff_member, to=division_head)


def test_a_task_cannot_go_to_someone_outside_the_division(activated, division, division_head, other_division_staff):
    with pytest.raises(InvalidTransition, match="ไม่ได้สังกัด"):
        services.reassign_task(division_task(activated, division), by=division_head, to=other_division_staff)


def test_a_colleague_may_not_submit_a_task_someone_else_holds(activated, division, staff_member, division_head):
    draft = draft_of(activated, division)
    services.save_draft(draft, by=staff_member, results="ทำแล้ว", outcome="", progress=50)

    with pytest.raises(InvalidTransition, match="กำลังดำเนินการงานนี้อยู่"):
        services.submit_result(draft, by=division_head)
