"""The official report as an Excel workbook (openpyxl): one sheet for the measures, one for the budget.

Excel does not grow rows to fit wrapped text when a file opens, so row heights are set here, and never
above Excel's limit of 409 points: an action whose text needs more goes on over continuation rows, its
first three columns merged down over them and its results split between paragraphs (or lines), so that
it still reads as one entry. Amounts are numbers in a baht format and totals are formulas.
"""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.drawing.image import Image
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from approvals import spreadsheets
from reports import official
from reports.assembly import ReportData
from reports.verification import qr_png

FONT = "Sarabun"
COLUMN_WIDTHS = (28, 45, 18, 50, 50)
BUDGET_WIDTHS = (8, 60, 18, 18, 18)
THIN = Side(style="thin", color="808080")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADING_FILL = PatternFill("solid", fgColor="E6EBF1")
WRAP = Alignment(wrap_text=True, vertical="top")
CENTER = Alignment(wrap_text=True, vertical="center", horizontal="center")
# Excel does not grow rows to fit wrapped text when the file is opened, so we set heights ourselves.
POINTS_PER_LINE = 17
CHARACTERS_PER_WIDTH_UNIT = 1.15
# Excel's largest row height.
MAX_ROW_POINTS = 409
MAX_LINES = (MAX_ROW_POINTS - 2) // POINTS_PER_LINE
BAHT = '#,##0.00" บาท"'


def render_xlsx(data: ReportData) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)  # a new workbook's one sheet
    sheet.title = "รายงานผล"
    _measures_sheet(sheet, data)
    _budget_sheet(workbook.create_sheet("งบประมาณ"), data)
    workbook.properties.title = data.title
    workbook.properties.creator = data.agency
    workbook.properties.subject = data.round_title
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _font(size: float = 12, bold: bool = False) -> Font:
    return Font(name=FONT, size=size, bold=bold)


def _page_setup(sheet: Worksheet, widths: tuple[float, ...]) -> None:
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    # A new worksheet has both (openpyxl's stubs allow None).
    assert sheet.sheet_properties.pageSetUpPr is not None
    assert sheet.oddFooter is not None and sheet.oddFooter.right is not None
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.oddFooter.right.text = "หน้า &P/&N"


def _lines_needed(text: str, width: float) -> int:
    return sum(_line_count(line, width) for line in text.split("\n"))


