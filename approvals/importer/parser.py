"""Read the plan out of an ITA year-end report exported from Word as text.

The reports follow one layout (a cover, then the measures table page by page, then a budget table) but every
agency's export damages it differently, so the parser relies on the structure, not on one file:

* table rows are tab-separated (or markdown "| a | b |"); the header row and the measure row repeat on each
  page and are recognised by their words, so repeating them or not gives the same plan;
* a data row may or may not have an assessment column (IIT/EIT/OIT) before the indicator cell; the indicator
  cell is found by its words ("ตัวชี้วัดที่ …" or an ITA indicator name) and the other cells follow it;
* a row whose indicator cell is empty continues the indicator above it, across pages too;
* a row that lost its tabs at a page break arrives as paragraphs separated by blank lines, one per cell
  ("loose" rows below);
* a row cut over two lines (a line break inside a cell) is joined back while it has too few cells;
* the budget table may be duplicated: an identical row is imported once.

Results and outcome belong to a whole row: when a row holds several actions, each action gets the row's
results and outcome, because the report does not say which sentence reports on which action.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from approvals.importer import limits
from approvals.importer.budget import BudgetColumns, budget_columns, read_amount
from approvals.importer.cells import read_responsible, split_actions, text_block
from approvals.importer.cover import read_agency, read_district, read_fiscal_year, read_province
from approvals.importer.decoding import decode_report, normalise_newlines
from approvals.importer.errors import ReportError, bilingual
from approvals.importer.ita import (
    ASSESSMENTS,
    BY_NUMBER,
    MEASURE_TITLE,
    IndicatorLabel,
    read_indicator_label,
)
from approvals.importer.report import (
    ParsedAction,
    ParsedBudgetItem,
    ParsedIndicator,
    ParsedMeasure,
    ParsedReport,
)
from approvals.importer.text import match_key, normalise_space, plain, to_arabic, to_int

__all__ = [
    "ParsedAction",
    "ParsedBudgetItem",
    "ParsedIndicator",
    "ParsedMeasure",
    "ParsedReport",
    "parse_report",
    "parse_report_bytes",
]

ROLES = ("approach", "responsible", "results", "outcome")

_SEPARATOR = re.compile(r"[\s|:+]*-{3,}[\s|:+-]*")
_ITEM_NUMBER = re.compile(r"[0-9๐-๙]{1,3}\.?")
_OPENS_LIST = re.compile(r"^(?:[0-9๐-๙]{1,2}\s*[.)]|[-•●▪◦–])\s*\S")
_QUOTE_MAX = 60
_HEADER_CELL_MAX = 60


@dataclass
class _Group:
    """Consecutive text lines between blank lines: one cell of a row that lost its tabs."""

    line: int
    lines: list[str]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@dataclass
class _Row:
    """One data row of the measures table, whatever its source (tabbed line or loose paragraphs)."""

    line: int
    assessment: str
    label: IndicatorLabel | None
    cells: dict[str, str]


def parse_report_bytes(data: bytes, *, agency: str | None = None, fiscal_year: int | None = None) -> ParsedReport:
    """Decode an uploaded file (see decode_report) and parse it (see parse_report)."""
    limits.check_size(len(data))
    return parse_report(decode_report(data), agency=agency, fiscal_year=fiscal_year)


def parse_report(text: str, *, agency: str | None = None, fiscal_year: int | None = None) -> ParsedReport:
    """Parse a year-end report (รายงานผลการดำเนินงานตามมาตรการส่งเสริมคุณธรรมและความโปร่งใส).

    ``agency`` and ``fiscal_year`` (BE) override what the cover says. Raises ReportError, with the line where
    the problem is when there is one, for anything that is not a complete report, for a file beyond the limits
    of a report (size, lines, line length, cells), and for any value the database could not store, so that a
    plan this function returns is a plan the import writes.
    """
    limits.check_size(len(text))
    text = normalise_newlines(text).removeprefix("\ufeff")
    if not text.strip():
        raise ReportError("ไฟล์ไม่มีข้อความ", "the file contains no text")
    lines = text.split("\n")
    limits.check_lines(lines)
    header = next((index for index, line in enumerate(lines) if _measures_header(_cells(line))), None)
    if header is None:
        last = max(index for index, line in enumerate(lines) if line.strip()) + 1
        raise ReportError("ไม่พบตารางมาตรการ", "no measures table found", line=last)
    cover = lines[:header]
    warnings: list[str] = []
    report = ParsedReport(
        agency=agency or read_agency(cover),
        district=read_district(cover),
        province=read_province(cover),
        fiscal_year=fiscal_year or read_fiscal_year(cover, warnings),
        warnings=warnings,
    )
    _TableReader(lines, report).read(header)
    limits.check_report(report, cover)
    return report


class _TableReader:
    """Walks the lines from the first measures header to the end, filling ``report``."""

    def __init__(self, lines: list[str], report: ParsedReport) -> None:
        self.lines = lines
        self.report = report
        self.roles: tuple[str, ...] = ROLES
        self.measure: ParsedMeasure | None = None
        self.indicator: ParsedIndicator | None = None
        self.loose: list[_Group] = []
        self.in_budget = False
        self.budget_columns: BudgetColumns | None = None
        self.budget_keys: set[tuple[str, str, Decimal]] = set()
        self.budget_repeated = False
        self.repeated_indicators: set[int] = set()
        self.action_keys: set[tuple[int, tuple]] = set()
        # Paragraphs glued to the last cell of the last row read so far: (row line, first glued line, text).
        self.glued: tuple[int, int, str] | None = None

    def warn(self, thai: str, english: str, line: int | None) -> None:
        self.report.warnings.append(bilingual(thai, english, line))

    def read(self, start: int) -> None:
        index = start
        while index < len(self.lines):
            line = self.lines[index]
            if not line.strip():
                # A budget table ends at the first blank line; its duplicate starts with a header again.
                self.in_budget = False
                index += 1
                continue
            if _SEPARATOR.fullmatch(line):
                index += 1
                continue
            cells = _cells(line)
            if cells is None:
                index = self._read_group(index)
                continue
            index = self._read_table_line(index, cells)
        self._flush_loose()
        if self.glued is not None:
            row_line, glued_line, text = self.glued
            # Never stored silently: text after the last table row may be a note or signatures, not the cell's.
            self.warn(
                f"ข้อความหลังแถวสุดท้ายของตาราง (บรรทัด {glued_line}) ถูกรวมไว้ในช่องสุดท้ายของแถวบรรทัด {row_line}: "
                f'"{_quote(text)}" กรุณาตรวจสอบ',
                f"text after the last table row (line {glued_line}) went into the last cell of the row of line "
                f"{row_line}; check it",
                glued_line,
            )
        if self.budget_repeated:
            self.warn(
                "ตารางงบประมาณซ้ำกัน นำเข้าเพียงครั้งเดียว",
                "the budget table is repeated; it was imported once",
                None,
            )
        self._check_complete(start + 1)

    def _read_table_line(self, index: int, cells: list[str]) -> int:
        number = index + 1
        self.glued = None  # more table follows: text glued to an earlier row was inside the table
        if _measures_header(cells):
            self._flush_loose()
            self.roles = _roles(cells)
            self.in_budget = False
            return index + 1
        if _budget_header(cells):
            self._flush_loose()
            self.budget_columns = budget_columns(cells)
            self.in_budget = True
            return index + 1
        if self.in_budget:
            self._budget_row(cells, number)
            return index + 1
        self._flush_loose()
        title = _measure_title(cells)
        if title is not None:
            self._set_measure(*title, number)
            return index + 1
        return self._read_data_row(index, cells)

    def _read_group(self, index: int) -> int:
        group = _Group(index + 1, [])
        while index < len(self.lines):
            line = self.lines[index]
            if not line.strip() or _SEPARATOR.fullmatch(line) or _cells(line) is not None:
                break
            group.lines.append(line.strip())
            index += 1
        self.in_budget = False
        self.loose.append(group)
        return index

    # Measures table ------------------------------------------------------------------------------------

    def _set_measure(self, number: int, title: str, line: int) -> None:
        for measure in self.report.measures:
            if measure.number == number:
                # The measure row repeats at the top of every page: a row without an indicator cell below it
                # continues the last indicator of that measure.
                self.measure = measure
                self.indicator = measure.indicators[-1] if measure.indicators else None
                if match_key(measure.title) != match_key(title):
                    self.warn(
                        f"มาตรการที่ {number} มีชื่อไม่ตรงกับที่เขียนไว้ก่อนหน้า ใช้ชื่อแรก",
                        f"measure {number} is titled differently than before; the first title is kept",
                        line,
                    )
                return
        self.measure = ParsedMeasure(number, title, line=line)
        self.report.measures.append(self.measure)
        self.indicator = None

    def _read_data_row(self, index: int, cells: list[str]) -> int:
        number = index + 1
        layout = self._layout(cells)
        if layout is None:
            self.warn(
                f'ข้ามแถวที่ไม่ใช่ตัวชี้วัด: "{_quote(plain(cells[0]))}"',
                "skipped a table row that is not an indicator row",
                number,
            )
            return index + 1
        assessment, label, offset = layout
        width = len(self.roles)
        index += 1
        # A line break inside a cell cuts the row; glue the next lines back while they fit the row's width.
        while len(cells) - offset < width and index < len(self.lines):
            following = self.lines[index]
            if not following.strip() or _SEPARATOR.fullmatch(following):
                break
            more = [cell.strip() for cell in (_cells(following) or [following])]
            if len(cells) - offset + len(more) - 1 > width + 1 or self._starts_row(more):
                break
            cells[-1] = f"{cells[-1]}\n{more[0]}"
            cells.extend(more[1:])
            index += 1
        if len(cells) - offset < width:
            raise ReportError(
                "แถวในตารางมาตรการมีช่องไม่ครบ (ไฟล์อาจถูกตัดหรือเสียหาย)",
                "a measures table row has missing cells (the file may be truncated or damaged)",
                line=number,
            )
        # Text lines right after a complete row are more paragraphs of its last cell.
        glued_from = index
        while index < len(self.lines):
            following = self.lines[index].strip()
            if not following or _SEPARATOR.fullmatch(following) or _cells(following) is not None:
                break
            if MEASURE_TITLE.match(following):
                break
            cells[offset + width - 1] = f"{cells[offset + width - 1]}\n{following}"
            index += 1
        if index > glued_from:
            self.glued = (number, glued_from + 1, " ".join(line.strip() for line in self.lines[glued_from:index]))
        values = dict(zip(self.roles, cells[offset : offset + width], strict=True))
        self._add_row(_Row(number, assessment, label, values))
        return index

    def _layout(self, cells: list[str]) -> tuple[str, IndicatorLabel | None, int] | None:
        """Find the indicator cell: (assessment, label, index of the first cell after it), None if unknown."""
        joined = _joined_assessment(cells[0]) if cells else None
        if joined is not None:
            # "IIT ตัวชี้วัดที่ ๑ …" in one cell, as the project's own reports print it.
            return joined[0], joined[1], 1
        for position in range(min(2, len(cells))):
            label = _indicator_label(cells[position])
            if label is not None:
                return (plain(cells[0]) if position == 1 else ""), label, position + 1
            if cells[position] and not (position == 0 and plain(cells[0]).upper() in ASSESSMENTS):
                break
        first = plain(cells[0])
        if first and first.upper() not in ASSESSMENTS:
            return None
        # A continuation row leaves the indicator cell empty; with an assessment column it leaves two.
        if len(cells) > 1 and not cells[1].strip() and len(cells) - 2 >= len(self.roles):
            return first, None, 2
        return first, None, 1

    def _starts_row(self, cells: list[str]) -> bool:
        return (
            _measures_header(cells)
            or _budget_header(cells)
            or _measure_title(cells) is not None
            or any(_indicator_label(cell) is not None for cell in cells[:2])
        )

    def _flush_loose(self) -> None:
        """Turn the paragraphs of rows that lost their tabs into measure titles and rows."""
        groups, self.loose = self.loose, []
        row: list[_Group] = []
        for group in groups:
            title = _measure_title([normalise_space(group.text)])
            if title is not None:
                self._loose_row(row)
                row = []
                self._set_measure(*title, group.line)
                continue
            starts = plain(group.text).upper() in ASSESSMENTS or _indicator_label(group.text) is not None
            if starts and row and not (len(row) == 1 and plain(row[0].text).upper() in ASSESSMENTS):
                self._loose_row(row)
                row = []
            row.append(group)
        self._loose_row(row)

    def _loose_row(self, groups: list[_Group]) -> None:
        if not groups:
            return
        line = groups[0].line
        rest = list(groups)
        assessment = ""
        if plain(rest[0].text).upper() in ASSESSMENTS:
            assessment = plain(rest.pop(0).text)
        label = _indicator_label(rest[0].text) if rest else None
        if label is not None:
            rest.pop(0)
        if label is None and not (rest and _OPENS_LIST.match(rest[0].text)):
            # A row opens with its indicator or an action item; anything else (a note, the signatures
            # under the last table) is not part of the plan.
            self.warn(
                f'ข้ามข้อความนอกตาราง: "{_quote(plain(groups[0].text))}"',
                "skipped text outside the table",
                line,
            )
            return
        width = len(self.roles)
        if len(rest) < width:
            raise ReportError(
                "แถวในตารางมาตรการมีช่องไม่ครบ (ไฟล์อาจถูกตัดหรือเสียหาย)",
                "a measures table row has missing cells (the file may be truncated or damaged)",
                line=line,
            )
        cells = [group.text for group in rest[:width]]
        if len(rest) > width:
            # More paragraphs than cells: a cell held an empty paragraph. Keep every word in the last cell
            # rather than guess, and say so.
            cells[-1] = "\n".join([cells[-1], *(group.text for group in rest[width:])])
            self.warn(
                "แถวที่ไม่มีเครื่องหมายแบ่งช่องมีย่อหน้าเกินจำนวนช่อง รวมย่อหน้าที่เกินไว้ในช่องสุดท้าย",
                "a row without tabs has more paragraphs than cells; the extra ones went into the last cell",
                line,
            )
        self._add_row(_Row(line, assessment, label, dict(zip(self.roles, cells, strict=True))))

    def _add_row(self, row: _Row) -> None:
        if self.glued is not None and row.line > self.glued[1]:
            self.glued = None  # a row (that lost its tabs) follows: the glued text was inside the table
        if row.label is not None:
            indicator = self._indicator(row)
        elif self.indicator is not None:
            indicator = self.indicator
        else:
            raise ReportError(
                "พบแถวที่ไม่มีตัวชี้วัดกำกับ และไม่มีตัวชี้วัดก่อนหน้าให้ต่อท้าย",
                "a row has no indicator and there is no indicator above it to continue",
                line=row.line,
            )
        actions = split_actions(row.cells.get("approach", ""))
        responsible = read_responsible(row.cells.get("responsible", ""))
        results = text_block(row.cells.get("results", ""))
        outcome = text_block(row.cells.get("outcome", ""))
        if responsible.other_text:
            results = "\n".join(part for part in (results, responsible.other_text) if part)
            self.warn(
                f"ช่องผู้รับผิดชอบของตัวชี้วัดที่ {indicator.number} มีข้อความอื่นปน: "
                f'"{_quote(responsible.other_text)}" ย้ายไปไว้ท้ายสรุปผลการดำเนินการ',
                f"the responsible cell of indicator {indicator.number} holds other text; it was moved to the "
                "end of the results",
                row.line,
            )
        if not responsible.units:
            self.warn(
                f"ตัวชี้วัดที่ {indicator.number} ไม่ระบุผู้รับผิดชอบ",
                f"indicator {indicator.number} names no responsible division",
                row.line,
            )
        if not actions:
            self._attach_to_last_action(indicator, results, outcome, row.line)
            return
        paired = responsible.paired(len(actions))
        used = {to_arabic(action.number) for action in indicator.actions if action.number}
        for position, found in enumerate(actions):
            action = ParsedAction(
                number=found.number,
                text=found.text,
                responsible=paired[position] if paired else responsible.for_all_actions(),
                results=results,
                outcome=outcome,
                line=row.line,
            )
            key = (id(indicator), _action_key(action))
            if key in self.action_keys:
                # The same row again (a report pasted twice, a page printed twice): imported once, never multiplied.
                if indicator.number not in self.repeated_indicators:
                    self.repeated_indicators.add(indicator.number)
                    self.warn(
                        f"ตัวชี้วัดที่ {indicator.number} มีแนวทางซ้ำกับที่อ่านแล้วทุกช่อง (รายงานซ้ำ) นำเข้าเพียงครั้งเดียว",
                        f"indicator {indicator.number} repeats an action already read, cell for cell (a repeated "
                        "report); it was imported once",
                        row.line,
                    )
                continue
            self.action_keys.add(key)
            if found.number and to_arabic(found.number) in used:
                self.warn(
                    f"ตัวชี้วัดที่ {indicator.number} มีแนวทางลำดับที่ {to_arabic(found.number)} ซ้ำ "
                    "(แถวต่อจากหน้าก่อน) นำเข้าทั้งสองรายการ",
                    f"indicator {indicator.number} has action number {to_arabic(found.number)} twice "
                    "(a row continued from the previous page); both were imported",
                    row.line,
                )
            used.add(to_arabic(found.number))
            indicator.actions.append(action)

    def _attach_to_last_action(self, indicator: ParsedIndicator, results: str, outcome: str, line: int) -> None:
        if not (results or outcome):
            return
        if not indicator.actions:
            self.warn(
                f"แถวของตัวชี้วัดที่ {indicator.number} ไม่มีแนวทาง ข้ามผลการดำเนินการของแถวนี้",
                f"a row of indicator {indicator.number} has no action; its results were skipped",
                line,
            )
            return
        last = indicator.actions[-1]
        last.results = "\n".join(part for part in (last.results, results) if part)
        last.outcome = "\n".join(part for part in (last.outcome, outcome) if part)
        self.warn(
            f"แถวของตัวชี้วัดที่ {indicator.number} ไม่มีแนวทาง ต่อผลการดำเนินการไว้กับแนวทางก่อนหน้า",
            f"a row of indicator {indicator.number} has no action; its results went to the action above",
            line,
        )

    def _indicator(self, row: _Row) -> ParsedIndicator:
        label = row.label
        assert label is not None
        if self.measure is None:
            raise ReportError("พบตัวชี้วัดก่อนมาตรการแรก", "an indicator comes before the first measure", line=row.line)
        ita = label.indicator
        if ita is None and label.written_number in BY_NUMBER:
            ita = BY_NUMBER[label.written_number]
            self.warn(
                f'ไม่รู้จักชื่อตัวชี้วัด "{_quote(label.written_name)}" ใช้ตัวชี้วัดที่ {ita.number} ตามเลขที่เขียน',
                f"unknown indicator name; using ITA indicator {ita.number} from the written number",
                row.line,
            )
        if ita is None:
            raise ReportError(
                f'ไม่รู้จักตัวชี้วัด "{_quote(label.written_name)}"',
                "unknown indicator: neither its name nor its number is an ITA indicator",
                line=row.line,
            )
        for existing in self.measure.indicators:
            if existing.number == ita.number:
                self.indicator = existing
                existing.status = existing.status or label.status
                return existing
        if label.written_number is not None and label.written_number != ita.number:
            self.warn(
                f'ตัวชี้วัด "{ita.name}" เขียนเป็นตัวชี้วัดที่ {label.written_number} แต่ในการประเมิน ITA คือตัวชี้วัดที่ {ita.number}',
                f"indicator {ita.name!r} is written as number {label.written_number} but is ITA indicator {ita.number}",
                row.line,
            )
        if row.assessment and row.assessment.upper() != ita.assessment:
            self.warn(
                f"ตัวชี้วัดที่ {ita.number} ระบุเครื่องมือประเมินเป็น {row.assessment} แต่ควรเป็น {ita.assessment}",
                f"indicator {ita.number} is marked {row.assessment} but belongs to {ita.assessment}",
                row.line,
            )
        # A status still missing at the end takes the model's default, with a warning (limits.check_report).
        for other in self.report.measures:
            if other is not self.measure and any(i.number == ita.number for i in other.indicators):
                self.warn(
                    f"ตัวชี้วัดที่ {ita.number} อยู่ในมาตรการมากกว่าหนึ่งมาตรการ",
                    f"indicator {ita.number} appears under more than one measure",
                    row.line,
                )
        indicator = ParsedIndicator(
            number=ita.number,
            written_number=label.written_number,
            assessment=ita.assessment,
            name=ita.name,
            status=label.status,
            line=row.line,
        )
        self.measure.indicators.append(indicator)
        self.indicator = indicator
        return indicator

    def _check_complete(self, header_line: int) -> None:
        if not self.report.measures:
            raise ReportError(
                "ตารางมาตรการไม่มีมาตรการใดเลย (ไฟล์อาจถูกตัด)",
                "the measures table holds no measure (the file may be truncated)",
                line=header_line,
            )
        for measure in self.report.measures:
            if not measure.indicators:
                raise ReportError(
                    f"มาตรการที่ {measure.number} ไม่มีตัวชี้วัด (ไฟล์อาจถูกตัด)",
                    f"measure {measure.number} has no indicator (the file may be truncated)",
                    line=measure.line,
                )
            for indicator in measure.indicators:
                if not indicator.actions:
                    raise ReportError(
                        f"ตัวชี้วัดที่ {indicator.number} ไม่มีแนวทางการดำเนินการ (ไฟล์อาจถูกตัด)",
                        f"indicator {indicator.number} has no action (the file may be truncated)",
                        line=indicator.line,
                    )

    # Budget table --------------------------------------------------------------------------------------

    def _budget_row(self, cells: list[str], line: int) -> None:
        columns = self.budget_columns
        assert columns is not None
        number = plain(cells[columns.number]) if columns.number is not None else ""
        if columns.number is not None and not _ITEM_NUMBER.fullmatch(number):
            # A total ("รวม") or a note, not an item: the sum is recomputed from the items.
            return
        if len(cells) < columns.width:
            raise ReportError(
                "แถวในตารางงบประมาณมีช่องไม่ครบ (ไฟล์อาจถูกตัดหรือเสียหาย)",
                "a budget table row has missing cells (the file may be truncated or damaged)",
                line=line,
            )
        number = to_arabic(number).rstrip(".")
        item = plain(cells[columns.item])
        amount = read_amount(plain(cells[columns.amount]), line)
        # The converter may repeat the whole table: an identical row is the same item, imported once.
        key = (number, match_key(item), amount)
        if key in self.budget_keys:
            self.budget_repeated = True
            return
        self.budget_keys.add(key)
        self.report.budget.append(ParsedBudgetItem(number, item, amount, line=line))


# Line and cell helpers -----------------------------------------------------------------------------------


def _cells(line: str) -> list[str] | None:
    """Split a table line into stripped cells, or return None for a line of running text."""
    if "\t" in line:
        return [cell.strip() for cell in line.split("\t")]
    stripped = line.strip()
    if stripped.startswith("|") and stripped.endswith("|") and stripped.count("|") >= 3:
        return [cell.strip() for cell in stripped[1:-1].split("|")]
    return None


def _header_role(cell: str) -> str | None:
    key = match_key(plain(cell))
    if len(key) > _HEADER_CELL_MAX or re.search(r"[0-9๐-๙]", key):
        # Header cells are short labels without numbers; data cells mention the same words at length.
        return None
    if key.startswith("ตัวชี้วัด"):
        return "indicator"
    if "ผู้รับผิดชอบ" in key:
        return "responsible"
    if "ผลลัพธ์" in key or "ความสำเร็จ" in key:
        return "outcome"
    if "สรุปผล" in key or "ผลการดำเนิน" in key:
        return "results"
    if "แนวทาง" in key or "วิธีการ" in key:
        return "approach"
    return None


def _measures_header(cells: list[str] | None) -> bool:
    if not cells:
        return False
    roles = [_header_role(cell) for cell in cells]
    return "indicator" in roles and "responsible" in roles and "approach" in roles


def _roles(cells: list[str]) -> tuple[str, ...]:
    """The roles of the cells after the indicator cell, in the header's order."""
    roles = [role for role in (_header_role(cell) for cell in cells) if role in ROLES]
    return tuple(dict.fromkeys(roles)) if set(roles) == set(ROLES) else ROLES


