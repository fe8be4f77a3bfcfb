"""The official report as a Word document (python-docx), in TH Sarabun New, 16 pt, as Thai official
documents are written.

Word treats Thai as a complex script: the font, size and bold of Thai text are the `cs` variants
(w:rFonts/@w:cs, w:szCs, w:bCs), so every style and run sets both. The font table names the fallbacks
(TH Sarabun New, then TH SarabunPSK, then Sarabun) with their Thai character set, so a PC without the
first picks the next rather than any font with Thai glyphs. Every table carries its column widths in
its grid (w:tblGrid) as well as in its cells, with a fixed layout: LibreOffice lays tables out from the
grid, Word from the cells.
"""

from __future__ import annotations

import io

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt, RGBColor
from lxml import etree

from reports import official
from reports.assembly import ReportData
from reports.verification import qr_png

FONT = "TH Sarabun New"
# Each font's fallback, in order: the government's earlier font, then its open redesign (fontpkg-sarabun).
FALLBACKS = (("TH Sarabun New", "TH SarabunPSK"), ("TH SarabunPSK", "Sarabun"), ("Sarabun", ""))
BODY_SIZE = 16
TABLE_SIZE = 14
SIGNATURE_QR_CM = 2.5
# Landscape A4 between 1.5 cm margins leaves 26.7 cm.
COLUMN_WIDTHS_CM = (4.2, 6.2, 3.0, 6.65, 6.65)
BUDGET_WIDTHS_CM = (1.4, 14.3, 3.6, 3.7, 3.7)
HEADING_FILL = "E6EBF1"
# Rows up to this many lines (about two thirds of a landscape page at 14 pt) are kept whole on one page.
ROW_KEPT_WHOLE_LINES = 20
# Characters of Thai text per centimetre of column at the table size, marks not counted (an estimate).
CHARACTERS_PER_CM = 2.6


