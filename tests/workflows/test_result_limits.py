"""Limits said next to the fields and enforced with a clear error; a resubmission is "ส่งครั้งที่ 2", never
"รอบที่ 2" (which people confuse with the 6- and 12-month report rounds)."""

from __future__ import annotations

import pytest

from approvals import limits, services
from approvals.exceptions import InvalidTransition
from tests.workflows.conftest import division_task, draft_of, login, submit, url


def test_the_task_page_says_the_limits_next_to_the_fields(client, activated, division, staff_member):
    task = division_task(activated, division)
    login(client, staff_member)
    client.post(url(task, "assign"))

    page = client.get(url(task, "execute")).content.decode()

    assert "ไม่เกิน 5,000 ตัวอักษร" in page
    assert "ขนาดไม่เกินไฟล์ละ 20.0" in page


def test_results_longer_than_the_limit_are_refused_with_their_length_and_nothing_is_saved(
    client, activated, division, staff_member
):
    task = division_task(activated, division)
    login(client, staff_member)
    client.post(url(task, "assign"))

    response = client.post(url(task, "execute"), {"results": "ก" * 210_000, "outcome": "", "progress": 50})

    assert response.status_code == 400
    assert "ยาว 210,000 ตัวอักษร เกินกว่าที่รับได้ 5,000 ตัวอักษร" in response.content.decode()
    assert draft_of(activated, division).results == ""


def test_the_service_refuses_results_longer_than_the_limit(activated, division, staff_member):
    draft = draft_of(activated, division)

    with pytest.raises(InvalidTransition):
        services.save_draft(
            draft, by=staff_member, results="ก" * (limits.RESULTS_MAX_CHARS + 1), outcome="", progress=10
        )

    assert draft_of(activated, division).results == ""


def test_results_at_the_limit_are_saved(activated, division, staff_member):
    draft = draft_of(activated, division)

    services.save_draft(draft, by=staff_member, results="ก" * limits.RESULTS_MAX_CHARS, outcome="", progress=10)

    assert len(draft_of(activated, division).results) == limits.RESULTS_MAX_CHARS


def test_a_resubmission_is_called_the_second_sending_not_a_round(
    client, activated, division, staff_member, chief_administrator
):
    submit(activated, division, staff_member)
    services.return_action(activated, by=chief_administrator, reason="แนบภาพถ่ายการประชุม")
    login(client, staff_member)

    page = client.get(f"/work/actions/{activated.pk}/").content.decode()

    assert "ส่งครั้งที่ 2" in page
    assert "รอบที่" not in page
