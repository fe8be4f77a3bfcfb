"""The official report as a Word document (python-docx), in the Sarabun font.

Word treats Thai as a complex script: the font, size and bold of Thai text are the `cs` variants
(w:rFonts/@w:cs, w:szCs, w:bCs), so every style and run sets both.
"""

from __future__ import annotations

import io

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt, RGBColor

from approvals import thaidate
from reports import official
from reports.assembly import ReportData

FONT = "Sarabun"
BODY_SIZE = 14
TABLE_SIZE = 12
# Landscape A4 between 1.5 cm margins leaves 26.7 cm.
COLUMN_WIDTHS_CM = (4.2, 6.2, 3.0, 6.65, 6.65)
BUDGET_WIDTHS_CM = (1.4, 14.3, 3.6, 3.7, 3.7)
HEADING_FILL = "E6EBF1"


def render_docx(data: ReportData) -> bytes:
    document = Document()
    _base_style(document)
    properties = document.core_properties
    properties.title = data.title
    properties.author = data.agency
    properties.subject = data.round_title
    properties.language = "th-TH"

    section = document.sections[0]
    _page(section, landscape=False)
    for _ in range(6):
        document.add_paragraph()
    for line in data.cover_lines():
        _paragraph(document, line, size=22, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)

    section = document.add_section()
    _page(section, landscape=True)
    _page_number_footer(section)
    for line in data.heading_lines():
        _paragraph(document, line, size=16, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    intro = _paragraph(document, data.introduction(), align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    intro.paragraph_format.first_line_indent = Cm(1.25)

    for measure in data.measures:
        _measure_table(document, measure)
        document.add_paragraph()
    _budget_table(document, data)
    _signatures(document, data)

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# w:rPr children must keep the schema's order; these are the successors of the ones we insert.
_AFTER_SZ_CS = (
    "w:highlight",
    "w:u",
    "w:effect",
    "w:bdr",
    "w:shd",
    "w:fitText",
    "w:vertAlign",
    "w:rtl",
    "w:cs",
    "w:em",
    "w:lang",
    "w:eastAsianLayout",
    "w:specVanish",
    "w:oMath",
)
_AFTER_LANG = ("w:eastAsianLayout", "w:specVanish", "w:oMath")


def _fonts(element, size: float | None = None, bold: bool = False) -> None:
    """Set Sarabun for every script, and the complex-script size and bold that Thai text uses."""
    r_pr = element.get_or_add_rPr()
    fonts = r_pr.get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attribute), FONT)
    if bold:
        r_pr.get_or_add_bCs()
    if size is not None and r_pr.find(qn("w:szCs")) is None:
        size_cs = OxmlElement("w:szCs")
        size_cs.set(qn("w:val"), str(int(size * 2)))
        r_pr.insert_element_before(size_cs, *_AFTER_SZ_CS)
    if r_pr.find(qn("w:lang")) is None:
        language = OxmlElement("w:lang")
        language.set(qn("w:bidi"), "th-TH")
        r_pr.insert_element_before(language, *_AFTER_LANG)


def _base_style(document) -> None:
    normal = document.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(BODY_SIZE)
    _fonts(normal.element, BODY_SIZE)
    normal.paragraph_format.space_after = Pt(0)


def _page(section, *, landscape: bool) -> None:
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (Mm(297), Mm(210)) if landscape else (Mm(210), Mm(297))
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(1.5))


def _run(paragraph, text: str, *, size: float, bold: bool = False):
    run = paragraph.add_run(text)
    run.font.size = Pt(size)
    run.font.bold = bold
    _fonts(run._element, size, bold)
    return run


def _paragraph(container, text: str, *, size: float = BODY_SIZE, bold: bool = False, align=None):
    paragraph = container.add_paragraph()
    if align is not None:
        paragraph.alignment = align
    for index, line in enumerate(text.split("\n")):
        if index:
            paragraph.add_run().add_break(WD_BREAK.LINE)
        _run(paragraph, line, size=size, bold=bold)
    return paragraph


def _cell_text(cell, text: str, *, bold: bool = False, align=None, size: float = TABLE_SIZE) -> None:
    """Fill a cell, one paragraph per line of `text`."""
    lines = text.split("\n") if text else [""]
    first = cell.paragraphs[0]
    for index, line in enumerate(lines):
        paragraph = first if index == 0 else cell.add_paragraph()
        if align is not None:
            paragraph.alignment = align
        _run(paragraph, line, size=size, bold=bold)