def _estimated_lines(text: str, width_cm: float) -> int:
    per_line = max(int(width_cm * CHARACTERS_PER_CM), 1)
    marks = set("\u0e31\u0e34\u0e35\u0e36\u0e37\u0e38\u0e39\u0e3a\u0e47\u0e48\u0e49\u0e4a\u0e4b\u0e4c\u0e4d\u0e4e")
    return sum(max(1, -(-len([c for c in line if c not in marks]) // per_line)) for line in text.split("\n"))


def render_docx(data: ReportData) -> bytes:
    document = Document()
    _base_style(document)
    _font_table(document)
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
    _page_number_footer(section, data)
    for line in data.heading_lines():
        _paragraph(document, line, size=16, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    intro = _paragraph(document, data.introduction(), align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    intro.paragraph_format.first_line_indent = Cm(1.25)
    if data.score_analysis:
        analysis = _paragraph(document, data.score_analysis, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
        analysis.paragraph_format.first_line_indent = Cm(1.25)

    for measure in data.measures:
        _measure_table(document, measure)
        document.add_paragraph()
    _budget_table(document, data)
    _signatures(document, data)
    _verification(document, data)

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


def _new_table(document, widths_cm: tuple[float, ...], *, style: str | None = "Table Grid"):
    table = document.add_table(rows=0, cols=len(widths_cm))
    if style:
        table.style = style
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _grid(table, widths_cm)
    return table


def _grid(table, widths_cm: tuple[float, ...]) -> None:
    """The column widths in the table's grid, its total width and a fixed layout (see the module's docstring)."""
    for column, width in zip(table._tbl.tblGrid.gridCol_lst, widths_cm, strict=True):
        column.w = Cm(width)
    properties = table._tbl.tblPr
    table_width = properties.find(qn("w:tblW"))
    if table_width is None:
        table_width = OxmlElement("w:tblW")
        properties.append(table_width)
    table_width.set(qn("w:w"), str(int(Cm(sum(widths_cm)).twips)))
    table_width.set(qn("w:type"), "dxa")
    layout = properties.find(qn("w:tblLayout"))
    if layout is None:
        layout = OxmlElement("w:tblLayout")
        properties.append(layout)
    layout.set(qn("w:type"), "fixed")


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
            row = _add_row(table, COLUMN_WIDTHS_CM)
            cells = row.cells
            _cell_text(cells[0], label if index == 0 else "")
            if action is None:
                _cell_text(cells[1], official.NO_DIVISION)
                continue
            texts = (action.label, action.responsible, action.results_text(), action.outcome_text())
            for cell, text in zip(cells[1:], texts, strict=True):
                _cell_text(cell, text)
            if max(_estimated_lines(text, width) for text, width in zip(texts, COLUMN_WIDTHS_CM[1:], strict=True)) <= (
                ROW_KEPT_WHOLE_LINES
            ):
                # A row that fits on a page is never split across two (a reader would meet half an entry).
                row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))


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
        _cell_text(cells[0], data.number(line.number), align=WD_ALIGN_PARAGRAPH.CENTER)
        _cell_text(cells[1], line.item)
        for cell, amount in zip(cells[2:], (line.amount, line.spent, line.remaining), strict=True):
            _cell_text(cell, data.money(amount), align=WD_ALIGN_PARAGRAPH.RIGHT)
    cells = _add_row(table, BUDGET_WIDTHS_CM).cells
    total = cells[0].merge(cells[1])
    _cell_text(total, official.BUDGET_TOTAL, bold=True, align=WD_ALIGN_PARAGRAPH.RIGHT)
    for cell, amount in zip(cells[2:], data.budget_total(), strict=True):
        _cell_text(cell, data.money(amount), bold=True, align=WD_ALIGN_PARAGRAPH.RIGHT)


SIGNATURE_WIDTHS_CM = (8.9, 8.9, 8.9)


def _signatures(document, data: ReportData) -> None:
    """Three signature blocks side by side, kept on the page of the budget table's end (keep with next)."""
    spacer = document.add_paragraph()
    spacer.paragraph_format.keep_with_next = True
    widths = SIGNATURE_WIDTHS_CM[: len(data.signatures)]
    table = _new_table(document, widths, style=None)
    row = _add_row(table, widths)
    for cell, signature in zip(row.cells, data.signatures, strict=True):
        _cell_text(cell, "\n".join(signature.lines()), align=WD_ALIGN_PARAGRAPH.CENTER, size=BODY_SIZE)
    for cell in row.cells:
        for paragraph in cell.paragraphs:
            paragraph.paragraph_format.keep_with_next = True
    row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))


def _verification(document, data: ReportData) -> None:
    """The verification line beside a QR code of the public page's address."""
    if not data.verification_url:
        return
    widths = (SIGNATURE_QR_CM + 0.4, sum(SIGNATURE_WIDTHS_CM) - SIGNATURE_QR_CM - 0.4)
    table = _new_table(document, widths, style=None)
    row = _add_row(table, widths)
    row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
    row.cells[0].paragraphs[0].add_run().add_picture(
        io.BytesIO(qr_png(data.verification_url)), width=Cm(SIGNATURE_QR_CM)
    )
    _cell_text(row.cells[1], data.verification_text(), size=12)


def _font_table(document) -> None:
    """Declare the report's font and its fallbacks, with the Thai character set (see the module's docstring)."""
    font_table = None
    for relationship in document.part.rels.values():
        if relationship.reltype.endswith("/fontTable"):
            font_table = relationship.target_part
    if font_table is None:
        return
    root = parse_xml(font_table.blob)
    for name, fallback in FALLBACKS:
        for existing in root.findall(qn("w:font")):
            if existing.get(qn("w:name")) == name:
                root.remove(existing)
        font = OxmlElement("w:font")
        font.set(qn("w:name"), name)
        if fallback:
            alternative = OxmlElement("w:altName")
            alternative.set(qn("w:val"), fallback)
            font.append(alternative)
        for tag, value in (("w:charset", "DE"), ("w:family", "swiss"), ("w:pitch", "variable")):
            element = OxmlElement(tag)
            element.set(qn("w:val"), value)
            font.append(element)
        root.append(font)
    font_table._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _page_number_footer(section, data: ReportData) -> None:
    """หน้า N, N in Thai digits when THAI_DIGITS asks for them (Word's ThaiArabic field format)."""
    section.footer.is_linked_to_previous = False
    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _run(paragraph, "หน้า ", size=12)
    run = _run(paragraph, "", size=12)
    begin, instruction, end = OxmlElement("w:fldChar"), OxmlElement("w:instrText"), OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    instruction.set(qn("xml:space"), "preserve")
    instruction.text = " PAGE \\* ThaiArabic " if data.number(1) != "1" else " PAGE "
    end.set(qn("w:fldCharType"), "end")
    for element in (begin, instruction, end):
        run._r.append(element)
    run.font.color.rgb = RGBColor(0x33, 0x33, 0x33)
    if data.number(1) != "1":
        numbering = section._sectPr.find(qn("w:pgNumType"))
        if numbering is None:
            numbering = OxmlElement("w:pgNumType")
            section._sectPr.append(numbering)
        numbering.set(qn("w:fmt"), "thaiNumbers")
