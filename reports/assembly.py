"""What goes into the official progress report, gathered once and handed to every renderer.

Only approved results appear: a division's submission whose status is "approved", for an action the
mayor approved. The 6-month round holds what was approved by 31 March. The 12-month round is the
year's closing report and holds every approved result of the year's plan, also those approved after
30 September: a year-end report is compiled after the year closes, and results approved then still
belong to that year (the sample year, played today for fiscal year 2566, relies on it). Expenditure is
counted up to the round's closing date in both rounds. An action without an approved result is listed
all the same, saying so. The number of queries does
not depend on the size of the plan.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, F, Q
from django.template.loader import render_to_string
from django.utils import timezone

from approvals import thaidate
from approvals.exceptions import InvalidTransition
from approvals.figures import approval_moments
from approvals.importer.ita import INDICATORS
from approvals.models import (
    Action,
    Agency,
    BudgetItem,
    Decision,
    FiscalYear,
    Indicator,
    Measure,
    Plan,
    Role,
    RoleAssignment,
    Submission,
    User,
)
from reports import official
from reports.models import ReportRound


@dataclass(frozen=True)
class ApprovedResult:
    """One division's approved result for an action (สรุปผลการดำเนินการ, ผลลัพธ์/ความสำเร็จ)."""

    division: str
    results: str
    outcome: str
    approved_on: datetime.date


@dataclass
class ActionLine:
    number: str
    text: str
    responsible: str
    all_divisions: bool
    results: list[ApprovedResult] = field(default_factory=list)
    # Said instead of results when there is none (not yet approved, or cancelled).
    note: str = ""

    @property
    def label(self) -> str:
        """The action as printed: its number as written in the plan, then its text."""
        number = self.number.strip()
        if not number or self.text.startswith(number):
            return self.text
        if number.isdigit():
            return f"{digits(number)}. {self.text}"
        return f"{number} {self.text}"

    def results_text(self) -> str:
        return "\n".join(self.parts("results"))

    def outcome_text(self) -> str:
        return "\n".join(self.parts("outcome"))

    def parts(self, attribute: str) -> list[str]:
        """The column's text, one part per division (a part is never split across pages)."""
        if not self.results:
            return [self.note] if attribute == "results" and self.note else []
        if len(self.results) == 1 and not self.all_divisions:
            return [getattr(self.results[0], attribute)]
        # An all-divisions action lists each division's approved result under its name.
        return [f"{result.division}: {getattr(result, attribute)}" for result in self.results]


@dataclass
class IndicatorBlock:
    assessment: str
    number: int
    name: str
    status: str
    actions: list[ActionLine] = field(default_factory=list)

    @property
    def label(self) -> str:
        status = f" ({self.status})" if self.status else ""
        return f"ตัวชี้วัดที่ {digits(self.number)} {self.name}{status}"


@dataclass
class MeasureBlock:
    number: int
    title: str
    indicators: list[IndicatorBlock] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{digits(self.number)}. {self.title}"


@dataclass(frozen=True)
class BudgetLine:
    number: int
    item: str
    amount: Decimal
    spent: Decimal

    @property
    def remaining(self) -> Decimal:
        return self.amount - self.spent


@dataclass(frozen=True)
class Signature:
    caption: str
    name: str
    position: str
    # When the signer stands in for the holder of the office (รักษาราชการแทน): that office and its holder.
    acting_for_position: str = ""
    acting_for_name: str = ""
    signed_on: datetime.date | None = None

    def lines(self) -> list[str]:
        """The signature block as printed, one line each."""
        lines = [official.SIGNATURE_LINE, f"({self.name or official.BLANK_NAME})"]
        if self.position:
            lines.append(self.position)
        if self.acting_for_position or self.acting_for_name:
            lines.append(
                official.ACTING_FOR.format(position=self.acting_for_position or "", name=self.acting_for_name).strip()
            )
        lines.append(self.caption)
        if self.signed_on:
            lines.append(official.SIGNATURE_DATE.format(date=be_date_long(self.signed_on)))
        else:
            lines.append(official.SIGNATURE_BLANK_DATE)
        return lines


