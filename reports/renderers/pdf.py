"""The official report as PDF: fpdf2 with HarfBuzz text shaping and the Sarabun font embedded.

Lines are broken by us, between Thai words (reports.thai), and handed to fpdf2 already wrapped, so that
fpdf2 never cuts a word or separates a vowel or tone mark from its consonant.
"""

from __future__ import annotations

from pathlib import Path

import fontpkg_sarabun
from fpdf import FPDF
from fpdf.enums import Align, TableCellFillMode, VAlign
from fpdf.fonts import FontFace

from approvals import thaidate
from reports import official, thai
from reports.assembly import ReportData, Signature

FONT_DIR = Path(fontpkg_sarabun.__file__).parent / "files"
FONT = "Sarabun"
MM_PER_PT = 25.4 / 72
# Thai stacks vowels and tone marks above and below the line: give lines room.
LINE_SPACING = 1.5
TABLE_SIZE = 10.5
BODY_SIZE = 13
PADDING = 1.5
# Landscape A4 between 15 mm margins is 267 mm wide.
COLUMN_WIDTHS = (42, 62, 30, 66.5, 66.5)
BUDGET_WIDTHS = (14, 143, 36, 37, 37)
HEADING_FILL = (230, 235, 241)
MEASURE_FILL = (245, 247, 250)


class ReportPDF(FPDF):
    def __init__(self) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.add_font(FONT, "", FONT_DIR / "Sarabun-Regular.ttf")
        self.add_font(FONT, "B", FONT_DIR / "Sarabun-Bold.ttf")
        self.set_text_shaping(True)
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(True, margin=15)
        self.c_margin = 0

    def footer(self) -> None:
        if self.page_no() == 1:
            return
        self.set_y(-11)
        self.set_font(FONT, "", 9)
        # No page total: fpdf2's total-pages alias does not survive text shaping.
        self.cell(0, 5, official.PAGE.format(page=thaidate.thai_digits(self.page_no())), align="R")

    def line_height(self, size: float) -> float:
        return size * MM_PER_PT * LINE_SPACING

    def wrapped(self, text: str, width: float) -> list[str]:
        """`text` broken into lines that fit `width` mm in the current font."""
        return thai.wrap(text, width - 0.3, self.get_string_width)

    def paragraph(self, text: str, size: float = BODY_SIZE, style: str = "", align: str = "L", indent: float = 0):
        self.set_font(FONT, style, size)
        width = self.epw
        lines = self.wrapped(text, width - indent)
        for index, line in enumerate(lines):
            self.set_x(self.l_margin + (indent if index == 0 else 0))
            self.cell(width - (indent if index == 0 else 0), self.line_height(size), line, align=align)
            self.ln()


def render_pdf(data: ReportData) -> bytes:
    pdf = ReportPDF()
    pdf.set_title(data.title)
    pdf.set_author(data.agency)
    pdf.set_subject(data.round_title)
    pdf.set_lang("th")
    pdf.set_creator("Khunatham")
    _cover(pdf, data)
    pdf.add_page(orientation="L")
    for line in data.heading_lines():
        pdf.paragraph(line, size=15, style="B", align="C")
    pdf.ln(3)
    pdf.paragraph(data.introduction(), indent=12)
    pdf.ln(3)
    for measure in data.measures:
        _measure_table(pdf, measure)
        pdf.ln(4)
    _budget_table(pdf, data)
    _signatures(pdf, data.signatures)
    return bytes(pdf.output())


def _cover(pdf: ReportPDF, data: ReportData) -> None:
    pdf.add_page(orientation="P")
    pdf.set_y(70)
    for line in data.cover_lines():
        if not line:
            pdf.ln(18)
            continue
        pdf.paragraph(line, size=22, style="B", align="C")


def _cell_lines(pdf: ReportPDF, text: str, width: float, style: str = "") -> list[str]:
    pdf.set_font(FONT, style, TABLE_SIZE)
    return pdf.wrapped(text, width - 2 * PADDING)


def _table(pdf: ReportPDF, widths: tuple[float, ...], heading_rows: int):
    return pdf.table(
        col_widths=widths,
        width=sum(widths),
        line_height=pdf.line_height(TABLE_SIZE),
        text_align="LEFT",
        v_align=VAlign.T,
        padding=PADDING,
        num_heading_rows=heading_rows,
        first_row_as_headings=True,
        headings_style=FontFace(emphasis="BOLD", fill_color=HEADING_FILL),
        cell_fill_mode=TableCellFillMode.NONE,
        repeat_headings=1,
    )


# A row's cells as paragraphs of wrapped lines. The first three columns are one paragraph each and stay
# whole; the results and outcome columns have one paragraph per division and may go on over a page break
# between paragraphs, so that each text stays in one piece for readers and for text extraction.
Cells = list[list[list[str]]]
FIXED_COLUMNS = 3


