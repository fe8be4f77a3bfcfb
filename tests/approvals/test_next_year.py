"""Planning the next year from this year's ITA scores: scores read and refused, status tags at the thresholds'
edges, a draft plan made, edited, reviewed, approved and activated with its tasks, under segregation of duties."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from approvals import next_year, scores
from approvals.exceptions import InvalidTransition, NotAllowed
from approvals.models import Action, Indicator, IndicatorScore, ItaResult, Plan, PlanReview
from approvals.scores import ScoreError, parse_scores, suggested_status
from tests import factories
from workflows.models import ActionProcess

NACC_TABLE = """ตัวชี้วัด\tคะแนน
ตัวชี้วัดที่ 1 การปฏิบัติหน้าที่\t96.50
ตัวชี้วัดที่ 2 การใช้งบประมาณ\t84.99
ตัวชี้วัดที่ 3 การใช้อำนาจ\t85.00
ตัวชี้วัดที่ 4 การใช้ทรัพย์สินของราชการ\t90.12
ตัวชี้วัดที่ 5 การแก้ไขปัญหาการทุจริต\t94.99
ตัวชี้วัดที่ 6 คุณภาพการดำเนินงาน\t95.00
ตัวชี้วัดที่ 7 ประสิทธิภาพการสื่อสาร\t88.40
ตัวชี้วัดที่ 8 การปรับปรุงการทำงาน\t87.00
ตัวชี้วัดที่ 9 การเปิดเผยข้อมูล\t100
ตัวชี้วัดที่ 10 การป้องกันการทุจริต\t62.50
คะแนนรวม ITA\t89.31
"""


def _filled_template(**overrides: str) -> str:
    values = {str(n): "90" for n in range(1, 11)} | {"total": "90"} | overrides
    lines = [scores.template_csv().splitlines()[0]]
    for row in scores.template_csv().splitlines()[1:]:
        key, name, _ = row.split(",")
        lines.append(f"{key},{name},{values[key]}")
    return "\n".join(lines)


def test_the_nacc_table_pasted_gives_every_indicator_and_the_total():
    read = parse_scores(NACC_TABLE)

    assert read.total == Decimal("89.31")
    assert read.by_indicator[2] == Decimal("84.99")
    assert read.by_indicator[9] == Decimal("100.00")
    assert sorted(read.by_indicator) == list(range(1, 11))


def test_the_csv_template_filled_in_is_read():
    read = parse_scores(_filled_template(**{"7": "70.5", "total": "88"}))

    assert (read.by_indicator[7], read.total) == (Decimal("70.50"), Decimal("88.00"))


def test_thai_digits_are_read():
    read = parse_scores(NACC_TABLE.replace("96.50", "๙๖.๕๐"))

    assert read.by_indicator[1] == Decimal("96.50")


@pytest.mark.parametrize(
    ("text", "thai", "english"),
    [
        (
            NACC_TABLE.replace("\t62.50", "\t162.50"),
            "บรรทัด 11: ตัวชี้วัดที่ 10: คะแนน 162.50 อยู่นอกช่วง 0–100",
            "outside 0-100",
        ),
        (NACC_TABLE + "ตัวชี้วัดที่ 11 การบริหารจัดการ\t90\n", "บรรทัด 13: ไม่มีตัวชี้วัดที่ 11", "no ITA indicator 11"),
        (
            NACC_TABLE.replace("ตัวชี้วัดที่ 3 การใช้อำนาจ", "ตัวชี้วัดที่ 3 การเปิดเผยข้อมูล"),
            'บรรทัด 4: ตัวชี้วัดที่ 3 ไม่ใช่ "การเปิดเผยข้อมูล"',
            "that name is indicator 9",
        ),
        (NACC_TABLE.replace("ตัวชี้วัดที่ 4 การใช้ทรัพย์สินของราชการ\t90.12\n", ""), "ไม่มีคะแนนของตัวชี้วัดที่ 4", "all 10"),
        (NACC_TABLE + "ตัวชี้วัดที่ 2 การใช้งบประมาณ\t80\n", "บรรทัด 13: ตัวชี้วัดที่ 2 มีคะแนนซ้ำ", "given twice"),
        (NACC_TABLE.replace("คะแนนรวม ITA\t89.31\n", ""), "ไม่มีคะแนนรวม", "no total"),
        (_filled_template(**{"5": "ดี"}), "บรรทัด 6: ตัวชี้วัดที่ 5: คะแนน 'ดี' ไม่ใช่ตัวเลข", "is not a number"),
        (_filled_template(**{"5": ""}), "บรรทัด 6: ตัวชี้วัดที่ 5 ไม่มีคะแนน", "has no score"),
    ],
    ids=["out-of-range", "indicator-11", "wrong-name", "missing", "twice", "no-total", "not-a-number", "empty"],
)
def test_bad_scores_are_refused_with_a_bilingual_message_naming_the_line(text, thai, english):
    with pytest.raises(ScoreError) as refused:
        parse_scores(text)

    assert thai in str(refused.value)
    assert english in str(refused.value)


@pytest.mark.parametrize(
    ("score", "status"),
    [
        ("100", Indicator.Status.MAINTAIN),
        ("95.00", Indicator.Status.MAINTAIN),
        ("94.99", Indicator.Status.DEVELOP),
        ("85.00", Indicator.Status.DEVELOP),
        ("84.99", Indicator.Status.URGENT),
        ("0", Indicator.Status.URGENT),
    ],
)
def test_the_status_tag_is_suggested_from_the_thresholds_at_their_edges(score, status):
    assert suggested_status(Decimal(score)) == status


def test_the_thresholds_are_settings(settings):
    settings.ITA_MAINTAIN_AT, settings.ITA_URGENT_BELOW = 90, 70

    assert suggested_status(Decimal("90")) == Indicator.Status.MAINTAIN
    assert suggested_status(Decimal("69.99")) == Indicator.Status.URGENT
    assert suggested_status(Decimal("70")) == Indicator.Status.DEVELOP


def test_saving_a_result_stores_it_historised_and_saving_it_again_changes_only_what_differs(agency, agency_admin):
    result = scores.save_ita_result(agency, 2566, parse_scores(NACC_TABLE), by=agency_admin, source_name="ITAS")
    scores.save_ita_result(
        agency, 2566, parse_scores(NACC_TABLE.replace("\t62.50", "\t70.00")), by=agency_admin, source_name="ITAS"
    )

    assert ItaResult.objects.get() == result
    changed = IndicatorScore.objects.get(result=result, number=10)
    assert changed.score == Decimal("70.00")
    assert [h.score for h in changed.history.order_by("history_id")] == [Decimal("62.50"), Decimal("70.00")]
    assert changed.history.first().history_user == agency_admin
    assert IndicatorScore.objects.get(result=result, number=1).history.count() == 1


def test_only_the_agency_administrator_enters_scores(agency, staff_member):
    with pytest.raises(NotAllowed):
        scores.save_ita_result(agency, 2566, parse_scores(NACC_TABLE), by=staff_member)

    assert not ItaResult.objects.exists()


# The draft plan --------------------------------------------------------------------------------------------


@pytest.fixture
def this_year(agency, division, other_division):
    plan = factories.PlanFactory(agency=agency, fiscal_year=factories.FiscalYearFactory(year=2566))
    measure = factories.MeasureFactory(plan=plan, agency=agency, number=1, title="มาตรการเพิ่มประสิทธิภาพ")
    duty = factories.IndicatorFactory(measure=measure, agency=agency, number=1, name="การปฏิบัติหน้าที่", status="develop")
    budget = factories.IndicatorFactory(
        measure=measure, agency=agency, number=2, name="การใช้งบประมาณ", status="develop"
    )
    factories.ActionFactory(
        indicator=duty,
        agency=agency,
        position=1,
        number="1",
        text="ทบทวนขั้นตอนการให้บริการ",
        responsible=[division],
        due_date=datetime.date(2024, 2, 29),
    )
    factories.ActionFactory(
        indicator=budget,
        agency=agency,
        position=1,
        number="1",
        text="เผยแพร่แผนการใช้จ่ายงบประมาณ",
        all_divisions=True,
        due_date=datetime.date(2023, 9, 30),
    )
    factories.ActionFactory(
        indicator=budget,
        agency=agency,
        position=2,
        number="2",
        text="แนวทางที่ยกเลิกแล้ว",
        responsible=[division],
        status=Action.Status.CANCELLED,
    )
    return plan


@pytest.fixture
def draft(this_year, agency_admin):
    scores.save_ita_result(this_year.agency, 2566, parse_scores(NACC_TABLE), by=agency_admin)
    return next_year.draft_next_year_plan(this_year, by=agency_admin)


def _actions(plan: Plan) -> list[tuple]:
    return [
        (a.indicator.number, a.text, a.all_divisions, sorted(d.name for d in a.divisions.all()), a.due_date)
        for a in Action.objects.filter(indicator__measure__plan=plan).order_by("indicator__number", "position")
    ]


def test_the_draft_is_next_years_plan_with_this_years_actions_a_year_later_and_the_suggested_statuses(draft, division):
    plan = draft.plan

    assert (plan.fiscal_year.year, plan.status, draft.state) == (2567, Plan.Status.DRAFT, PlanReview.State.DRAFT)
    assert _actions(plan) == [
        (1, "ทบทวนขั้นตอนการให้บริการ", False, [division.name], datetime.date(2025, 2, 28)),
        (2, "เผยแพร่แผนการใช้จ่ายงบประมาณ", True, [], datetime.date(2024, 9, 30)),
    ]
    statuses = dict(Indicator.objects.filter(measure__plan=plan).values_list("number", "status"))
    assert statuses == {1: Indicator.Status.MAINTAIN, 2: Indicator.Status.URGENT}
    assert plan.history.first().history_reason == "plan.next_year_drafted"


def test_a_second_draft_for_the_same_year_is_refused(draft, this_year, agency_admin):
    with pytest.raises(InvalidTransition, match="2567"):
        next_year.draft_next_year_plan(this_year, by=agency_admin)


def test_next_year_is_not_drafted_from_a_draft_plan_still_under_way(draft, agency_admin):
    with pytest.raises(InvalidTransition, match="2567"):
        next_year.draft_next_year_plan(draft.plan, by=agency_admin)

    assert not Plan.objects.filter(fiscal_year__year=2568).exists()


def test_the_draft_is_edited_added_to_and_removed_from(draft, agency_admin, division, other_division):
    plan = draft.plan
    budget = Indicator.objects.get(measure__plan=plan, number=2)
    first = Action.objects.get(indicator__measure__plan=plan, indicator__number=1)

    added = next_year.add_draft_action(
        budget,
        by=agency_admin,
        text="รายงานผลการใช้จ่ายทุกไตรมาส",
        divisions=[other_division],
        all_divisions=False,
        due_date=datetime.date(2024, 3, 31),
    )
    next_year.change_draft_action(
        first, by=agency_admin, divisions=[other_division], all_divisions=False, due_date=datetime.date(2024, 6, 30)
    )
    next_year.remove_draft_action(Action.objects.get(indicator=budget, position=1), by=agency_admin)

    assert _actions(plan) == [
        (1, "ทบทวนขั้นตอนการให้บริการ", False, [other_division.name], datetime.date(2024, 6, 30)),
        (2, "รายงานผลการใช้จ่ายทุกไตรมาส", False, [other_division.name], datetime.date(2024, 3, 31)),
    ]
    assert added.history.first().history_user == agency_admin


def test_the_draft_goes_through_review_and_approval_and_its_activation_creates_the_tasks(
    draft, agency_admin, chief_administrator, mayor, division, other_division
):
    next_year.submit_plan_draft(draft, by=agency_admin)
    next_year.review_plan_draft(draft, by=chief_administrator, accept=True)
    next_year.approve_plan_draft(draft, by=mayor, approve=True)
    next_year.activate_plan_draft(draft, by=agency_admin)

    draft.refresh_from_db()
    draft.plan.refresh_from_db()
    assert (draft.state, draft.plan.status) == (PlanReview.State.ACTIVATED, Plan.Status.ACTIVE)
    assert (draft.submitted_by, draft.reviewed_by, draft.approved_by) == (agency_admin, chief_administrator, mayor)
    actions = Action.objects.filter(indicator__measure__plan=draft.plan)
    assert ActionProcess.objects.filter(action__in=actions).count() == 2
    assert [h.state for h in draft.history.order_by("history_id")] == [
        "draft",
        "submitted",
        "accepted",
        "approved",
        "activated",
    ]


def test_a_draft_returned_by_the_chief_administrator_is_a_draft_again_with_the_reason(
    draft, agency_admin, chief_administrator
):
    next_year.submit_plan_draft(draft, by=agency_admin)

    next_year.review_plan_draft(draft, by=chief_administrator, accept=False, reason="เพิ่มแนวทางของตัวชี้วัดที่ 2")

    draft.refresh_from_db()
    assert (draft.state, draft.return_reason) == (PlanReview.State.DRAFT, "เพิ่มแนวทางของตัวชี้วัดที่ 2")
    assert draft.history.first().history_reason == "เพิ่มแนวทางของตัวชี้วัดที่ 2"


def test_returning_a_draft_needs_a_reason(draft, agency_admin, chief_administrator):
    next_year.submit_plan_draft(draft, by=agency_admin)

    with pytest.raises(InvalidTransition):
        next_year.review_plan_draft(draft, by=chief_administrator, accept=False, reason=" ")


def test_a_draft_under_review_cannot_be_edited(draft, agency_admin, division):
    next_year.submit_plan_draft(draft, by=agency_admin)
    action = Action.objects.filter(indicator__measure__plan=draft.plan).first()

    with pytest.raises(InvalidTransition, match="draft"):
        next_year.remove_draft_action(action, by=agency_admin)

    assert Action.objects.filter(pk=action.pk).exists()


def test_a_draft_cannot_be_activated_before_the_mayor_approves_it(draft, agency_admin, chief_administrator):
    next_year.submit_plan_draft(draft, by=agency_admin)
    next_year.review_plan_draft(draft, by=chief_administrator, accept=True)

    with pytest.raises(InvalidTransition):
        next_year.activate_plan_draft(draft, by=agency_admin)

    assert not ActionProcess.objects.exists()


def test_the_progress_page_cannot_activate_a_draft_the_mayor_has_not_approved(client, draft, agency_admin):
    # The plan's progress page has its own activate button (for actions added to a running plan): it must not
    # be a way round the chief administrator's review and the mayor's approval of next year's draft.
    client.force_login(agency_admin)
    year = draft.plan.fiscal_year.year

    page = client.get(f"/work/progress/{year}/")
    response = client.post(f"/work/plans/{year}/activate/", follow=True)

    assert b"/activate/" not in page.content
    assert "เริ่มดำเนินการได้หลังจากนายกอนุมัติ" in response.content.decode()
    draft.plan.refresh_from_db()
    assert draft.plan.status == Plan.Status.DRAFT
    assert not ActionProcess.objects.exists()


def test_the_mayor_cannot_approve_a_draft_they_reviewed_as_acting_chief_administrator(
    draft, agency_admin, mayor, agency
):
    factories.grant_in_effect(mayor, "chief_administrator", by=agency_admin)
    next_year.submit_plan_draft(draft, by=agency_admin)
    next_year.review_plan_draft(draft, by=mayor, accept=True)

    with pytest.raises(NotAllowed, match="การแบ่งแยกหน้าที่"):
        next_year.approve_plan_draft(draft, by=mayor, approve=True)


def test_staff_cannot_review_or_approve_a_draft(draft, agency_admin, staff_member):
    next_year.submit_plan_draft(draft, by=agency_admin)

    with pytest.raises(NotAllowed):
        next_year.review_plan_draft(draft, by=staff_member, accept=True)


def test_the_measures_report_of_next_year_analyses_last_years_score_indicator_by_indicator(draft, settings):
    from reports.assembly import assemble_report
    from reports.renderers.docx import render_docx
    from tests.reports.checks import docx_text

    settings.THAI_DIGITS = False

    text = docx_text(render_docx(assemble_report(draft.plan, 12)))

    assert "ผลการประเมิน ITA ประจำปีงบประมาณ พ.ศ. 2566 ได้คะแนนรวม 89.31 คะแนน" in text
    assert "ตัวชี้วัดที่ได้คะแนนตั้งแต่ 95 คะแนนขึ้นไป ซึ่งจะรักษาระดับ ได้แก่ ตัวชี้วัดที่ 1 การปฏิบัติหน้าที่ (96.50)" in text
    assert "ตัวชี้วัดที่ได้คะแนนต่ำกว่า 85 คะแนน ซึ่งต้องแก้ไขเร่งด่วน ได้แก่ ตัวชี้วัดที่ 2 การใช้งบประมาณ (84.99)" in text


def test_a_report_without_last_years_scores_has_no_analysis_paragraph(this_year):
    from reports.assembly import assemble_report

    assert assemble_report(this_year, 12).score_analysis == ""


@pytest.fixture
def budgeted(this_year, agency, agency_admin):
    """This year's two budget items, the first with 400 baht spent by the finance division."""
    from approvals import administration

    finance = factories.DivisionFactory(agency=agency, name="กองคลัง (การเงิน)", keeps_accounts=True)
    officer = factories.UserFactory(agency=agency, username="malee", first_name="มาลี")
    factories.RoleAssignmentFactory(user=officer, role="staff", division=finance)
    training = administration.save_budget_item(
        this_year, by=agency_admin, reason="ตามแผน", number=1, item="อบรมคุณธรรมจริยธรรม", amount=Decimal("12500")
    )
    administration.save_budget_item(
        this_year,
        by=agency_admin,
        reason="ตามแผน",
        number=2,
        item="จัดทำป้ายประกาศ No Gift Policy",
        amount=Decimal("3000"),
    )
    administration.record_expenditure(
        training,
        by=officer,
        reason="ค่าอาหารว่าง",
        amount=Decimal("400"),
        spent_on=datetime.date(2023, 12, 1),
        document_number="ฎ.1/2567",
    )
    return this_year


