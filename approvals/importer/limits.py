"""What the database will store, checked while parsing, so that `--dry-run` and the real import accept and
refuse the same files: every value the writer stores is checked against its model field (length, digits,
range, NOT NULL), read from the field itself rather than repeated here; and the size of what is read at all
is bounded, so that a huge or hostile file is refused in a fraction of a second.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.backends.base.operations import BaseDatabaseOperations

from approvals.importer.errors import ReportError, bilingual
from approvals.importer.report import ParsedReport
from approvals.importer.text import match_key, to_arabic

# The sample report (approvals/sample_data) is 53 kB, 105 lines, 292 table cells, its longest line 1,671
# characters and its widest row 6 cells: each limit leaves a real report far inside it.
MAX_REPORT_BYTES = 5 * 1024 * 1024
MAX_LINES = 20_000
MAX_LINE_CHARS = 100_000
MAX_CELLS_PER_ROW = 50
MAX_TABLE_CELLS = 20_000


@dataclass(frozen=True)
class Stored:
    """One value the writer stores: which model field holds it, and how a clerk calls it."""

    model: str
    field: str
    thai: str
    english: str

    def model_field(self) -> models.Field:
        from django.apps import apps

        return apps.get_model("approvals", self.model)._meta.get_field(self.field)


AGENCY_NAME = Stored("Agency", "name", "ชื่อหน่วยงาน", "the agency's name")
DISTRICT = Stored("Agency", "district", "ชื่ออำเภอ", "the district")
PROVINCE = Stored("Agency", "province", "ชื่อจังหวัด", "the province")
FISCAL_YEAR = Stored("FiscalYear", "year", "ปีงบประมาณ", "the fiscal year")
MEASURE_NUMBER = Stored("Measure", "number", "ลำดับมาตรการ", "the measure's number")
MEASURE_TITLE = Stored("Measure", "title", "ชื่อมาตรการ", "the measure's title")
INDICATOR_NUMBER = Stored("Indicator", "number", "ลำดับตัวชี้วัด", "the indicator's number")
INDICATOR_WRITTEN_NUMBER = Stored("Indicator", "written_number", "เลขตัวชี้วัดที่เขียนไว้", "the indicator's written number")
INDICATOR_NAME = Stored("Indicator", "name", "ชื่อตัวชี้วัด", "the indicator's name")
INDICATOR_STATUS = Stored("Indicator", "status", "สถานะตัวชี้วัด", "the indicator's status")
ACTION_NUMBER = Stored("Action", "number", "ลำดับแนวทาง", "the action's number")
ACTION_POSITION = Stored("Action", "position", "จำนวนแนวทางของตัวชี้วัด", "the number of actions of an indicator")
ACTION_TEXT = Stored("Action", "text", "แนวทางการดำเนินการ", "the action")
DIVISION_NAME = Stored("Division", "name", "ชื่อส่วนราชการผู้รับผิดชอบ", "the responsible division's name")
BUDGET_NUMBER = Stored("BudgetItem", "number", "จำนวนรายการงบประมาณ", "the number of budget items")
BUDGET_ITEM = Stored("BudgetItem", "item", "รายการงบประมาณ", "the budget item")
BUDGET_AMOUNT = Stored("BudgetItem", "amount", "จำนวนเงิน", "the amount")


def max_length(stored: Stored) -> int | None:
    return stored.model_field().max_length


def default(stored: Stored) -> Any:
    """The value the model stores when the report gives none."""
    field = stored.model_field()
    return field.get_default() if field.has_default() else None


def check(stored: Stored, value: Any, line: int | None) -> None:
    """Refuse `value` with a bilingual ReportError naming the line, unless its model field can store it."""
    field = stored.model_field()
    if value is None:
        if field.null:
            return
        raise ReportError(f"ไม่มี{stored.thai} ซึ่งต้องมี", f"{stored.english} is missing; it is required", line=line)
    if isinstance(field, models.CharField) and field.max_length is not None and len(str(value)) > field.max_length:
        raise ReportError(
            f"{stored.thai}ยาว {len(str(value)):,} ตัวอักษร เก็บได้ไม่เกิน {field.max_length:,} ตัวอักษร",
            f"{stored.english} is {len(str(value)):,} characters long; at most {field.max_length:,} can be stored",
            line=line,
        )
    if isinstance(field, models.DecimalField):
        _check_digits(stored, field, Decimal(value), line)
        return
    if field.choices and value not in {choice for choice, _label in field.flatchoices}:
        raise ReportError(
            f"{stored.thai} {value!r} ไม่ใช่ค่าที่ระบบรู้จัก", f"{stored.english} {value!r} is not a known value", line=line
        )
    if isinstance(field, models.IntegerField):
        low, high = _integer_range(field)
        if not low <= value <= high:
            raise ReportError(
                f"{stored.thai} {value:,} อยู่นอกช่วงที่เก็บได้ ({low:,}–{high:,})",
                f"{stored.english} {value:,} is outside what can be stored ({low:,}-{high:,})",
                line=line,
            )


def _check_digits(stored: Stored, field: models.DecimalField, value: Decimal, line: int | None) -> None:
    whole = field.max_digits - field.decimal_places
    whole_part = int(abs(value))  # amounts are read with two decimals already (budget.read_amount)
    digits = len(str(whole_part)) if whole_part else 0
    if digits > whole:
        largest = f"{Decimal(10) ** whole - Decimal(1).scaleb(-field.decimal_places):,.{field.decimal_places}f}"
        raise ReportError(
            f"{stored.thai} {value:,} มี {digits} หลัก เก็บได้ไม่เกิน {whole} หลัก (สูงสุด {largest})",
            f"{stored.english} {value:,} has {digits} digits; at most {whole} can be stored (up to {largest})",
            line=line,
        )


def _integer_range(field: models.IntegerField) -> tuple[int, int]:
    """The field's own bounds (MinValueValidator/MaxValueValidator) within PostgreSQL's range for its type, which
    is the one that counts (a dry run may have no PostgreSQL, and SQLite's ranges are wider)."""
    low, high = BaseDatabaseOperations.integer_field_ranges[field.get_internal_type()]
    for validator in field.validators:
        if isinstance(validator, MinValueValidator):
            low = max(low, validator.limit_value)
        elif isinstance(validator, MaxValueValidator):
            high = min(high, validator.limit_value)
    return low, high


# Bounds on what is read at all ---------------------------------------------------------------------------------


def check_size(byte_count: int) -> None:
    if byte_count > MAX_REPORT_BYTES:
        raise ReportError(
            f"ไฟล์มีขนาด {byte_count / 1024 / 1024:,.1f} MB ใหญ่เกิน {MAX_REPORT_BYTES // 1024 // 1024} MB "
            "(รายงานมาตรการมีขนาดเล็กกว่านี้มาก)",
            f"the file is {byte_count / 1024 / 1024:,.1f} MB, over the {MAX_REPORT_BYTES // 1024 // 1024} MB limit "
            "(a measures report is much smaller)",
        )


def check_lines(lines: list[str]) -> None:
    """Refuse a text with too many lines, a line too long, a row with too many cells, or too many cells in all,
    before any of it is parsed (each check is a pass of str methods over the text: milliseconds for 5 MB)."""
    if len(lines) > MAX_LINES:
        raise ReportError(
            f"ไฟล์มี {len(lines):,} บรรทัด เกิน {MAX_LINES:,} บรรทัด",
            f"the file has {len(lines):,} lines, over the limit of {MAX_LINES:,}",
            line=MAX_LINES + 1,
        )
    cells = 0
    for number, line in enumerate(lines, start=1):
        if len(line) > MAX_LINE_CHARS:
            raise ReportError(
                f"บรรทัดยาว {len(line):,} ตัวอักษร เกิน {MAX_LINE_CHARS:,} ตัวอักษร",
                f"the line is {len(line):,} characters long, over the limit of {MAX_LINE_CHARS:,}",
                line=number,
            )
        in_row = line.count("\t") + 1 if "\t" in line else max(line.count("|") - 1, 0)
        if in_row > MAX_CELLS_PER_ROW:
            raise ReportError(
                f"แถวมี {in_row:,} ช่อง เกิน {MAX_CELLS_PER_ROW} ช่อง",
                f"the row has {in_row:,} cells, over the limit of {MAX_CELLS_PER_ROW}",
                line=number,
            )
        cells += in_row
        if cells > MAX_TABLE_CELLS:
            raise ReportError(
                f"ตารางมีช่องรวมเกิน {MAX_TABLE_CELLS:,} ช่อง (รายงานมาตรการมีน้อยกว่านี้มาก)",
                f"the tables have more than {MAX_TABLE_CELLS:,} cells in all (a measures report has far fewer)",
                line=number,
            )


# Every value the writer stores ----------------------------------------------------------------------------------


def check_report(report: ParsedReport, cover: list[str]) -> None:
    """Check every value the import stores against its model field; a missing indicator status takes the
    field's default, with a warning. Raises ReportError at the first value the database could not store."""
    from django.utils.translation import override

    check(AGENCY_NAME, report.agency, _cover_line(cover, report.agency))
    check(DISTRICT, report.district or "", _cover_line(cover, report.district))
    check(PROVINCE, report.province or "", _cover_line(cover, report.province))
    check(FISCAL_YEAR, report.fiscal_year, _cover_line(cover, str(report.fiscal_year)))
    for measure in report.measures:
        check(MEASURE_NUMBER, measure.number, measure.line)
        check(MEASURE_TITLE, measure.title, measure.line)
        for indicator in measure.indicators:
            check(INDICATOR_NUMBER, indicator.number, indicator.line)
            check(INDICATOR_WRITTEN_NUMBER, indicator.written_number, indicator.line)
            check(INDICATOR_NAME, indicator.name, indicator.line)
            if indicator.status is None:
                indicator.status = default(INDICATOR_STATUS)
                field = INDICATOR_STATUS.model_field()
                labels = {}
                for language in ("th", "en"):
                    with override(language):
                        labels[language] = str(dict(field.flatchoices)[indicator.status])
                report.warnings.append(
                    bilingual(
                        f"ตัวชี้วัดที่ {indicator.number} ไม่ระบุสถานะ (รักษาระดับ/แก้ไขเร่งด่วน/พัฒนายกระดับ) บันทึกเป็น {labels['th']}",
                        f"indicator {indicator.number} has no status (maintain/urgent/develop); "
                        f"recorded as {labels['en']}",
                        indicator.line,
                    )
                )
            check(INDICATOR_STATUS, indicator.status, indicator.line)
            check(ACTION_POSITION, len(indicator.actions), indicator.line)
            for action in indicator.actions:
                check(ACTION_NUMBER, to_arabic(action.number), action.line)
                check(ACTION_TEXT, action.text, action.line)
                for name in [] if isinstance(action.responsible, str) else action.responsible:
                    check(DIVISION_NAME, name, action.line)
    check(BUDGET_NUMBER, len(report.budget), None)
    for item in report.budget:
        check(BUDGET_ITEM, item.item, item.line)
        check(BUDGET_AMOUNT, item.amount, item.line)


def _cover_line(cover: list[str], value: str | None) -> int | None:
    """The cover's line that shows `value`, for the message."""
    if not value:
        return None
    key = match_key(value)
    return next((number for number, line in enumerate(cover, start=1) if key and key in match_key(line)), None)
