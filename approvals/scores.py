"""The ITA result of the year just assessed (ผลคะแนน ITA): read, checked, stored, and turned into a suggested
status per indicator and a look back at the year, indicator by indicator.

Scores arrive typed on the scores page, as the CSV template filled in, or pasted from the NACC's published
per-indicator table (a line per indicator: its number or name, then its score; a line for the total). Every
line is read the same way: the indicator is the ITA number written ("ตัวชี้วัดที่ ๓", "3") or the name, the
score the last number on the line. Anything else refuses the whole input with a bilingual message naming the
line, and nothing is stored.

The suggested status comes from two thresholds that are settings (ITA_MAINTAIN_AT, ITA_URGENT_BELOW); no
official rule maps a score to รักษาระดับ / แก้ไขเร่งด่วน / พัฒนายกระดับ (docs/next-year.md).
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings

from approvals import permissions
from approvals.exceptions import InvalidTransition
from approvals.figures import approval_moments
from approvals.importer.errors import bilingual
from approvals.importer.ita import BY_NUMBER, INDICATORS, find_indicator
from approvals.importer.text import to_arabic
from approvals.models import (
    Action,
    Agency,
    Decision,
    FiscalYear,
    Indicator,
    IndicatorScore,
    ItaResult,
    Measure,
    Plan,
    User,
)
from approvals.services import save_with_history
from approvals.transactions import agency_transaction
from audit import reasons

SAVED_REASON = reasons.code(reasons.ITA_RESULT_SAVED)
CSV_HEADER = ("indicator", "name", "score")
TOTAL_WORDS = ("รวม", "total", "ita", "คะแนนเฉลี่ย")
_NUMBER = re.compile(r"\d{1,3}(?:\.\d+)?")
_WRITTEN_INDICATOR = re.compile(r"ตัวชี้วัด\s*(?:ที่)?\s*(\d{1,3})")
_LEADING_NUMBER = re.compile(r"^\s*(\d{1,3})\s*(?:[.)]|\t|,|\s)")
MAX_INPUT_CHARS = 20_000


class ScoreError(InvalidTransition):
    """Scores that cannot be stored: Thai first, then English, naming the line."""

    def __init__(self, thai: str, english: str, line: int | None = None) -> None:
        self.thai, self.english, self.line = thai, english, line
        super().__init__(bilingual(thai, english, line))


@dataclass
class Scores:
    """An ITA result as read: the total and the score of each indicator 1-10."""

    total: Decimal
    by_indicator: dict[int, Decimal] = field(default_factory=dict)


def template_csv() -> str:
    """The CSV template offered for download: one row per indicator and a row for the total."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    for indicator in INDICATORS:
        writer.writerow((indicator.number, indicator.name, ""))
    writer.writerow(("total", "คะแนนรวม", ""))
    return buffer.getvalue()


