import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from approvals.exceptions import InvalidTransition
from approvals.models import Role
from reports.assembly import assemble_report, be_date_long
from tests import factories
from tests.reports.builders import approve, at


def _action(data, text_start):
    return next(action for action in data.actions() if action.text.startswith(text_start))


def test_every_action_of_the_plan_is_listed_even_without_an_approved_result(sample_year):
    data = assemble_report(sample_year.plan, 12)

    assert sorted(action.text for action in data.actions()) == sorted(a.text for a in sample_year.actions)


def test_an_action_awaiting_approval_says_it_has_no_approved_result(sample_year):
    data = assemble_report(sample_year.plan, 12)

    action = _action(data, "มีมาตรการการลงโทษ")
    assert action.results == []
    assert action.results_text() == f"ยังไม่มีผลการดำเนินการที่ได้รับอนุมัติ ณ วันที่ {be_date_long(timezone.localdate())}"


def test_six_month_report_holds_only_results_approved_by_31_march(sample_year):
    data = assemble_report(sample_year.plan, 6)

    approved = {action.text[:20] for action in data.actions() if action.results}
    assert approved == {"ดำเนินการทบทวน ปรับป"}
    assert _action(data, "ดำเนินการตรวจสอบ").results_text().endswith("๓๑ มีนาคม ๒๕๖๖")


def test_twelve_month_report_holds_results_approved_after_the_year_closed(
    sample_year, division, staff_member, chief_administrator, mayor
):
    indicator = sample_year.actions[0].indicator
    late = factories.ActionFactory(
        indicator=indicator, agency=indicator.agency, position=9, text="ติดตามความก้าวหน้าการเบิกจ่ายรายไตรมาส"
    )
    approve(
        late,
        {division: ("ติดตามการเบิกจ่ายครบทุกไตรมาสแล้ว", "เบิกจ่ายได้ตามแผน")},
        staff=staff_member,
        chief=chief_administrator,
        mayor=mayor,
        when=at(2023, 11, 15),  # after the year closed on 30 September
    )

    six, twelve = assemble_report(sample_year.plan, 6), assemble_report(sample_year.plan, 12)

    assert _action(twelve, late.text[:20]).results_text() == "ติดตามการเบิกจ่ายครบทุกไตรมาสแล้ว"
    assert _action(six, late.text[:20]).results == []


def test_an_all_divisions_action_lists_each_divisions_approved_result_under_its_name(sample_year):
    data = assemble_report(sample_year.plan, 12)

    action = _action(data, "เผยแพร่ประชาสัมพันธ์แผนการใช้จ่าย")
    assert action.responsible == "ทุกส่วนราชการ"
    assert [result.division for result in action.results] == ["สำนักปลัด", "กองคลัง"]
    assert action.results_text().splitlines()[1].startswith("กองคลัง: จัดทำสรุปข้อมูล")


def test_a_cancelled_action_is_listed_as_cancelled(sample_year):
    data = assemble_report(sample_year.plan, 12)

    assert _action(data, "จัดทำนโยบายคุ้มครอง").results_text() == "ยกเลิกการดำเนินการ"


def test_budget_counts_what_was_spent_by_the_rounds_closing_date(sample_year):
    six, twelve = assemble_report(sample_year.plan, 6), assemble_report(sample_year.plan, 12)

    assert [(line.amount, line.spent, line.remaining) for line in six.budget] == [(1000, 400, 600)]
    assert [(line.amount, line.spent, line.remaining) for line in twelve.budget] == [(1000, 650, 350)]


def test_signatures_name_the_preparer_and_the_holders_of_the_offices_on_the_report_date(sample_year, agency_admin):
    agency_admin.position = "นักจัดการงานทั่วไป"

    data = assemble_report(sample_year.plan, 6, prepared_by=agency_admin)

    prepared, reviewed, approved = (signature.lines() for signature in data.signatures)
    assert prepared[1:5] == [
        "(วอลเตอร์ ทดสอบ)",
        "นักจัดการงานทั่วไป",
        "ผู้จัดทำรายงาน",
        f"วันที่ {be_date_long(timezone.localdate())}",
    ]
    # Reviewer and approver date their signatures by hand.
    assert reviewed[1:5] == ["(ชาลี ธรรมดี)", "ปลัดองค์การบริหารส่วนตำบล", "ผู้ตรวจสอบ", "วันที่ ........ / ........ / ........"]
    assert approved[1:5] == ["(มะลิ ศรีสุข)", "นายกองค์การบริหารส่วนตำบล", "ผู้อนุมัติ", "วันที่ ........ / ........ / ........"]


def test_an_acting_mayor_signs_as_acting_with_both_names_never_as_delegate(sample_year, agency, mayor):
    deputy = factories.UserFactory(
        agency=agency, first_name="สมศักดิ์", last_name="ช่วยราชการ", position="รองนายกองค์การบริหารส่วนตำบล"
    )
    acting = factories.RoleAssignmentFactory(user=deputy, agency=agency, role=Role.MAYOR, acting_for=mayor)

    data = assemble_report(sample_year.plan, 12, approved_by=acting)

    lines = data.signatures[2].lines()
    assert lines[1:5] == [
        "(สมศักดิ์ ช่วยราชการ)",
        "รองนายกองค์การบริหารส่วนตำบล",
        "รักษาราชการแทนนายกองค์การบริหารส่วนตำบล (มะลิ ศรีสุข)",
        "ผู้อนุมัติ",
    ]
    assert not any("ปฏิบัติราชการแทน" in line for signature in data.signatures for line in signature.lines())


def test_a_round_other_than_6_or_12_is_refused_in_thai_then_english(sample_year):
    with pytest.raises(InvalidTransition, match=r"^รอบรายงานต้องเป็น 6 หรือ 12 เดือน.*/ The report round must be 6 or 12"):
        assemble_report(sample_year.plan, 9)


def test_assembling_the_report_takes_the_same_number_of_queries_for_a_bigger_plan(
    sample_year, division, staff_member, chief_administrator, mayor
):
    indicator = sample_year.actions[0].indicator
    with CaptureQueriesContext(connection) as small:
        assemble_report(sample_year.plan, 12)
    for position in range(10, 25):
        action = factories.ActionFactory(
            indicator=indicator, agency=indicator.agency, position=position, responsible=[division]
        )
        approve(
            action,
            {division: ("ผลเพิ่มเติม", "ผลลัพธ์เพิ่มเติม")},
            staff=staff_member,
            chief=chief_administrator,
            mayor=mayor,
            when=at(2023, 5, 1),
        )

    with CaptureQueriesContext(connection) as big:
        data = assemble_report(sample_year.plan, 12)

    assert len(data.actions()) == 21
    assert len(big.captured_queries) == len(small.captured_queries)
