import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from approvals import services
from approvals.models import Evidence, Plan, Submission
from approvals.services import SYSTEM_USERNAME, save_with_history
from audit.rules import outside_division
from tests import factories
from tests.audit.factories import EvidenceFactory
from tests.audit.rules.conftest import scan


def test_results_written_by_staff_of_another_division_are_flagged(agency, submission, other_division_staff):
    submission.results = "เขียนแทนกองอื่น"
    save_with_history(submission, by=other_division_staff, reason="แก้ไข")

    hits = scan(outside_division.RULE, agency)

    assert [hit.evidence["edited_by"] for hit in hits] == [other_division_staff.pk]


def test_evidence_uploaded_by_someone_outside_the_division_is_flagged(agency, submission, other_division_staff):
    evidence = EvidenceFactory.build(submission=submission, uploaded_by=other_division_staff)
    save_with_history(evidence, by=other_division_staff, reason="แนบไฟล์")

    assert [hit.evidence["sha256"] for hit in scan(outside_division.RULE, agency)] == [evidence.sha256]


def test_results_written_by_the_divisions_own_staff_are_not_flagged(agency, submission, staff_member):
    submission.results = "ผลการดำเนินงานของกอง"
    save_with_history(submission, by=staff_member, reason="แก้ไข")

    assert scan(outside_division.RULE, agency) == []


# The workflow's own bookkeeping, done by people outside the division (the agency administrator activating
# the plan, the chief administrator returning the action), is not an edit of the division's results.

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def draft_plan_action(agency, division, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    plan = factories.PlanFactory(agency=agency, status=Plan.Status.DRAFT)
    return factories.ActionFactory(indicator__measure__plan=plan, responsible=[division])


@pytest.fixture
def returned(draft_plan_action, division, staff_member, agency_admin, chief_administrator):
    """Activated by the agency administrator; the division submitted results and a file; the chief
    administrator returned it, which opened round 2 pre-filled with those results and that file."""
    services.activate_plan(draft_plan_action.indicator.measure.plan, by=agency_admin, reason="เริ่มปีงบประมาณ")
    draft = Submission.objects.get(action=draft_plan_action, division=division)
    services.save_draft(draft, by=staff_member, results="จัดอบรมคุณธรรม", outcome="ผู้เข้าร่วม 40 คน", progress=100)
    services.add_evidence(draft, by=staff_member, uploaded_file=SimpleUploadedFile("ภาพการอบรม.pdf", PDF))
    services.submit_result(draft, by=staff_member)
    services.return_action(draft_plan_action, by=chief_administrator, reason="แนบรายชื่อผู้เข้าร่วมด้วย")
    return Submission.objects.get(action=draft_plan_action, division=division, round=2)


def test_the_blank_drafts_an_outsider_creates_by_activating_the_plan_are_not_flagged(
    agency, draft_plan_action, agency_admin
):
    services.activate_plan(draft_plan_action.indicator.measure.plan, by=agency_admin, reason="เริ่มปีงบประมาณ")

    assert Submission.history.filter(history_user=agency_admin, history_type="+").count() == 1
    assert scan(outside_division.RULE, agency) == []


def test_a_returns_new_round_prefilled_with_the_divisions_results_and_copied_evidence_is_not_flagged(
    agency, returned, chief_administrator
):
    # The return's bookkeeping is the system's (a code naming the round), never the returner's own writing.
    assert returned.history.get().history_user.username == SYSTEM_USERNAME
    assert returned.evidence.get().uploaded_by != chief_administrator
    assert Evidence.history.filter(history_user=chief_administrator, history_type="+").count() == 0
    assert Evidence.history.filter(history_user__username=SYSTEM_USERNAME, history_type="+").count() == 1

    assert scan(outside_division.RULE, agency) == []


def test_an_outsider_rewriting_the_results_of_a_returned_round_is_flagged(agency, returned, other_division_staff):
    returned.results = "เขียนผลแทนกองที่รับผิดชอบ"
    save_with_history(returned, by=other_division_staff, reason="แก้ไข", update_fields=["results"])

    hits = scan(outside_division.RULE, agency)

    assert [(hit.evidence["submission_id"], hit.evidence["edited_by"]) for hit in hits] == [
        (returned.pk, other_division_staff.pk)
    ]


def test_an_outsider_attaching_a_new_file_to_a_returned_round_is_flagged(agency, returned, other_division_staff):
    evidence = EvidenceFactory.build(submission=returned, uploaded_by=other_division_staff)
    save_with_history(evidence, by=other_division_staff, reason="แนบไฟล์")

    assert [hit.evidence["sha256"] for hit in scan(outside_division.RULE, agency)] == [evidence.sha256]


def test_an_outsider_attaching_a_copy_of_the_divisions_earlier_file_is_flagged(agency, returned, other_division_staff):
    earlier_file = Evidence.objects.get(submission__action=returned.action, submission__round=1)
    copy = EvidenceFactory.build(submission=returned, uploaded_by=other_division_staff, sha256=earlier_file.sha256)
    save_with_history(copy, by=other_division_staff, reason="แนบไฟล์เดิม")

    hits = scan(outside_division.RULE, agency)

    assert [(hit.evidence["evidence_id"], hit.evidence["change"]) for hit in hits] == [(copy.pk, "+")]


def test_an_outsider_recreating_the_divisions_results_in_a_new_round_is_flagged(
    agency, returned, other_division_staff, chief_administrator
):
    # Round 3 opened by hand, with round 2's words, by someone who returned nothing.
    copy = Submission(
        agency=agency,
        action=returned.action,
        division=returned.division,
        round=3,
        results=returned.results,
        outcome=returned.outcome,
        progress=returned.progress,
    )
    save_with_history(copy, by=other_division_staff, reason="คัดลอกผล")

    hits = scan(outside_division.RULE, agency)

    assert [(hit.evidence["submission_id"], hit.evidence["change"]) for hit in hits] == [(copy.pk, "+")]