def _budget_header(cells: list[str] | None) -> bool:
    return bool(cells) and not _measures_header(cells) and budget_columns(cells or []) is not None


def _measure_title(cells: list[str]) -> tuple[int, str] | None:
    filled = [plain(cell) for cell in cells if cell.strip()]
    if len(filled) != 1:
        return None
    found = MEASURE_TITLE.match(filled[0])
    return (to_int(found.group(1)), normalise_space(found.group(2))) if found else None


def _indicator_label(cell: str) -> IndicatorLabel | None:
    if not cell.strip():
        return None
    label = read_indicator_label(plain(cell))
    if label is None or (label.indicator is None and label.written_number is None):
        return None
    return label


def _joined_assessment(cell: str) -> tuple[str, IndicatorLabel] | None:
    """An indicator cell that opens with its assessment tool ("IIT ตัวชี้วัดที่ ๑ …"): (tool, label)."""
    text = plain(cell)
    word, _, rest = text.partition(" ")
    if word.upper() not in ASSESSMENTS or not rest.strip():
        return None
    label = _indicator_label(rest)
    return (word.upper(), label) if label is not None else None


def _action_key(action: ParsedAction) -> tuple:
    """Every cell of an action: two actions with the same key are the same row read twice."""
    responsible = action.responsible if isinstance(action.responsible, str) else tuple(action.responsible)
    return (to_arabic(action.number), action.text, responsible, action.results, action.outcome)


def _quote(text: str) -> str:
    text = normalise_space(text)
    return text if len(text) <= _QUOTE_MAX else f"{text[:_QUOTE_MAX]}…"