@dataclass
class ReportData:
    agency: str
    district: str
    province: str
    fiscal_year: int
    round: int
    period_start: datetime.date
    cutoff: datetime.date
    measures: list[MeasureBlock]
    budget: list[BudgetLine]
    signatures: list[Signature]
    generated_on: datetime.date
    # The public page where the published file and its SHA-256 are listed (printed with a QR code).
    verification_url: str = ""
    # The analysis of last year's ITA score (วิเคราะห์ผลคะแนน), when its scores were entered.
    score_analysis: str = ""

    @staticmethod
    def number(value: object) -> str:
        return digits(value)

    @staticmethod
    def money(amount: Decimal) -> str:
        return digits(f"{amount:,.2f}")

    def verification_text(self) -> str:
        return official.VERIFICATION.format(url=self.verification_url)

    @property
    def round_title(self) -> str:
        return official.ROUND_TITLE.format(months=digits(self.round))

    @property
    def title(self) -> str:
        return f"{official.TITLE} ประจำปีงบประมาณ พ.ศ. {digits(self.fiscal_year)}"

    @property
    def place(self) -> str:
        parts = []
        if self.district:
            parts.append(_with_prefix(self.district, official.DISTRICT))
        if self.province:
            parts.append(_with_prefix(self.province, official.PROVINCE))
        return " ".join(parts)

    def heading_lines(self) -> list[str]:
        """The heading of the first page of the tables: title, fiscal year and round, agency."""
        year = digits(self.fiscal_year)
        return [official.TITLE, f"ประจำปีงบประมาณ พ.ศ. {year} {self.round_title}", f"ของ{self.agency}"]

    def cover_lines(self) -> list[str]:
        return self._template_lines("reports/official/cover.txt")

    def introduction(self) -> str:
        return " ".join(self._template_lines("reports/official/introduction.txt"))

    def _template_lines(self, name: str) -> list[str]:
        text = render_to_string(
            name,
            {
                "year": digits(self.fiscal_year),
                "previous_year": digits(self.fiscal_year - 1),
                "round_title": self.round_title,
                "agency": self.agency,
                "place": self.place,
                "start": be_date_long(self.period_start),
                "cutoff": be_date_long(self.cutoff),
            },
        )
        return [line.strip() for line in text.strip().splitlines()]

    def actions(self) -> list[ActionLine]:
        return [action for measure in self.measures for indicator in measure.indicators for action in indicator.actions]

    def budget_total(self) -> tuple[Decimal, Decimal, Decimal]:
        amount = sum((line.amount for line in self.budget), Decimal(0))
        spent = sum((line.spent for line in self.budget), Decimal(0))
        return amount, spent, amount - spent


def digits(value: object) -> str:
    """`value` written with Thai digits (๒๕๖๖) when the THAI_DIGITS setting asks for them, else as it is.
    Every number the report prints itself goes through here, page numbers included; text people wrote
    is printed as they wrote it."""
    return thaidate.thai_digits(value) if settings.THAI_DIGITS else str(value)


def be_date_long(day: datetime.date) -> str:
    """31 มีนาคม 2566 (or ๓๑ มีนาคม ๒๕๖๖ with THAI_DIGITS): the official documents' style."""
    return digits(f"{day.day} {thaidate.THAI_MONTHS_LONG[day.month - 1]} {thaidate.be_year(day)}")


def _with_prefix(name: str, prefix: str) -> str:
    return name if name.startswith(prefix) else f"{prefix}{name}"


def cutoff_date(fiscal_year: FiscalYear, report_round: int) -> datetime.date:
    if report_round == ReportRound.SIX_MONTHS:
        return fiscal_year.six_month_date
    if report_round == ReportRound.TWELVE_MONTHS:
        return fiscal_year.end_date
    raise InvalidTransition(
        f"รอบรายงานต้องเป็น 6 หรือ 12 เดือน ไม่ใช่ {report_round} / The report round must be 6 or 12, not {report_round}."
    )


def approval_deadline(fiscal_year: FiscalYear, report_round: int) -> datetime.datetime | None:
    """The instant before which an approval counts for the round; None for the 12-month round (all)."""
    if report_round == ReportRound.SIX_MONTHS:
        return end_of_day(cutoff_date(fiscal_year, report_round))
    cutoff_date(fiscal_year, report_round)  # refuses a round other than 6 or 12
    return None


def end_of_day(day: datetime.date) -> datetime.datetime:
    """The first instant after `day` in the project's time zone (dates are Thai dates)."""
    return timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min))


def find_plan(agency: Agency, year: int) -> Plan:
    plan = Plan.objects.select_related("agency", "fiscal_year").filter(agency=agency, fiscal_year__year=year).first()
    if plan is None:
        raise InvalidTransition(
            f"{agency.name} ไม่มีแผนของปีงบประมาณ {year} / {agency.name} has no plan for fiscal year {year}."
        )
    return plan