def _score(text: str, line: int, what_thai: str, what_english: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ScoreError(
            f"{what_thai}: คะแนน {text!r} ไม่ใช่ตัวเลข", f"{what_english}: the score {text!r} is not a number", line
        ) from None
    if not Decimal(0) <= value <= Decimal(100):
        raise ScoreError(
            f"{what_thai}: คะแนน {value} อยู่นอกช่วง 0–100",
            f"{what_english}: the score {value} is outside 0-100",
            line,
        )
    return value.quantize(Decimal("0.01"))


def parse_scores(text: str) -> Scores:
    """Read scores typed, from the CSV template or pasted from the NACC's table; ScoreError otherwise."""
    if len(text) > MAX_INPUT_CHARS:
        raise ScoreError("ข้อความยาวเกินผลคะแนน ITA", "the text is longer than an ITA result")
    total: Decimal | None = None
    found: dict[int, Decimal] = {}
    for number, raw in enumerate(to_arabic(text).replace("\r\n", "\n").split("\n"), start=1):
        line = raw.strip().strip("\ufeff")
        if not line:
            continue
        cells = [cell.strip() for cell in re.split(r"[\t,;]", line)] if re.search(r"[\t,;]", line) else [line]
        first = cells[0].lower()
        if first in CSV_HEADER or first in ("ตัวชี้วัด", "ลำดับ"):
            continue  # the header row
        is_total = any(word in line.lower() for word in TOTAL_WORDS) and not _WRITTEN_INDICATOR.search(line)
        indicator_number = None if is_total else _indicator_number(line, cells, number)
        what_thai = "คะแนนรวม" if is_total else f"ตัวชี้วัดที่ {indicator_number}"
        what_english = "the total" if is_total else f"indicator {indicator_number}"
        value = _score_text(line, cells)
        if value is None:
            raise ScoreError(f"{what_thai} ไม่มีคะแนน", f"{what_english} has no score", number)
        score = _score(value, number, what_thai, what_english)
        if indicator_number is None:
            total = score
            continue
        if indicator_number in found:
            raise ScoreError(
                f"ตัวชี้วัดที่ {indicator_number} มีคะแนนซ้ำ", f"indicator {indicator_number} is given twice", number
            )
        found[indicator_number] = score
    missing = [n for n in BY_NUMBER if n not in found]
    if missing:
        listed = ", ".join(str(n) for n in missing)
        raise ScoreError(
            f"ไม่มีคะแนนของตัวชี้วัดที่ {listed} (ต้องมีครบทั้ง 10 ตัวชี้วัด)",
            f"no score for indicator(s) {listed} (all 10 are needed)",
        )
    if total is None:
        raise ScoreError('ไม่มีคะแนนรวม (บรรทัด "รวม" หรือ "total")', 'no total score (a "total" line)')
    return Scores(total=total, by_indicator=dict(sorted(found.items())))


def _score_text(line: str, cells: list[str]) -> str | None:
    """The score as written: a table row's last cell, or the last number after the indicator's."""
    if len(cells) > 1:
        return cells[-1] or None
    rest = _WRITTEN_INDICATOR.sub(" ", line, count=1)
    if rest == line:
        rest = _LEADING_NUMBER.sub(" ", line + " ", count=1)
    numbers = _NUMBER.findall(rest)
    return numbers[-1] if numbers else None


def _indicator_number(line: str, cells: list[str], number: int) -> int:
    written = _WRITTEN_INDICATOR.search(line)
    leading = _LEADING_NUMBER.match(line + " ")
    by_name = find_indicator(re.sub(r"[\d.]+", "", " ".join(cells[:2] if len(cells) > 1 else [line])))
    value = int(written.group(1)) if written else int(leading.group(1)) if leading else None
    if value is None:
        if by_name is None:
            raise ScoreError("ไม่พบว่าบรรทัดนี้เป็นคะแนนของตัวชี้วัดใด", "the line names no ITA indicator", number)
        return by_name.number
    if value not in BY_NUMBER:
        raise ScoreError(
            f"ไม่มีตัวชี้วัดที่ {value} ในการประเมิน ITA (มีตัวชี้วัดที่ 1–10)",
            f"there is no ITA indicator {value} (indicators are 1-10)",
            number,
        )
    if by_name is not None and by_name.number != value:
        raise ScoreError(
            f'ตัวชี้วัดที่ {value} ไม่ใช่ "{by_name.name}" (ชื่อนี้คือตัวชี้วัดที่ {by_name.number})',
            f"indicator {value} is not {by_name.name!r} (that name is indicator {by_name.number})",
            number,
        )
    return value


def suggested_status(score: Decimal | None) -> str | None:
    """The status a score suggests (Indicator.Status), by the ITA_MAINTAIN_AT and ITA_URGENT_BELOW settings."""
    if score is None:
        return None
    if score >= settings.ITA_MAINTAIN_AT:
        return Indicator.Status.MAINTAIN
    if score < settings.ITA_URGENT_BELOW:
        return Indicator.Status.URGENT
    return Indicator.Status.DEVELOP


def save_ita_result(agency: Agency, year: int, scores: Scores, *, by: User, source_name: str = "") -> ItaResult:
    """Store (or replace) the agency's ITA result for the assessed fiscal year `year` (B.E.)."""
    permissions.require(by, permissions.IMPORT_PLAN, agency)
    with permissions.refusals_kept(), agency_transaction(agency.pk):
        fiscal_year = FiscalYear.objects.filter(year=year).first() or save_with_history(
            FiscalYear(year=year), by=by, reason=SAVED_REASON
        )
        result = ItaResult.objects.select_for_update().filter(agency=agency, fiscal_year=fiscal_year).first()
        if result is None:
            result = save_with_history(
                ItaResult(agency=agency, fiscal_year=fiscal_year, total=scores.total, source_name=source_name),
                by=by,
                reason=SAVED_REASON,
            )
        elif (result.total, result.source_name) != (scores.total, source_name):
            result.total, result.source_name = scores.total, source_name
            save_with_history(result, by=by, reason=SAVED_REASON, update_fields=["total", "source_name"])
        existing = {score.number: score for score in IndicatorScore.objects.filter(result=result)}
        for number, value in scores.by_indicator.items():
            score = existing.get(number)
            if score is None:
                save_with_history(
                    IndicatorScore(agency=agency, result=result, number=number, score=value), by=by, reason=SAVED_REASON
                )
            elif score.score != value:
                score.score = value
                save_with_history(score, by=by, reason=SAVED_REASON, update_fields=["score"])
    return result


def result_of(agency: Agency | int, year: int) -> ItaResult | None:
    return (
        ItaResult.objects.filter(agency=agency, fiscal_year__year=year)
        .select_related("fiscal_year")
        .prefetch_related("scores")
        .first()
    )


@dataclass
class IndicatorLookBack:
    """One indicator of the assessed year: its score, the suggested status, and how its actions went."""

    number: int
    name: str
    assessment: str
    score: Decimal | None
    suggested: str | None
    actions: int = 0
    approved: int = 0
    returns: int = 0

    @property
    def suggested_label(self) -> str:
        return str(Indicator.Status(self.suggested).label) if self.suggested else ""


def look_back(agency: Agency, year: int) -> list[IndicatorLookBack]:
    """Indicators 1-10 of the assessed year `year`: score, suggested status, the actions of the plan's integrity
    measures, those the mayor approved, and the times results were returned (by the chief administrator or the
    mayor). The OIT items adopted into the plan are not among them: they are not actions of a measure, next year's
    draft does not copy them, and the scores page shows their own figure apart (oit.progress)."""
    result = result_of(agency, year)
    scores = {score.number: score.score for score in result.scores.all()} if result else {}
    plan = Plan.objects.filter(agency=agency, fiscal_year__year=year).first()
    # "Approved" has one definition: the mayor's approval (approvals/figures.py).
    approved_ids = set(approval_moments(plan)) if plan else set()
    own_measures = Measure.objects.filter(agency=agency, plan=plan).integrity_measures()
    # A cancelled action is not counted, as in every other figure (approvals/figures.py: ActionFigures.counted).
    actions = (
        Action.objects.filter(agency=agency, indicator__measure__in=own_measures)
        .exclude(status=Action.Status.CANCELLED)
        .values_list("pk", "indicator__number")
    )
    totals: Counter[int] = Counter()
    approved: Counter[int] = Counter()
    for pk, number in actions:
        totals[number] += 1
        approved[number] += pk in approved_ids
    returned = Counter(
        Decision.objects.filter(
            agency=agency, action__indicator__measure__in=own_measures, outcome=Decision.Outcome.RETURNED
        ).values_list("action__indicator__number", flat=True)
    )
    rows = []
    for indicator in INDICATORS:
        score = scores.get(indicator.number)
        rows.append(
            IndicatorLookBack(
                number=indicator.number,
                name=indicator.name,
                assessment=indicator.assessment,
                score=score,
                suggested=suggested_status(score),
                actions=totals[indicator.number],
                approved=approved[indicator.number],
                returns=returned.get(indicator.number, 0),
            )
        )
    return rows
