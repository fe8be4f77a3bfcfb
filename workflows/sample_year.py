"""The sample year in motion: the sample plan is activated and the seed report's own reported results are
played through the real services, as the demo users, so that a new user sees the system at work at once.

Actions end in every state: approved (some after a return, one by the acting mayor), awaiting approval,
awaiting review, returned with a reason, in progress (one with an extended due date), and not started.
The year ends with the internal auditor's red-flag scan, so that the auditors' pages show what the year's
facts raise (overdue work, decisions outside office hours when the year was played outside them, ...).
Playing again changes nothing: a plan whose actions already have processes is left as it is (and is not
scanned again).
"""

from __future__ import annotations

import datetime
import io
import logging
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import fontpkg_sarabun
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from fpdf import FPDF

from approvals import administration, services
from approvals.models import (
    Action,
    Agency,
    BudgetItem,
    Division,
    FiscalYear,
    Plan,
    Role,
    RoleAssignment,
    Submission,
    User,
)
from audit import seal
from audit import services as audit_services
from audit.models import AuditRun
from workflows.models import ActionProcess

SAMPLE_SLUG = "ko-loi-bang-hak"
REVIEW_RETURN = "กรุณาแนบภาพถ่ายกิจกรรมและรายชื่อผู้เข้าร่วม และระบุจำนวนผู้รับบริการให้ชัดเจน"
APPROVAL_RETURN = "ขอให้สรุปผลความพึงพอใจของผู้รับบริการเป็นตัวเลขก่อนเสนออนุมัติ"
EXTENSION = "ขยายเวลาเนื่องจากรอผลการประเมินความพึงพอใจจากสำนักงานสถิติ"

# The state each action is left in, in the plan's order (repeated when a plan has more actions).
SCRIPT = (
    "done",
    "done",
    "awaiting_review",
    "done_after_return",
    "returned",
    "done",
    "awaiting_approval",
    "in_progress",
    "done",
    "done_by_acting_mayor",
    "not_started",
    "done",
    "awaiting_approval",
    "done",
    "awaiting_review",
    "done",
    "in_progress_extended",
    "done",
    "returned_by_mayor",
    "done",
    "awaiting_review",
    "done",
    "awaiting_approval",
    "done",
    "in_progress",
    "done",
    "not_started",
    "done",
)


class SampleYearError(Exception):
    """The sample year cannot be played (no sample agency, plan or demo accounts)."""


@dataclass
class Cast:
    admin: User
    chief: User
    mayor: User
    acting_mayor: User | None
    staff: dict[int, User]
    auditor: User | None = None


def cast_of(agency: Agency) -> Cast:
    """Who plays which part: the demo users found by their roles."""
    assignments = RoleAssignment.objects.filter(agency=agency).active().select_related("user").order_by("user_id")

    def first(role: str, *, acting: bool = False) -> User | None:
        for assignment in assignments:
            if assignment.role == role and (assignment.acting_for_id is not None) == acting:
                return assignment.user
        return None

    staff: dict[int, User] = {}
    for assignment in assignments:
        if assignment.role == Role.STAFF and assignment.division_id not in staff:
            staff[assignment.division_id] = assignment.user
    for assignment in assignments:
        if assignment.role == Role.DIVISION_HEAD:
            staff.setdefault(assignment.division_id, assignment.user)
    admin, chief, mayor = first(Role.AGENCY_ADMIN), first(Role.CHIEF_ADMINISTRATOR), first(Role.MAYOR)
    if admin is None or chief is None or mayor is None:
        raise SampleYearError(
            "ไม่พบบัญชีผู้ดูแลระบบ ปลัด หรือนายก: รัน load_sample_agency ก่อน / "
            "The sample agency has no administrator, chief administrator or mayor: run load_sample_agency first."
        )
    return Cast(
        admin=admin,
        chief=chief,
        mayor=mayor,
        acting_mayor=first(Role.MAYOR, acting=True),
        staff=staff,
        auditor=first(Role.AUDITOR),
    )


def evidence_pdf(action: Action, division: Division) -> SimpleUploadedFile:
    """A one-page evidence file for the demo (a real PDF, with Thai text)."""
    # Font subsetting logs every pruned table at INFO; the demo needs none of it.
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    pdf = FPDF()
    font = Path(fontpkg_sarabun.__file__).parent / "files" / "Sarabun-Regular.ttf"
    pdf.add_font("Sarabun", "", str(font))
    pdf.set_text_shaping(True)
    pdf.add_page()
    pdf.set_font("Sarabun", size=16)
    pdf.multi_cell(0, 10, f"หลักฐานการดำเนินการ: {division.name}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Sarabun", size=12)
    pdf.multi_cell(0, 8, action.text[:400], new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, 8, (action.reported_results or "")[:800], new_x="LMARGIN", new_y="NEXT")
    data = io.BytesIO()
    pdf.output(data)
    return SimpleUploadedFile(f"หลักฐาน-{action.pk}-{division.pk}.pdf", data.getvalue(), "application/pdf")


