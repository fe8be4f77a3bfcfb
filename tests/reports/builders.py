"""A small fiscal year built with the factories, in the shape the workflow leaves behind: approved actions
(with their submissions and decisions), work still under way, a return, a cancellation, a budget.

Texts are taken from the seed report so that the renderers meet real Thai (tone marks, vowels above and
below, ำ), and every text that must NOT reach a report or the public page carries a marker word.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from approvals.models import Action, Decision, Division, Evidence, Plan, Submission, User
from tests import factories

YEAR = 2566
# Marker words of texts that must never appear in a report or on the public page.
UNAPPROVED = "ข้อความยังไม่อนุมัติ"
RETURN_REASON = "เหตุผลการส่งคืนภายใน"
INTERNAL_COMMENT = "ความเห็นภายในของปลัด"


def at(year: int, month: int, day: int, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(year, month, day, hour, 0))


@dataclass
class SampleYear:
    plan: Plan
    divisions: list[Division]
    approved: list[Submission] = field(default_factory=list)
    unapproved: list[Submission] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)


def submit(action: Action, division: Division, by: User, *, results: str, outcome: str, when, status, round=1):
    return factories.SubmissionFactory(
        action=action,
        agency=action.agency,
        division=division,
        round=round,
        results=results,
        outcome=outcome,
        progress=100 if status == Submission.Status.APPROVED else 60,
        status=status,
        submitted_by=by,
        submitted_at=when,
    )


def decide(action: Action, *, stage, outcome, by: User, when, round=1, reason="", divisions=()):
    return Decision.objects.create(
        agency=action.agency,
        action=action,
        round=round,
        stage=stage,
        outcome=outcome,
        reason=reason,
        decided_by=by,
        decided_at=when,
        returned_divisions=[d.pk for d in divisions],
        return_target=Decision.ReturnTarget.DIVISIONS if outcome == Decision.Outcome.RETURNED else "",
    )


def approve(action: Action, results: dict[Division, tuple[str, str]], *, staff, chief, mayor, when) -> list[Submission]:
    """The whole path of an approved action: submissions, the chief's acceptance, the mayor's approval."""
    submissions = [
        submit(
            action,
            division,
            staff,
            results=text,
            outcome=outcome,
            when=when - datetime.timedelta(days=5),
            status=Submission.Status.APPROVED,
        )
        for division, (text, outcome) in results.items()
    ]
    decide(
        action,
        stage=Decision.Stage.REVIEW,
        outcome=Decision.Outcome.ACCEPTED,
        by=chief,
        when=when - datetime.timedelta(days=2),
        reason=INTERNAL_COMMENT,
    )
    decide(action, stage=Decision.Stage.APPROVAL, outcome=Decision.Outcome.APPROVED, by=mayor, when=when)
    Action.objects.filter(pk=action.pk).update(status=Action.Status.DONE)
    return submissions


def build_sample_year(agency, division, other_division, *, staff, chief, mayor) -> SampleYear:
    fiscal_year = factories.FiscalYearFactory(year=YEAR)
    plan = factories.PlanFactory(agency=agency, fiscal_year=fiscal_year, status=Plan.Status.ACTIVE)
    people = {"staff": staff, "chief": chief, "mayor": mayor}
    year = SampleYear(plan=plan, divisions=[division, other_division])

    internal = factories.MeasureFactory(
        plan=plan, agency=agency, number=1, title="มาตรการเพิ่มประสิทธิภาพการดำเนินงานและการสื่อสารกับบุคลากรภายในองค์กร"
    )
    duty = factories.IndicatorFactory(
        measure=internal, agency=agency, number=1, name="การปฏิบัติหน้าที่", status="maintain", assessment="IIT"
    )
    budget = factories.IndicatorFactory(
        measure=internal, agency=agency, number=2, name="การใช้งบประมาณ", status="urgent", assessment="IIT"
    )
    disclosure_measure = factories.MeasureFactory(
        plan=plan, agency=agency, number=2, title="มาตรการปรับปรุงการเปิดเผยข้อมูลสาธารณะขององค์กร"
    )
    disclosure = factories.IndicatorFactory(
        measure=disclosure_measure, agency=agency, number=9, name="การเปิดเผยข้อมูล", status="develop", assessment="OIT"
    )

    review_services = factories.ActionFactory(
        indicator=duty,
        agency=agency,
        number="1",
        position=1,
        text="ดำเนินการทบทวน ปรับปรุงกระบวนการขั้นตอนการให้บริการของเจ้าหน้าที่",
        responsible=[division],
        due_date=datetime.date(2023, 3, 1),
    )
    year.approved += approve(
        review_services,
        {
            division: (
                "มีการจัดประชุมคณะผู้บริหาร หัวหน้าส่วนราชการ ข้าราชการ พนักงานเจ้าหน้าที่ เดือนละ ๑ ครั้ง",
                "ประชาชนในพื้นที่ที่มีการรับรู้เกี่ยวกับข้อมูลต่าง ๆ ในการมาติดต่อขอรับบริการ",
            )
        },
        **people,
        when=at(2023, 2, 20),
    )
    budget_plan = factories.ActionFactory(
        indicator=duty,
        agency=agency,
        number="2",
        position=2,
        text="เผยแพร่ประชาสัมพันธ์แผนการใช้จ่ายงบประมาณประจำปี และส่งเสริมให้บุคลากรทุกสำนัก/กอง/ฝ่ายมีส่วนร่วม",
        all_divisions=True,
        due_date=datetime.date(2023, 9, 1),
    )
    year.approved += approve(
        budget_plan,
        {
            division: (
                "จัดประชุมชี้แจงแผนการใช้จ่ายงบประมาณประจำปีให้แก่บุคลากรภายในหน่วยงานทราบ",
                "บุคลากรทราบแผนการดำเนินงานและแผนการใช้จ่ายงบประมาณฯ",
            ),
            other_division: (
                "จัดทำสรุปข้อมูลเกี่ยวกับงบประมาณของหน่วยงาน เผยแพร่ผ่าน Line, Facebook และบอร์ดประชาสัมพันธ์",
                "มีส่วนร่วมในการกำกับติดตาม ให้สามารถดำเนินการได้ตามแผนฯ ที่กำหนดไว้",
            ),
        },
        **people,
        when=at(2023, 8, 25),
    )
    awaiting = factories.ActionFactory(
        indicator=budget,
        agency=agency,
        number="1",
        position=1,
        text="มีมาตรการการลงโทษที่ชัดเจน รวดเร็ว หากพบการใช้จ่ายงบประมาณเพื่อประโยชน์ส่วนตน",
        responsible=[other_division],
        status=Action.Status.AWAITING_APPROVAL,
        due_date=datetime.date(2023, 1, 15),
    )
    year.unapproved.append(
        submit(
            awaiting,
            other_division,
            staff,
            results=f"{UNAPPROVED} ผลที่ส่งแล้วแต่นายกยังไม่อนุมัติ",
            outcome=f"{UNAPPROVED} ผลลัพธ์รออนุมัติ",
            when=at(2023, 9, 10),
            status=Submission.Status.ACCEPTED,
        )
    )
    decide(
        awaiting,
        stage=Decision.Stage.REVIEW,
        outcome=Decision.Outcome.ACCEPTED,
        by=chief,
        when=at(2023, 9, 12),
        reason=INTERNAL_COMMENT,
    )
    returned = factories.ActionFactory(
        indicator=budget,
        agency=agency,
        number="2",
        position=2,
        text="ให้มีการติดตามความก้าวหน้าการเบิกจ่ายงบประมาณขององค์กรปกครองส่วนท้องถิ่น",
        responsible=[division],
        status=Action.Status.RETURNED,
        due_date=datetime.date(2023, 6, 30),
    )
    year.unapproved.append(
        submit(
            returned,
            division,
            staff,
            results=f"{UNAPPROVED} ผลที่ถูกส่งคืน",
            outcome=f"{UNAPPROVED} ผลลัพธ์ที่ถูกส่งคืน",
            when=at(2023, 6, 1),
            status=Submission.Status.RETURNED,
        )
    )
    decide(
        returned,
        stage=Decision.Stage.REVIEW,
        outcome=Decision.Outcome.RETURNED,
        by=chief,
        when=at(2023, 6, 3),
        reason=f"{RETURN_REASON} กรุณาแนบหลักฐานการประชุม",
        divisions=[division],
    )
    year.unapproved.append(
        submit(
            returned,
            division,
            staff,
            results=f"{UNAPPROVED} ฉบับร่างรอบที่สอง",
            outcome="",
            when=None,
            status=Submission.Status.DRAFT,
            round=2,
        )
    )
    website = factories.ActionFactory(
        indicator=disclosure,
        agency=agency,
        number="1",
        position=1,
        text="ดำเนินการตรวจสอบ สอบทาน และดำเนินการเผยแพร่ข้อมูลขององค์การบริหารส่วนตำบลบนเว็บไซต์ของหน่วยงานให้เป็นปัจจุบัน",
        responsible=[division],
        due_date=datetime.date(2023, 9, 30),
    )
    # Approved after 31 March: in the 12-month report, not in the 6-month one.
    year.approved += approve(
        website,
        {
            division: (
                "จัดทำเป็นเอกสารข่าว สรุปข้อมูลการดำเนินการอย่างย่อๆ เผยแพร่ผ่านสื่อ Social Media และรายงานผลให้นายกฯ ทราบ",
                "เว็บไซต์มีเนื้อหาที่ถูกต้อง ทันสมัย ครบถ้วน ตรงประเด็น เป็นประโยชน์ต่อผู้รับบริการ",
            )
        },
        **people,
        when=at(2023, 7, 14),
    )
    cancelled = factories.ActionFactory(
        indicator=disclosure,
        agency=agency,
        number="2",
        position=2,
        text="จัดทำนโยบายคุ้มครองข้อมูลส่วนบุคคลของหน่วยงาน",
        responsible=[division],
        status=Action.Status.CANCELLED,
    )
    year.actions = [review_services, budget_plan, awaiting, returned, website, cancelled]

    item = factories.models.BudgetItem.objects.create(
        agency=agency, plan=plan, number=1, item="ดำเนินการจัดทำแผนปฏิบัติการป้องกันการทุจริต", amount=Decimal("1000")
    )
    factories.models.Expenditure.objects.create(
        agency=agency, budget_item=item, amount=Decimal("400"), spent_on=datetime.date(2023, 2, 1), recorded_by=staff
    )
    factories.models.Expenditure.objects.create(
        agency=agency, budget_item=item, amount=Decimal("250"), spent_on=datetime.date(2023, 6, 1), recorded_by=staff
    )
    return year


def add_evidence(submission: Submission, *, name: str, internal: bool, by: User) -> Evidence:
    from django.core.files.base import ContentFile

    evidence = Evidence(
        agency=submission.agency,
        submission=submission,
        original_name=name,
        content_type="application/pdf",
        size=8,
        sha256=f"{submission.pk:064d}"[-64:] if internal else f"{submission.pk + 10**6:064d}"[-64:],
        is_internal=internal,
        uploaded_by=by,
    )
    evidence.file.save(name, ContentFile(b"%PDF-1.4"), save=False)
    evidence.save()
    return evidence
