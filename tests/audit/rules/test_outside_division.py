from approvals.services import save_with_history
from audit.rules import outside_division
from tests.audit.factories import EvidenceFactory
from tests.audit.rules.conftest import scan


def test_results_written_by_staff_of_another_division_are_flagged(agency, submission, other_division_staff):
    submission.results = "เขียนแทนกองอื่น"
    save_with_history(submission, by=other_division_staff, reason="แก้ไข")

    hits = scan(outside_division.RULE, agency)

    assert [hit.evidence["edited_by"] for hit in hits] == [other_division_staff.pk]


def test_evidence_uploaded_by_someone_outside_the_division_is_flagged(agency, submission, other_division_staff):
    evidence = EvidenceFactory(submission=submission, uploaded_by=other_division_staff)
    save_with_history(evidence, by=other_division_staff, reason="แนบไฟล์", update_fields=["original_name"])

    assert [hit.evidence["sha256"] for hit in scan(outside_division.RULE, agency)] == [evidence.sha256]


def test_results_written_by_the_divisions_own_staff_are_not_flagged(agency, submission, staff_member):
    submission.results = "ผลการดำเนินงานของกอง"
    save_with_history(submission, by=staff_member, reason="แก้ไข")

    assert scan(outside_division.RULE, agency) == []