class Player:
    def __init__(self, cast: Cast) -> None:
        self.cast = cast

    def submit_all(self, action: Action, *, only: set[int] | None = None, evidence: bool = True) -> None:
        action.refresh_from_db()
        drafts = Submission.objects.filter(action=action, round=action.current_round, status=Submission.Status.DRAFT)
        for draft in drafts.select_related("division"):
            if only is not None and draft.division_id not in only:
                continue
            person = self.person_of(draft.division)
            services.save_draft(
                draft,
                by=person,
                results=action.reported_results or action.text,
                outcome=action.reported_outcome,
                progress=100,
            )
            if evidence and draft.round == 1:
                services.add_evidence(draft, by=person, uploaded_file=evidence_pdf(action, draft.division))
            services.submit_result(draft, by=person)

    def person_of(self, division: Division) -> User:
        person = self.cast.staff.get(division.pk)
        if person is None:
            raise SampleYearError(
                f"ส่วนราชการ {division.name} ไม่มีบัญชีเจ้าหน้าที่ / The division {division.name} has no demo staff account."
            )
        return person

    def draft_half(self, action: Action) -> None:
        action.refresh_from_db()
        drafts = list(
            Submission.objects.filter(action=action, status=Submission.Status.DRAFT).select_related("division")
        )
        # Some divisions have submitted already; the others are halfway through.
        for index, draft in enumerate(drafts):
            if index % 2 and len(drafts) > 1:
                self.submit_all(action, only={draft.division_id}, evidence=False)
                continue
            first_part = (action.reported_results or action.text).split("\n")[0][:300]
            services.save_draft(draft, by=self.person_of(draft.division), results=first_part, outcome="", progress=50)

    def play(self, action: Action, state: str) -> None:
        cast = self.cast
        if state == "not_started":
            return
        if state.startswith("in_progress"):
            self.draft_half(action)
            if state == "in_progress_extended":
                today = timezone.localdate()
                due = services.default_due_date(FiscalYear(year=FiscalYear.year_for(today)), today)
                due = max(due, today + datetime.timedelta(days=30))
                services.set_due_date(action, by=cast.admin, due_date=due, reason=EXTENSION)
            return
        self.submit_all(action)
        if state == "awaiting_review":
            return
        if state in ("returned", "done_after_return"):
            first_division = Submission.objects.filter(action=action).order_by("division__sort_order").first()
            assert first_division is not None  # submit_all above submitted one per division
            services.return_action(action, by=cast.chief, reason=REVIEW_RETURN, to_divisions=[first_division.division])
            if state == "returned":
                return
            self.submit_all(action, evidence=False)
        services.accept_action(action, by=cast.chief, reason="ครบถ้วนตามมาตรการ")
        if state == "awaiting_approval":
            return
        if state == "returned_by_mayor":
            services.return_action(action, by=cast.mayor, reason=APPROVAL_RETURN)
            return
        approver = cast.acting_mayor if state == "done_by_acting_mayor" and cast.acting_mayor else cast.mayor
        services.approve_action(action, by=approver, reason="อนุมัติ")


# What the finance division spent in the sample year: (budget item number, days after 1 October, baht, voucher).
SPENDING = (
    (1, 45, Decimal("650.00"), "ฎ.๑๒/๒๕๖๖"),
    (2, 120, Decimal("1000.00"), "ฎ.๓๔/๒๕๖๖"),
    (3, 200, Decimal("420.50"), "ฎ.๕๖/๒๕๖๖"),
)


def record_sample_spending(plan: Plan) -> None:
    """The finance division records some spending against the plan's budget, as its staff would."""
    finance = (
        RoleAssignment.objects.filter(agency=plan.agency, division__keeps_accounts=True).active().select_related("user")
    ).first()
    if finance is None:
        return
    items = {item.number: item for item in BudgetItem.objects.filter(plan=plan)}
    for number, days, amount, voucher in SPENDING:
        if number in items:
            administration.record_expenditure(
                items[number],
                by=finance.user,
                reason="เบิกจ่ายตามแผน",
                amount=amount,
                spent_on=plan.fiscal_year.start_date + datetime.timedelta(days=days),
                document_number=voucher,
            )


def play_sample_year(slug: str = SAMPLE_SLUG) -> tuple[Plan, Counter | None]:
    """Activate the sample plan and play its year; None instead of counts when it was played already."""
    agency = Agency.objects.filter(slug=slug).first()
    if agency is None:
        raise SampleYearError(
            f"ไม่พบหน่วยงานตัวอย่าง {slug}: รัน load_sample_agency ก่อน / "
            f"No sample agency {slug}: run load_sample_agency first."
        )
    plan = Plan.objects.filter(agency=agency).select_related("fiscal_year").order_by("-fiscal_year__year").first()
    if plan is None:
        raise SampleYearError("หน่วยงานตัวอย่างยังไม่มีแผน / The sample agency has no plan yet.")
    actions = list(
        Action.objects.filter(indicator__measure__plan=plan).order_by(
            "indicator__measure__number", "indicator__number", "position"
        )
    )
    if ActionProcess.objects.filter(action__in=actions).exists():
        return plan, None
    cast = cast_of(agency)
    player = Player(cast)
    with transaction.atomic():
        services.activate_plan(plan, by=cast.admin, reason="เริ่มดำเนินการตามแผนปีงบประมาณ")
        for index, action in enumerate(actions):
            player.play(action, SCRIPT[index % len(SCRIPT)])
        record_sample_spending(plan)
    if cast.auditor is not None:
        # After the year is committed: the scan reads it as the auditors will.
        audit_services.run_check_now(
            AuditRun.Kind.SCAN,
            agency,
            by=cast.auditor,
            origin=AuditRun.Origin.SAMPLE_YEAR,
            reason=audit_services.REASON_SAMPLE_YEAR_SCAN,
        )
    # The year ends with its chain heads written down, so that the demo's public page publishes one.
    seal.anchor_chains()
    counts = Counter(Action.objects.filter(pk__in=[a.pk for a in actions]).values_list("status", flat=True))
    return plan, counts
