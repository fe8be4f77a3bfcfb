from django.utils import timezone

from approvals.models import Submission
from approvals.services import save_with_history
from audit.rules import changed_after_approval
from tests.audit.factories import DecisionFactory, EvidenceFactory
from tests.audit.rules.conftest import scan


def test_results_edited_after_the_approval_are_flagged(agency, action, submission, mayor, staff_member):
    DecisionFactory(action=action, decided_by=mayor, decided_at=timezone.now())
    submission.results = "เขียนผลใหม่หลังอนุมัติ"
    save_with_history(submission, by=staff_member, reason="แก้ไข")

    hits = scan(changed_after_approval.RULE, agency)

    assert [hit.evidence["fields"]["results"][1] for hit in hits] == ["เขียนผลใหม่หลังอนุมัติ"]


def test_evidence_added_after_the_approval_is_flagged_with_its_hash(agency, action, submission, mayor):
    DecisionFactory(action=action, decided_by=mayor, decided_at=timezone.now())
    evidence = EvidenceFactory(submission=submission)

    hits = scan(changed_after_approval.RULE, agency)

    assert [hit.evidence["sha256"] for hit in hits] == [evidence.sha256]


def test_the_status_change_of_the_approval_itself_is_not_flagged(agency, action, submission, mayor):
    DecisionFactory(action=action, decided_by=mayor, decided_at=timezone.now())
    submission.status = Submission.Status.APPROVED
    save_with_history(submission, by=mayor, reason="อนุมัติ", update_fields=["status"])

    assert scan(changed_after_approval.RULE, agency) == []
