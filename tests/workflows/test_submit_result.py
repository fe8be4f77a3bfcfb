"""Saving a draft and submitting: the action's status follows, and history says who, why and what."""

from __future__ import annotations

import pytest

from approvals import services, signals
from approvals.exceptions import InvalidTransition
from approvals.models import Action, Submission
from tests.workflows.conftest import draft_of, submit


def test_saving_a_draft_puts_the_action_in_progress_and_historises_the_changed_fields(
    activated, division, staff_member
):
    draft = draft_of(activated, division)

    services.save_draft(draft, by=staff_member, results="จัดอบรม", outcome="", progress=40)

    activated.refresh_from_db()
    assert activated.status == Action.Status.IN_PROGRESS
    record = draft.history.first()
    assert (record.history_user, record.history_reason, record.results, record.progress) == (
        staff_member,
        "workflow.draft_saved",
        "จัดอบรม",
        40,
    )
    assert sorted(record.diff_against(record.prev_record).changed_fields) == ["progress", "results"]


def test_progress_outside_0_to_100_is_refused(activated, division, staff_member):
    with pytest.raises(InvalidTransition, match="0 ถึง 100"):
        services.save_draft(draft_of(activated, division), by=staff_member, results="x", outcome="", progress=120)


def test_submitting_without_saying_what_was_done_is_refused(activated, division, staff_member):
    with pytest.raises(InvalidTransition, match="โปรดกรอกสรุปผลการดำเนินการ"):
        services.submit_result(draft_of(activated, division), by=staff_member)


def test_submitting_records_who_and_when_and_asks_for_a_review(activated, division, staff_member):
    heard = []
    signals.review_requested.connect(lambda **kw: heard.append(kw["action"]), weak=False, dispatch_uid="t")
    try:
        submission = submit(activated, division, staff_member)
    finally:
        signals.review_requested.disconnect(dispatch_uid="t")

    submission.refresh_from_db()
    assert (submission.status, submission.submitted_by) == (Submission.Status.SUBMITTED, staff_member)
    assert submission.submitted_at is not None
    assert heard == [activated]


def test_a_submitted_result_can_no_longer_be_changed(activated, division, staff_member):
    submission = submit(activated, division, staff_member)

    with pytest.raises(InvalidTransition, match="ส่งผลการดำเนินการนี้แล้ว"):
        services.save_draft(submission, by=staff_member, results="แก้ไข", outcome="", progress=10)