def _measure_table(pdf: ReportPDF, measure) -> None:
    """The measure's table, drawn row by row: a long row fills the rest of the page and goes on under
    repeated headings on the next (fpdf2 itself would move a row that does not fit whole to the next page)."""
    pdf.set_font(FONT, "", TABLE_SIZE)
    heading = [
        _cell_lines(pdf, title, width, "B") for title, width in zip(official.COLUMNS, COLUMN_WIDTHS, strict=True)
    ]
    measure_lines = _cell_lines(pdf, measure.label, sum(COLUMN_WIDTHS), "B")
    line = pdf.line_height(TABLE_SIZE)
    heading_height = (max(len(lines) for lines in heading) + len(measure_lines)) * line + 4 * PADDING

    def headings() -> None:
        with _table(pdf, COLUMN_WIDTHS, heading_rows=2) as table:
            row = table.row()
            for lines in heading:
                row.cell("\n".join(lines), align=Align.C, v_align=VAlign.M)
            row = table.row()
            row.cell("\n".join(measure_lines), colspan=len(COLUMN_WIDTHS), align=Align.L)

    def room() -> int:
        return int((pdf.page_break_trigger - pdf.get_y() - 2 * PADDING) // line)

    def new_page() -> None:
        pdf.add_page(orientation="L")
        headings()

    if room() * line < heading_height + 3 * line:
        pdf.add_page(orientation="L")
    headings()
    # The lines a row may take on a fresh page, under the headings.
    full_page = int((pdf.page_break_trigger - pdf.t_margin - heading_height - 2 * PADDING) // line)
    for indicator in measure.indicators:
        label = f"{indicator.assessment} {indicator.label}" if indicator.assessment else indicator.label
        for index, action in enumerate(indicator.actions or [None]):
            first = label if index == 0 else ""
            if action is None:
                columns = [[first], [official.NO_DIVISION], [], [], []]
            else:
                columns = [
                    [first],
                    [action.label],
                    [action.responsible],
                    action.parts("results"),
                    action.parts("outcome"),
                ]
            cells = [
                [_cell_lines(pdf, part, width) for part in parts]
                for parts, width in zip(columns, COLUMN_WIDTHS, strict=True)
            ]
            while True:
                if _height(cells) <= room():
                    _row(pdf, cells)
                    break
                head, rest = _split(cells, room(), full_page)
                if head is not None:
                    _row(pdf, head)
                    cells = rest
                new_page()


def _height(cells: Cells) -> int:
    return max((sum(len(paragraph) for paragraph in cell) for cell in cells), default=0)


def _split(cells: Cells, room: int, full_page: int) -> tuple[Cells | None, Cells]:
    """What of a row fits in `room` lines, and what goes on; (None, cells) when nothing worth drawing fits."""
    if max(sum(len(p) for p in cell) for cell in cells[:FIXED_COLUMNS]) > room or room < 3:
        return None, cells
    head: Cells = [cell for cell in cells[:FIXED_COLUMNS]]
    rest: Cells = [[] for _ in range(FIXED_COLUMNS)]
    for cell in cells[FIXED_COLUMNS:]:
        taken, used = [], 0
        for paragraph in cell:
            if used + len(paragraph) > room:
                break
            taken.append(paragraph)
            used += len(paragraph)
        if not taken and cell and len(cell[0]) > full_page:
            # A single division's text longer than a whole page: cut it between lines, there is no choice.
            taken, remainder = [cell[0][:room]], [cell[0][room:], *cell[1:]]
        else:
            remainder = cell[len(taken) :]
        head.append(taken)
        rest.append(remainder)
    if not any(head[FIXED_COLUMNS:]) and any(cells[FIXED_COLUMNS:]):
        return None, cells
    return head, rest


def _row(pdf: ReportPDF, cells: Cells) -> None:
    with pdf.table(
        col_widths=COLUMN_WIDTHS,
        width=sum(COLUMN_WIDTHS),
        line_height=pdf.line_height(TABLE_SIZE),
        text_align="LEFT",
        v_align=VAlign.T,
        padding=PADDING,
        first_row_as_headings=False,
        num_heading_rows=0,
    ) as table:
        row = table.row()
        for cell in cells:
            row.cell("\n".join(line for paragraph in cell for line in paragraph))


def _money(amount) -> str:
    return f"{amount:,.2f}"


def _budget_table(pdf: ReportPDF, data: ReportData) -> None:
    pdf.set_font(FONT, "B", BODY_SIZE)
    if pdf.will_page_break(pdf.line_height(BODY_SIZE) + 4 * pdf.line_height(TABLE_SIZE)):
        pdf.add_page(orientation="L")
    pdf.paragraph(official.BUDGET_HEADING, style="B")
    if not data.budget:
        pdf.paragraph(official.NO_BUDGET)
        return
    with _table(pdf, BUDGET_WIDTHS, heading_rows=1) as table:
        row = table.row()
        for title, width in zip(official.BUDGET_COLUMNS, BUDGET_WIDTHS, strict=True):
            row.cell("\n".join(_cell_lines(pdf, title, width, "B")), align=Align.C)
        for line in data.budget:
            row = table.row()
            row.cell(thaidate.thai_digits(line.number), align=Align.C)
            row.cell("\n".join(_cell_lines(pdf, line.item, BUDGET_WIDTHS[1])))
            for amount in (line.amount, line.spent, line.remaining):
                row.cell(_money(amount), align=Align.R)
        amount, spent, remaining = data.budget_total()
        row = table.row()
        row.cell(official.BUDGET_TOTAL, colspan=2, align=Align.R, style=FontFace(emphasis="BOLD"))
        for value in (amount, spent, remaining):
            row.cell(_money(value), align=Align.R, style=FontFace(emphasis="BOLD"))


def _signatures(pdf: ReportPDF, signatures: list[Signature]) -> None:
    size = BODY_SIZE
    line = pdf.line_height(size)
    blocks = [signature.lines() for signature in signatures]
    height = max(len(lines) for lines in blocks) * line + 12
    pdf.ln(8)
    if pdf.will_page_break(height):
        pdf.add_page(orientation="L")
    width = pdf.epw / len(blocks)
    top = pdf.get_y()
    pdf.set_font(FONT, "", size)
    for column, lines in enumerate(blocks):
        y = top
        for text in lines:
            for part in pdf.wrapped(text, width - 4):
                pdf.set_xy(pdf.l_margin + column * width, y)
                pdf.cell(width, line, part, align="C")
                y += line
    pdf.set_y(top + height)