def assemble_report(
    plan: Plan,
    report_round: int,
    *,
    prepared_by: User | None = None,
    reviewed_by: RoleAssignment | None = None,
    approved_by: RoleAssignment | None = None,
    today: datetime.date | None = None,
    verification_url: str = "",
) -> ReportData:
    """Everything the official report prints for `plan` in `report_round` (6 or 12)."""
    cutoff = cutoff_date(plan.fiscal_year, report_round)
    deadline = approval_deadline(plan.fiscal_year, report_round)
    today = today or timezone.localdate()
    # "No approved result as of ...": 31 March for the 6-month round, the day of the report for the 12-month.
    as_of = cutoff if deadline is not None else today

    # When the mayor approved each action, as approvals.figures defines it, within the round's deadline.
    approved_at = approval_moments(plan, before=deadline)
    results: dict[int, dict[int, Submission]] = defaultdict(dict)
    submissions = (
        Submission.objects.filter(
            agency_id=plan.agency_id, action_id__in=list(approved_at), status=Submission.Status.APPROVED
        )
        .select_related("division")
        .order_by("action_id", "division__sort_order", "division__name", "round")
    )
    for submission in submissions:
        # The latest approved round of each division wins.
        results[submission.action_id][submission.division_id] = submission

    # The agency's own measures only: the OIT disclosure work adopted into the plan is reported on its own pages.
    own_measures = Measure.objects.filter(plan=plan).integrity_measures()
    actions_by_indicator: dict[int, list[ActionLine]] = defaultdict(list)
    actions = (
        Action.objects.filter(agency_id=plan.agency_id, indicator__measure__in=own_measures)
        .prefetch_related("divisions")
        .order_by("indicator_id", "position")
    )
    for action in actions:
        actions_by_indicator[action.indicator_id].append(
            _action_line(action, results.get(action.pk, {}), approved_at.get(action.pk), as_of)
        )

    indicators_by_measure: dict[int, list[IndicatorBlock]] = defaultdict(list)
    for indicator in Indicator.objects.filter(measure__in=own_measures).order_by("measure__number", "number"):
        indicators_by_measure[indicator.measure_id].append(
            IndicatorBlock(
                assessment=indicator.assessment,
                number=indicator.written_number or indicator.number,
                name=indicator.name,
                status=official.INDICATOR_STATUS.get(indicator.status, ""),
                actions=actions_by_indicator.get(indicator.pk, []),
            )
        )
    measures = [
        MeasureBlock(number=measure.number, title=measure.title, indicators=indicators_by_measure.get(measure.pk, []))
        for measure in own_measures.order_by("number")
    ]

    return ReportData(
        agency=plan.agency.name,
        district=plan.agency.district,
        province=plan.agency.province,
        fiscal_year=plan.fiscal_year.year,
        round=report_round,
        period_start=plan.fiscal_year.start_date,
        cutoff=cutoff,
        measures=measures,
        budget=_budget(plan, cutoff),
        signatures=_signatures(plan, prepared_by, reviewed_by, approved_by, today),
        generated_on=today,
        verification_url=verification_url,
        score_analysis=score_analysis(plan.agency_id, plan.fiscal_year.year - 1),
    )


def score_analysis(agency_id: int, year: int) -> str:
    """The paragraph analysing the ITA score of `year` (the year before the report's), indicator by indicator
    under the status each score suggests; empty when no score of that year was entered (approvals/scores.py)."""
    from approvals.scores import result_of, suggested_status

    result = result_of(agency_id, year)
    if result is None:
        return ""
    names = {indicator.number: indicator.name for indicator in INDICATORS}
    groups: dict[str, list[str]] = defaultdict(list)
    for score in sorted(result.scores.all(), key=lambda s: s.number):
        status = suggested_status(score.score)
        if status is None:
            continue
        groups[status].append(
            f"ตัวชี้วัดที่ {digits(score.number)} {names.get(score.number, '')} ({digits(f'{score.score:.2f}')})"
        )
    maintain, urgent = digits(settings.ITA_MAINTAIN_AT), digits(settings.ITA_URGENT_BELOW)
    parts = [f"ผลการประเมิน ITA ประจำปีงบประมาณ พ.ศ. {digits(year)} ได้คะแนนรวม {digits(f'{result.total:.2f}')} คะแนน"]
    for status, heading in (
        (Indicator.Status.MAINTAIN, f"ตัวชี้วัดที่ได้คะแนนตั้งแต่ {maintain} คะแนนขึ้นไป ซึ่งจะรักษาระดับ"),
        (Indicator.Status.DEVELOP, f"ตัวชี้วัดที่ได้คะแนน {urgent} ถึงต่ำกว่า {maintain} คะแนน ซึ่งจะพัฒนายกระดับ"),
        (Indicator.Status.URGENT, f"ตัวชี้วัดที่ได้คะแนนต่ำกว่า {urgent} คะแนน ซึ่งต้องแก้ไขเร่งด่วน"),
    ):
        if groups.get(status):
            parts.append(f"{heading} ได้แก่ {' '.join(groups[status])}")
    return " ".join(parts)