def _shade(cell, fill: str) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shading)


def _repeat_as_heading(row) -> None:
    heading = OxmlElement("w:tblHeader")
    heading.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(heading)


def _new_table(document, widths_cm: tuple[float, ...]):
    table = document.add_table(rows=0, cols=len(widths_cm))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    return table


def _add_row(table, widths_cm: tuple[float, ...]):
    row = table.add_row()
    for cell, width in zip(row.cells, widths_cm, strict=True):
        cell.width = Cm(width)
    return row


def _measure_table(document, measure) -> None:
    table = _new_table(document, COLUMN_WIDTHS_CM)
    heading = _add_row(table, COLUMN_WIDTHS_CM)
    _repeat_as_heading(heading)
    for cell, title in zip(heading.cells, official.COLUMNS, strict=True):
        _cell_text(cell, title, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
        _shade(cell, HEADING_FILL)
    title_row = _add_row(table, COLUMN_WIDTHS_CM)
    _repeat_as_heading(title_row)
    merged = title_row.cells[0].merge(title_row.cells[-1])
    _cell_text(merged, measure.label, bold=True)
    for indicator in measure.indicators:
        label = f"{indicator.assessment} {indicator.label}" if indicator.assessment else indicator.label
        for index, action in enumerate(indicator.actions or [None]):
            cells = _add_row(table, COLUMN_WIDTHS_CM).cells
            _cell_text(cells[0], label if index == 0 else "")
            if action is None:
                _cell_text(cells[1], official.NO_DIVISION)
                continue
            _cell_text(cells[1], action.label)
            _cell_text(cells[2], action.responsible)
            _cell_text(cells[3], action.results_text())
            _cell_text(cells[4], action.outcome_text())


def _budget_table(document, data: ReportData) -> None:
    _paragraph(document, official.BUDGET_HEADING, bold=True)
    if not data.budget:
        _paragraph(document, official.NO_BUDGET)
        return
    table = _new_table(document, BUDGET_WIDTHS_CM)
    heading = _add_row(table, BUDGET_WIDTHS_CM)
    _repeat_as_heading(heading)
    for cell, title in zip(heading.cells, official.BUDGET_COLUMNS, strict=True):
        _cell_text(cell, title, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
        _shade(cell, HEADING_FILL)
    for line in data.budget:
        cells = _add_row(table, BUDGET_WIDTHS_CM).cells
        _cell_text(cells[0], thaidate.thai_digits(line.number), align=WD_ALIGN_PARAGRAPH.CENTER)
        _cell_text(cells[1], line.item)
        for cell, amount in zip(cells[2:], (line.amount, line.spent, line.remaining), strict=True):
            _cell_text(cell, f"{amount:,.2f}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    cells = _add_row(table, BUDGET_WIDTHS_CM).cells
    total = cells[0].merge(cells[1])
    _cell_text(total, official.BUDGET_TOTAL, bold=True, align=WD_ALIGN_PARAGRAPH.RIGHT)
    for cell, amount in zip(cells[2:], data.budget_total(), strict=True):
        _cell_text(cell, f"{amount:,.2f}", bold=True, align=WD_ALIGN_PARAGRAPH.RIGHT)


def _signatures(document, data: ReportData) -> None:
    document.add_paragraph()
    table = document.add_table(rows=1, cols=len(data.signatures))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, signature in zip(table.rows[0].cells, data.signatures, strict=True):
        _cell_text(cell, "\n".join(signature.lines()), align=WD_ALIGN_PARAGRAPH.CENTER, size=BODY_SIZE)
    # Keep the signatures together on one page.
    for cell in table.rows[0].cells:
        for paragraph in cell.paragraphs:
            paragraph.paragraph_format.keep_with_next = True
    cant_split = OxmlElement("w:cantSplit")
    table.rows[0]._tr.get_or_add_trPr().append(cant_split)


def _page_number_footer(section) -> None:
    section.footer.is_linked_to_previous = False
    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _run(paragraph, "หน้า ", size=10)
    run = _run(paragraph, "", size=10)
    begin, instruction, end = OxmlElement("w:fldChar"), OxmlElement("w:instrText"), OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    instruction.set(qn("xml:space"), "preserve")
    instruction.text = "PAGE"
    end.set(qn("w:fldCharType"), "end")
    for element in (begin, instruction, end):
        run._r.append(element)
    run.font.color.rgb = RGBColor(0x33, 0x33, 0x33)
