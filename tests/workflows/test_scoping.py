"""A staff member of one division cannot see or act on another division's tasks, nor another agency's."""

from __future__ import annotations

import pytest

from approvals import services
from approvals.exceptions import NotAllowed
from approvals.models import AccessRefusal
from tests.workflows.conftest import division_task, draft_of, login, url


def test_another_divisions_task_is_not_in_a_staff_members_inbox_or_queue(client, activated, other_division_staff):
    login(client, other_division_staff)

    assert client.get("/work/inbox/").context["available"] == []
    assert client.get("/work/queue/").context["rows"] == []


def test_the_responsible_division_finds_its_task_waiting_in_its_inbox(client, activated, staff_member):
    login(client, staff_member)

    rows = client.get("/work/inbox/").context["available"]

    assert [row["action"] for row in rows] == [activated]


def test_taking_another_divisions_task_by_url_is_refused_with_a_reason_and_recorded(
    client, activated, division, other_division_staff
):
    task = division_task(activated, division)
    login(client, other_division_staff)

    response = client.post(url(task, "assign"))

    assert response.status_code == 403
    assert "คุณไม่ได้สังกัดส่วนราชการนี้" in response.content.decode()
    assert AccessRefusal.objects.filter(user=other_division_staff).count() == 1
    task.refresh_from_db()
    assert task.owner_id is None


def test_saving_another_divisions_draft_through_the_service_is_refused(activated, division, other_division_staff):
    with pytest.raises(NotAllowed):
        services.save_draft(
            draft_of(activated, division), by=other_division_staff, results="x", outcome="", progress=10
        )

    # The refusal, checked on the rows the service locked, outlives the rollback of its transaction.
    refusal = AccessRefusal.objects.get(user=other_division_staff)
    assert (refusal.rule, refusal.record_kind) == ("division", "approvals.submission")


def test_submitting_another_divisions_results_is_refused_before_anything_changes(
    activated, division, staff_member, other_division_staff
):
    draft = draft_of(activated, division)
    services.save_draft(draft, by=staff_member, results="จัดประชุมแล้ว", outcome="", progress=50)

    with pytest.raises(NotAllowed, match="เฉพาะเจ้าหน้าที่ของส่วนราชการผู้รับผิดชอบ"):
        services.submit_result(draft, by=other_division_staff)

    draft.refresh_from_db()
    assert draft.status == draft.Status.DRAFT
    assert AccessRefusal.objects.filter(user=other_division_staff, record_kind="approvals.submission").count() == 1


def test_a_user_of_another_agency_finds_neither_the_action_nor_its_task(
    client, activated, division, outsider_agency_user
):
    task = division_task(activated, division)
    login(client, outsider_agency_user)

    assert client.get(f"/work/actions/{activated.pk}/").status_code == 404
    assert client.post(url(task, "assign")).status_code == 404
    assert client.get(url(task, "execute")).status_code == 404
    assert client.get(f"/work/progress/{activated.indicator.measure.plan.fiscal_year.year}/").status_code == 404


def test_a_colleague_cannot_open_a_task_someone_else_took(client, activated, division, staff_member, division_head):
    task = division_task(activated, division)
    login(client, staff_member)
    client.post(url(task, "assign"))
    login(client, division_head)

    response = client.post(url(task, "execute"), {"results": "x", "progress": "1", "submit": "1"})

    assert response.status_code == 302
    assert draft_of(activated, division).results == ""