def _action_line(
    action: Action, by_division: dict[int, Submission], approved: datetime.datetime | None, as_of: datetime.date
) -> ActionLine:
    if action.all_divisions:
        responsible = official.ALL_DIVISIONS
    else:
        names = [division.name for division in sorted(action.divisions.all(), key=lambda d: (d.sort_order, d.name))]
        responsible = ", ".join(names) or official.NO_DIVISION
    line = ActionLine(
        number=action.number, text=action.text, responsible=responsible, all_divisions=action.all_divisions
    )
    if approved is not None and by_division:
        approved_on = timezone.localtime(approved).date()
        line.results = [
            ApprovedResult(
                division=submission.division.name,
                results=submission.results.strip(),
                outcome=submission.outcome.strip(),
                approved_on=approved_on,
            )
            for submission in by_division.values()
        ]
    elif action.status == Action.Status.CANCELLED:
        line.note = official.CANCELLED
    else:
        line.note = official.NO_APPROVED_RESULT.format(date=be_date_long(as_of))
    return line


def _budget(plan: Plan, cutoff: datetime.date) -> list[BudgetLine]:
    # "Spent" has one definition (withdrawn entries do not count), shared with the plan page and dashboards.
    items = BudgetItem.objects.filter(plan=plan).with_spent(until=cutoff).order_by("number")
    return [BudgetLine(number=item.number, item=item.item, amount=item.amount, spent=item.spent) for item in items]


def in_office(agency_id: int, role: str, on: datetime.date) -> list[RoleAssignment]:
    """Who holds `role` (chief administrator or mayor) in the agency on `on`: holders in their own right
    first, then acting appointments (รักษาราชการแทน), each with the person stood in for."""
    return list(
        RoleAssignment.objects.filter(agency_id=agency_id, role=role)
        .active(on)
        .select_related("user", "acting_for")
        .order_by(F("acting_for").asc(nulls_first=True), "-valid_from", "user__username")
    )


def _signature(caption: str, assignment: RoleAssignment | None) -> Signature:
    if assignment is None:
        return Signature(caption=caption, name="", position="")
    stood_in_for = assignment.acting_for
    return Signature(
        caption=caption,
        name=assignment.user.get_full_name(),
        position=assignment.user.position,
        acting_for_position=stood_in_for.position if stood_in_for else "",
        acting_for_name=stood_in_for.get_full_name() if stood_in_for else "",
    )


def _signatures(
    plan: Plan,
    prepared_by: User | None,
    reviewed_by: RoleAssignment | None,
    approved_by: RoleAssignment | None,
    on: datetime.date,
) -> list[Signature]:
    """Prepared by the person named (dated the report's date); reviewed by the chief administrator and
    approved by the mayor named, or else by whoever holds each office on the report's date (a holder in
    their own right before an acting one). Reviewer and approver date their signature by hand."""
    if reviewed_by is None:
        reviewed_by = next(iter(in_office(plan.agency_id, Role.CHIEF_ADMINISTRATOR, on)), None)
    if approved_by is None:
        approved_by = next(iter(in_office(plan.agency_id, Role.MAYOR, on)), None)
    return [
        Signature(
            caption=official.SIGNATURE_PREPARED,
            name=prepared_by.get_full_name() if prepared_by else "",
            position=prepared_by.position if prepared_by else "",
            signed_on=on if prepared_by else None,
        ),
        _signature(official.SIGNATURE_REVIEWED, reviewed_by),
        _signature(official.SIGNATURE_APPROVED, approved_by),
    ]


def round_facts(plan: Plan) -> dict[str, object]:
    """What each round holds for this plan's own measures (as the report prints them), counted: approvals by
    31 March, by 30 September, and after."""
    fiscal_year = plan.fiscal_year
    counts = Decision.objects.filter(
        agency_id=plan.agency_id,
        action__indicator__measure__in=Measure.objects.filter(plan=plan).integrity_measures(),
        stage=Decision.Stage.APPROVAL,
        outcome=Decision.Outcome.APPROVED,
    ).aggregate(
        six=Count("action", distinct=True, filter=Q(decided_at__lt=end_of_day(fiscal_year.six_month_date))),
        year=Count("action", distinct=True, filter=Q(decided_at__lt=end_of_day(fiscal_year.end_date))),
        all=Count("action", distinct=True),
    )
    return {
        "six_month_date": fiscal_year.six_month_date,
        "end_date": fiscal_year.end_date,
        "by_six_month_date": counts["six"],
        "by_end_date": counts["year"],
        "after_end_date": counts["all"] - counts["year"],
        "all": counts["all"],
    }