def _line_count(line: str, width: float) -> int:
    characters = max(int(width * CHARACTERS_PER_WIDTH_UNIT), 1)
    # Thai vowels and tone marks above and below take no width of their own.
    visible = len([c for c in line if not ("\u0e31" <= c <= "\u0e3a" or "\u0e47" <= c <= "\u0e4e")])
    return max(1, -(-visible // characters))


def _chunks(parts: list[str], width: float) -> list[str]:
    """`parts` (one per division) as texts that each fit in one row, split between lines (and, for a single
    line longer than a row, between words)."""
    pieces: list[str] = []
    for part in parts:
        for line in part.split("\n"):
            words, current = line.split(" "), ""
            for word in words:
                candidate = f"{current} {word}" if current else word
                if current and _line_count(candidate, width) > MAX_LINES:
                    pieces.append(current)
                    current = word
                else:
                    current = candidate
            pieces.append(current)
    chunks: list[str] = []
    chunk: list[str] = []
    for piece in pieces:
        grown = [*chunk, piece]
        if chunk and _lines_needed("\n".join(grown), width) > MAX_LINES:
            chunks.append("\n".join(chunk))
            chunk = [piece]
        else:
            chunk = grown
    if chunk:
        chunks.append("\n".join(chunk))
    return chunks or [""]


def _write_row(
    sheet: Worksheet, row: int, values: list, widths: tuple[float, ...], *, bold=False, fill=None, align=WRAP
) -> None:
    lines = 1
    for column, value in enumerate(values, start=1):
        # Text from the plan and from people (results, outcomes) never becomes a live formula.
        cell = spreadsheets.xlsx_cell(sheet, row=row, column=column, value=value)
        cell.font = _font(bold=bold)
        cell.alignment = align
        cell.border = BORDER
        if fill is not None:
            cell.fill = fill
        if isinstance(value, str):
            lines = max(lines, _lines_needed(value, widths[column - 1]))
    sheet.row_dimensions[row].height = min(lines * POINTS_PER_LINE, MAX_ROW_POINTS)


def _title(sheet: Worksheet, row: int, text: str, columns: int, *, size: float = 14, bold: bool = True) -> None:
    sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=columns)
    cell = spreadsheets.xlsx_cell(sheet, row=row, column=1, value=text)
    cell.font = _font(size=size, bold=bold)
    cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _measures_sheet(sheet: Worksheet, data: ReportData) -> None:
    _page_setup(sheet, COLUMN_WIDTHS)
    columns = len(COLUMN_WIDTHS)
    first, *others = data.heading_lines()
    _title(sheet, 1, first, columns, size=16)
    _title(sheet, 2, " ".join([*others, data.place]).strip(), columns)
    sheet.merge_cells(start_row=3, start_column=1, end_row=3, end_column=columns)
    intro = spreadsheets.xlsx_cell(sheet, row=3, column=1, value=data.introduction())
    intro.font = _font()
    intro.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.row_dimensions[3].height = min(
        _lines_needed(data.introduction(), sum(COLUMN_WIDTHS)) * POINTS_PER_LINE, MAX_ROW_POINTS
    )
    row = 5
    _write_row(sheet, row, list(official.COLUMNS), COLUMN_WIDTHS, bold=True, fill=HEADING_FILL, align=CENTER)
    sheet.print_title_rows = f"{row}:{row}"
    sheet.freeze_panes = sheet.cell(row=row + 1, column=1).coordinate
    row += 1
    for measure in data.measures:
        _write_row(sheet, row, [measure.label, "", "", "", ""], COLUMN_WIDTHS, bold=True, fill=HEADING_FILL)
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=columns)
        sheet.row_dimensions[row].height = min(
            _lines_needed(measure.label, sum(COLUMN_WIDTHS)) * POINTS_PER_LINE, MAX_ROW_POINTS
        )
        row += 1
        for indicator in measure.indicators:
            label = f"{indicator.assessment} {indicator.label}" if indicator.assessment else indicator.label
            for index, action in enumerate(indicator.actions or [None]):
                first = label if index == 0 else ""
                if action is None:
                    _write_row(sheet, row, [first, official.NO_DIVISION, "", "", ""], COLUMN_WIDTHS)
                    row += 1
                    continue
                results = _chunks(action.parts("results"), COLUMN_WIDTHS[3])
                outcomes = _chunks(action.parts("outcome"), COLUMN_WIDTHS[4])
                count = max(len(results), len(outcomes))
                for part in range(count):
                    values = [first, action.label, action.responsible] if part == 0 else ["", "", ""]
                    values += [
                        results[part] if part < len(results) else "",
                        outcomes[part] if part < len(outcomes) else "",
                    ]
                    _write_row(sheet, row + part, values, COLUMN_WIDTHS)
                if count > 1:
                    # One entry over several rows: its first three columns merged down over them.
                    for column in (1, 2, 3):
                        sheet.merge_cells(
                            start_row=row, start_column=column, end_row=row + count - 1, end_column=column
                        )
                row += count
    row += 1
    # Three signature blocks side by side, across columns A-B, C and D-E.
    for (left, right), signature in zip(((1, 2), (3, 3), (4, 5)), data.signatures, strict=False):
        if right > left:
            sheet.merge_cells(start_row=row, start_column=left, end_row=row, end_column=right)
        cell = spreadsheets.xlsx_cell(sheet, row=row, column=left, value="\n".join(signature.lines()))
        cell.font = _font()
        cell.alignment = Alignment(wrap_text=True, horizontal="center", vertical="top")
    sheet.row_dimensions[row].height = max(len(s.lines()) for s in data.signatures) * POINTS_PER_LINE + 6
    if data.verification_url:
        row += 2
        image = Image(io.BytesIO(qr_png(data.verification_url, scale=3)))
        sheet.add_image(image, f"A{row}")
        sheet.merge_cells(start_row=row, start_column=2, end_row=row, end_column=columns)
        cell = sheet.cell(row=row, column=2, value=data.verification_text())
        cell.font = _font(size=10)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        cell.hyperlink = data.verification_url
        sheet.row_dimensions[row].height = max(image.height * 0.75, 2 * POINTS_PER_LINE)


def _budget_sheet(sheet: Worksheet, data: ReportData) -> None:
    _page_setup(sheet, BUDGET_WIDTHS)
    _title(sheet, 1, official.BUDGET_HEADING, len(BUDGET_WIDTHS))
    _title(sheet, 2, f"{data.title} {data.round_title}", len(BUDGET_WIDTHS), size=12, bold=False)
    if not data.budget:
        sheet.cell(row=4, column=1, value=official.NO_BUDGET).font = _font()
        return
    row = 4
    _write_row(sheet, row, list(official.BUDGET_COLUMNS), BUDGET_WIDTHS, bold=True, fill=HEADING_FILL, align=CENTER)
    sheet.print_title_rows = f"{row}:{row}"
    first = row + 1
    for line in data.budget:
        row += 1
        values = [data.number(line.number), line.item, line.amount, line.spent, f"=C{row}-D{row}"]
        _write_row(sheet, row, values, BUDGET_WIDTHS)
        for column in (3, 4, 5):
            sheet.cell(row=row, column=column).number_format = BAHT
    last, row = row, row + 1
    totals = [f"=SUM({letter}{first}:{letter}{last})" for letter in "CDE"]
    _write_row(sheet, row, [official.BUDGET_TOTAL, "", *totals], BUDGET_WIDTHS, bold=True)
    sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
    sheet.cell(row=row, column=1).alignment = Alignment(horizontal="right", vertical="top")
    for column in (3, 4, 5):
        sheet.cell(row=row, column=column).number_format = BAHT
