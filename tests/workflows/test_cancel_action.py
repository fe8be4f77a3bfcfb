"""Cancelling an action (agency administrator, reason required) ends its open tasks."""

from __future__ import annotations

import pytest

from approvals import services
from approvals.exceptions import InvalidTransition, NotAllowed
from approvals.models import Action, Submission
from tests.workflows.conftest import draft_of, login, open_tasks


def test_cancelling_ends_the_open_tasks_and_records_who_and_why(activated, agency_admin):
    services.cancel_action(activated, by=agency_admin, reason="ซ้ำกับแนวทางข้อ 2")

    activated.refresh_from_db()
    assert activated.status == Action.Status.CANCELLED
    assert open_tasks(activated) == []
    assert activated.process.status == "CANCELED"
    assert Submission.objects.get(action=activated).status == Submission.Status.CANCELLED
    record = activated.history.first()
    assert (record.history_user, record.history_reason) == (agency_admin, "ซ้ำกับแนวทางข้อ 2")


def test_a_cancellation_needs_a_reason(activated, agency_admin):
    with pytest.raises(InvalidTransition, match="เหตุผลที่ยกเลิก"):
        services.cancel_action(activated, by=agency_admin, reason="  ")


def test_only_the_agency_administrator_cancels(activated, chief_administrator):
    with pytest.raises(NotAllowed):
        services.cancel_action(activated, by=chief_administrator, reason="ไม่จำเป็น")


def test_a_cancelled_actions_draft_can_no_longer_be_saved(activated, division, staff_member, agency_admin):
    services.cancel_action(activated, by=agency_admin, reason="ยกเลิก")

    with pytest.raises(InvalidTransition, match="ถูกยกเลิกแล้ว"):
        services.save_draft(draft_of(activated, division), by=staff_member, results="x", outcome="", progress=5)


def test_the_action_page_cancels_with_the_reason_and_shows_it_in_the_story(client, activated, agency_admin):
    login(client, agency_admin)

    client.post(f"/work/actions/{activated.pk}/cancel/", {"reason": "โครงการถูกยุบรวม"})

    page = client.get(f"/work/actions/{activated.pk}/").content.decode()
    assert "โครงการถูกยุบรวม" in page
