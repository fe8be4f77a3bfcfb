"""The official report as PDF: fpdf2 with HarfBuzz text shaping and the Sarabun font embedded.

Lines are broken by us, between Thai words (reports.thai), and every line is drawn once, inside a
replacement-text span that holds it as written (reports.renderers.pdf_text explains why), so that what
readers extract is exactly the Thai that was written. Tables are drawn here rather than with fpdf2's
`table()`, which lays every cell out again: the text is already wrapped, so a row is only rectangles and
lines, and each word is measured once per font (the widths are cached).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import fontpkg_sarabun
from fpdf import FPDF
from fpdf.enums import PDFResourceType

from reports import official, thai
from reports.assembly import ReportData
from reports.renderers.pdf_text import SHAPING, ReportOutput, ShapedRun, ShapedTextFont, actual_text
from reports.verification import qr_matrix

FONT_DIR = Path(fontpkg_sarabun.__file__).parent / "files"
FONT = "sarabun"
MM_PER_PT = 25.4 / 72
# Thai stacks vowels and tone marks above and below the line: give lines room.
# 1.45 rather than 1.5: pdfminer.six joins lines into one text block only when the gap between them is under half
# the font size, and a table cell must read as one block.
LINE_SPACING = 1.45
TABLE_SIZE = 10.5
BODY_SIZE = 13
PADDING = 1.5
MARGIN = 15
# Landscape A4 between 15 mm margins is 267 mm wide.
COLUMN_WIDTHS = (42, 62, 30, 66.5, 66.5)
BUDGET_WIDTHS = (14, 143, 36, 37, 37)
HEADING_FILL = (230, 235, 241)
QR_SIZE = 24
# Budget rows kept on the page of the total and the signatures, so that these never stand alone.
ROWS_KEPT_WITH_SIGNATURES = 2

# fontTools logs every glyph of every subset at INFO: thousands of lines per report in the worker's log.
logging.getLogger("fontTools").setLevel(logging.WARNING)


class ReportPDF(FPDF):
    def __init__(self, data: ReportData) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.data = data
        for style, name in (("", "Sarabun-Regular.ttf"), ("B", "Sarabun-Bold.ttf")):
            # Registered directly rather than through add_font(), to use the font class that keeps the text.
            self.fonts[FONT + style] = ShapedTextFont(self, FONT_DIR / name, FONT + style, style)
        self.set_text_shaping(True)
        self.set_margins(MARGIN, MARGIN, MARGIN)
        # Page breaks are ours: a break inside a line would split its replacement-text span across pages.
        self.set_auto_page_break(False, margin=MARGIN)
        self.c_margin = 0
        self._widths: dict[tuple[str, float, str], float] = {}
        self._runs: dict[tuple[str, float, str], ShapedRun] = {}

    @property
    def bottom(self) -> float:
        return self.h - MARGIN

    def room(self) -> float:
        return self.bottom - self.get_y()

    def footer(self) -> None:
        if self.page_no() == 1:
            return
        self.set_font(FONT, "", 9)
        page = official.PAGE.format(page=self.data.number(self.page_no()))
        self.text_line(self.l_margin, self.h - 11, self.epw, 5, page, align="R")

    def line_height(self, size: float) -> float:
        return size * MM_PER_PT * LINE_SPACING

    def measure(self, text: str) -> float:
        """The printed width of `text` in the current font, in mm (cached: words repeat)."""
        font, size = self.current_font, self.font_size_pt
        assert isinstance(font, ShapedTextFont)  # the fonts registered in __init__, set before any text
        key = (font.fontkey, size, text)
        width = self._widths.get(key)
        if width is None:
            _infos, positions = font.perform_harfbuzz_shaping(text, size, SHAPING)
            advance = sum(position.x_advance for position in positions) * font.scale
            width = self._widths[key] = advance * size / 1000 / self.k
        return width

    def wrapped(self, text: str, width: float) -> list[str]:
        """`text` broken into lines that fit `width` mm in the current font."""
        return thai.wrap(text, width - 0.3, self.measure)

    def text_line(self, x: float, y: float, width: float, height: float, text: str, align: str = "L") -> None:
        """One line of text in the current font, black, in a box of `width` × `height` mm at (x, y), inside
        a span whose replacement text is the line as written (see reports.renderers.pdf_text)."""
        if not text:
            return
        font, size = self.current_font, self.font_size_pt
        assert isinstance(font, ShapedTextFont)  # the fonts registered in __init__, set before any text
        key = (font.fontkey, size, text)
        run = self._runs.get(key)
        if run is None:
            run = self._runs[key] = ShapedRun.shape(font, text, size)
        if align == "C":
            x += (width - run.width_pt / self.k) / 2
        elif align == "R":
            x += width - run.width_pt / self.k
        # The baseline where fpdf2's cell() puts it.
        baseline = y + 0.5 * height + 0.3 * self.font_size
        self._resource_catalog.add(PDFResourceType.FONT, font.i, self.page)
        position = f"{x * self.k:.2f} {(self.h - baseline) * self.k:.2f} Td"
        self._out(f"{actual_text(text)} q 0 g BT /F{font.i} {size:.2f} Tf {position} {run.operators} ET Q EMC")

    def paragraph(
        self, text: str, size: float = BODY_SIZE, style: str = "", align: str = "L", indent: float = 0
    ) -> None:
        self.set_font(FONT, style, size)
        height = self.line_height(size)
        for index, line in enumerate(self.wrapped(text, self.epw - indent)):
            if self.room() < height:
                self.add_page(orientation=self.cur_orientation.value)
            offset = indent if index == 0 else 0
            self.text_line(self.l_margin + offset, self.get_y(), self.epw - offset, height, line, align=align)
            self.set_y(self.get_y() + height)

    def output_bytes(self) -> bytes:
        return bytes(self.output(output_producer_class=ReportOutput))


def render_pdf(data: ReportData) -> bytes:
    pdf = ReportPDF(data)
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
    if data.score_analysis:
        pdf.paragraph(data.score_analysis, indent=12)
    pdf.ln(3)
    for measure in data.measures:
        _measure_table(pdf, measure)
        pdf.ln(4)
    _budget_and_signatures(pdf, data)
    return pdf.output_bytes()


def _cover(pdf: ReportPDF, data: ReportData) -> None:
    pdf.add_page(orientation="P")
    pdf.set_y(70)
    for line in data.cover_lines():
        if not line:
            pdf.ln(18)
            continue
        pdf.paragraph(line, size=22, style="B", align="C")


# A cell is a list of paragraphs, each a list of wrapped lines.
Cell = list[list[str]]


@dataclass
class Row:
    cells: list[Cell]
    style: str = ""
    fill: tuple[int, int, int] | None = None
    aligns: Sequence[str] = ()
    # Cells spanning several columns: (first column, number of columns) per cell, when not one each.
    spans: Sequence[int] = ()

    def lines(self) -> int:
        return max((sum(len(paragraph) for paragraph in cell) for cell in self.cells), default=0)

    def height(self, line: float) -> float:
        return self.lines() * line + 2 * PADDING


def _wrap_cell(pdf: ReportPDF, parts: Sequence[str], width: float, style: str = "") -> Cell:
    pdf.set_font(FONT, style, TABLE_SIZE)
    return [pdf.wrapped(part, width - 2 * PADDING) for part in parts]


def _draw_row(pdf: ReportPDF, row: Row, widths: Sequence[float], line: float) -> None:
    spans = row.spans or [1] * len(row.cells)
    height = row.height(line)
    x, top = pdf.l_margin, pdf.get_y()
    column = 0
    pdf.set_font(FONT, row.style, TABLE_SIZE)
    for index, (cell, span) in enumerate(zip(row.cells, spans, strict=True)):
        width = sum(widths[column : column + span])
        if row.fill:
            pdf.set_fill_color(*row.fill)
        pdf.rect(x, top, width, height, style="DF" if row.fill else "D")
        align = row.aligns[index] if row.aligns else "L"
        lines = [text for paragraph in cell for text in paragraph]
        # Headings are centred vertically; body cells start at the top.
        y = top + PADDING + ((height - 2 * PADDING - len(lines) * line) / 2 if row.fill else 0)
        for text in lines:
            pdf.text_line(x + PADDING, y, width - 2 * PADDING, line, text, align=align)
            y += line
        x += width
        column += span
    pdf.set_xy(pdf.l_margin, top + height)


# The first three columns of a measure row are one paragraph each and stay whole; the results and outcome
# columns have one paragraph per division and may go on over a page break between paragraphs, so that each
# text stays in one piece for readers and for text extraction.
FIXED_COLUMNS = 3


def _measure_table(pdf: ReportPDF, measure) -> None:
    """The measure's table, row by row: a long row fills the rest of the page and goes on under repeated
    headings on the next."""
    line = pdf.line_height(TABLE_SIZE)
    headings = [
        Row(
            [
                _wrap_cell(pdf, [title], width, "B")
                for title, width in zip(official.COLUMNS, COLUMN_WIDTHS, strict=True)
            ],
            style="B",
            fill=HEADING_FILL,
            aligns="CCCCC",
        ),
        Row([_wrap_cell(pdf, [measure.label], sum(COLUMN_WIDTHS), "B")], style="B", spans=[len(COLUMN_WIDTHS)]),
    ]
    heading_height = sum(row.height(line) for row in headings)

    def draw_headings() -> None:
        for row in headings:
            _draw_row(pdf, row, COLUMN_WIDTHS, line)

    if pdf.room() < heading_height + 3 * line + 2 * PADDING:
        pdf.add_page(orientation="L")
    draw_headings()
    # The lines a row may take on a fresh page, under the headings.
    full_page = int((pdf.bottom - pdf.t_margin - heading_height - 2 * PADDING) // line)
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
            cells = [_wrap_cell(pdf, parts, width) for parts, width in zip(columns, COLUMN_WIDTHS, strict=True)]
            while True:
                room = int((pdf.room() - 2 * PADDING) // line)
                row = Row(cells)
                if row.lines() <= room:
                    _draw_row(pdf, row, COLUMN_WIDTHS, line)
                    break
                head, rest = _split(cells, room, full_page)
                if head is not None:
                    _draw_row(pdf, Row(head), COLUMN_WIDTHS, line)
                    cells = rest
                pdf.add_page(orientation="L")
                draw_headings()


def _split(cells: list[Cell], room: int, full_page: int) -> tuple[list[Cell] | None, list[Cell]]:
    """What of a row fits in `room` lines, and what goes on; (None, cells) when nothing worth drawing fits."""
    if max(sum(len(p) for p in cell) for cell in cells[:FIXED_COLUMNS]) > room or room < 3:
        return None, cells
    head: list[Cell] = list(cells[:FIXED_COLUMNS])
    rest: list[Cell] = [[] for _ in range(FIXED_COLUMNS)]
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


def _budget_and_signatures(pdf: ReportPDF, data: ReportData) -> None:
    """The budget table, then the verification line and the signatures, which always share a page with the
    total and the last budget rows (or, without a budget, with the budget heading)."""
    line = pdf.line_height(TABLE_SIZE)
    body_line = pdf.line_height(BODY_SIZE)
    closing = _closing_height(pdf, data)
    heading = body_line + line
    if not data.budget:
        if pdf.room() < heading + closing:
            pdf.add_page(orientation="L")
        pdf.paragraph(official.BUDGET_HEADING, style="B")
        pdf.paragraph(official.NO_BUDGET)
        _closing(pdf, data)
        return
    header = Row(
        [
            _wrap_cell(pdf, [title], width, "B")
            for title, width in zip(official.BUDGET_COLUMNS, BUDGET_WIDTHS, strict=True)
        ],
        style="B",
        fill=HEADING_FILL,
        aligns="CCCCC",
    )
    rows = [
        Row(
            [
                [[data.number(item.number)]],
                _wrap_cell(pdf, [item.item], BUDGET_WIDTHS[1]),
                *([[data.money(amount)]] for amount in (item.amount, item.spent, item.remaining)),
            ],
            aligns="CLRRR",
        )
        for item in data.budget
    ]
    total = Row(
        [[[official.BUDGET_TOTAL]], *([[data.money(amount)]] for amount in data.budget_total())],
        style="B",
        aligns="RRRR",
        spans=[2, 1, 1, 1],
    )
    tail = max(len(rows) - ROWS_KEPT_WITH_SIGNATURES, 0)
    kept = sum(row.height(line) for row in rows[tail:]) + total.height(line) + closing
    if pdf.room() < body_line + header.height(line) + (rows[0].height(line) if tail else kept):
        pdf.add_page(orientation="L")
    pdf.paragraph(official.BUDGET_HEADING, style="B")
    _draw_row(pdf, header, BUDGET_WIDTHS, line)
    for index, row in enumerate(rows):
        needed = kept if index == tail else row.height(line)
        if index <= tail and pdf.room() < needed:
            pdf.add_page(orientation="L")
            _draw_row(pdf, header, BUDGET_WIDTHS, line)
        _draw_row(pdf, row, BUDGET_WIDTHS, line)
    _draw_row(pdf, total, BUDGET_WIDTHS, line)
    _closing(pdf, data)


def _signature_blocks(pdf: ReportPDF, data: ReportData) -> list[list[str]]:
    pdf.set_font(FONT, "", BODY_SIZE)
    width = pdf.epw / max(len(data.signatures), 1)
    return [
        [part for text in signature.lines() for part in pdf.wrapped(text, width - 4)] for signature in data.signatures
    ]


def _closing_height(pdf: ReportPDF, data: ReportData) -> float:
    blocks = _signature_blocks(pdf, data)
    signatures = max((len(lines) for lines in blocks), default=0) * pdf.line_height(BODY_SIZE)
    return 8 + signatures + 6 + max(QR_SIZE, 2 * pdf.line_height(9))


def _closing(pdf: ReportPDF, data: ReportData) -> None:
    """The signatures, then the verification line and its QR code, at the end of the last page."""
    line = pdf.line_height(BODY_SIZE)
    blocks = _signature_blocks(pdf, data)
    pdf.set_y(pdf.get_y() + 8)
    width = pdf.epw / max(len(blocks), 1)
    top = pdf.get_y()
    pdf.set_font(FONT, "", BODY_SIZE)
    for column, lines in enumerate(blocks):
        for row, text in enumerate(lines):
            pdf.text_line(pdf.l_margin + column * width, top + row * line, width, line, text, align="C")
    pdf.set_y(top + max((len(lines) for lines in blocks), default=0) * line + 6)
    if data.verification_url:
        _verification(pdf, data)


def _verification(pdf: ReportPDF, data: ReportData) -> None:
    top = pdf.get_y()
    matrix = qr_matrix(data.verification_url)
    module = QR_SIZE / len(matrix)
    pdf.set_fill_color(0, 0, 0)
    for y, cells in enumerate(matrix):
        x = 0
        while x < len(cells):
            if not cells[x]:
                x += 1
                continue
            run = x
            while run < len(cells) and cells[run]:
                run += 1
            pdf.rect(pdf.l_margin + x * module, top + y * module, (run - x) * module, module, style="F")
            x = run
    pdf.set_font(FONT, "", 9)
    line = pdf.line_height(9)
    left = pdf.l_margin + QR_SIZE + 4
    for index, text in enumerate(pdf.wrapped(data.verification_text(), pdf.epw - QR_SIZE - 4)):
        pdf.text_line(left, top + index * line, pdf.epw - QR_SIZE - 4, line, text)
    pdf.link(pdf.l_margin, top, QR_SIZE, QR_SIZE, data.verification_url)