def test_the_draft_copies_this_years_budget_items_with_their_planned_amounts_and_nothing_spent(budgeted, agency_admin):
    from approvals.models import BudgetItem

    review = next_year.draft_next_year_plan(budgeted, by=agency_admin)

    items = BudgetItem.objects.filter(plan=review.plan).with_spent().order_by("number")
    assert [(i.number, i.item, i.amount, i.spent) for i in items] == [
        (1, "อบรมคุณธรรมจริยธรรม", Decimal("12500.00"), Decimal("0")),
        (2, "จัดทำป้ายประกาศ No Gift Policy", Decimal("3000.00"), Decimal("0")),
    ]
    written = items[0].history.get()
    assert (written.history_user, written.history_reason) == (agency_admin, "plan.next_year_drafted")
    assert BudgetItem.objects.filter(plan=budgeted).with_spent().get(number=1).spent == Decimal("400.00")


def test_the_draft_page_shows_the_budget_items_and_their_planned_total(client, budgeted, agency_admin):
    review = next_year.draft_next_year_plan(budgeted, by=agency_admin)
    client.force_login(agency_admin)

    page = client.get(reverse("approvals:plan-draft", args=[review.pk])).content.decode()

    assert "รายการงบประมาณ" in page
    assert "อบรมคุณธรรมจริยธรรม" in page and "12,500.00" in page
    assert "15,500.00" in page
    assert "ยังไม่มีการเบิกจ่าย" in page


def test_the_measures_report_pdf_prints_the_analysis_of_last_years_score(draft, settings):
    from reports import renderers
    from reports.assembly import assemble_report
    from tests.reports.checks import pdf_page_image, pdf_text, squeeze

    settings.THAI_DIGITS = False

    pdf = renderers.render(assemble_report(draft.plan, 6), "pdf")
    text = squeeze(pdf_text(pdf))
    pdf_page_image(pdf, 2, "report-6-months-with-score-analysis")

    assert squeeze("ผลการประเมิน ITA ประจำปีงบประมาณ พ.ศ. 2566 ได้คะแนนรวม 89.31 คะแนน") in text
    assert squeeze("ซึ่งต้องแก้ไขเร่งด่วน ได้แก่ ตัวชี้วัดที่ 2 การใช้งบประมาณ (84.99)") in text
    assert squeeze("ตัวชี้วัดที่ 10 การป้องกันการทุจริต (62.50)") in text
