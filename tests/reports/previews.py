"""Page images of the DOCX and XLSX reports, for a person to look at.

Neither Word nor LibreOffice is available here, so we draw a preview of our own: the document's own
paragraphs, tables, merged cells, alignment and bold, read back with python-docx/openpyxl, laid out as
HTML in the Sarabun font and photographed by headless Chromium. It shows what the files hold and how the
Thai text shapes, not Word's or Excel's exact pagination.
"""

from __future__ import annotations

import io
from html import escape
from pathlib import Path

import fontpkg_sarabun
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph
from openpyxl import load_workbook

from tests.browser import Chromium
from tests.reports.checks import ARTIFACTS

FONT_DIR = Path(fontpkg_sarabun.__file__).parent / "files"
STYLE = f"""
@font-face {{ font-family: Sarabun; src: url("file://{FONT_DIR}/Sarabun-Regular.ttf"); }}
@font-face {{ font-family: Sarabun; font-weight: 700; src: url("file://{FONT_DIR}/Sarabun-Bold.ttf"); }}
body {{ font-family: Sarabun; font-size: 12pt; width: 1050px; margin: 24px; }}
table {{ border-collapse: collapse; width: 100%; margin: 8px 0; }}
td {{ border: 1px solid #777; padding: 3px 5px; vertical-align: top; }}
table.plain td {{ border: 0; }}
p {{ margin: 0; }}
"""
_ALIGN = {WD_ALIGN_PARAGRAPH.CENTER: "center", WD_ALIGN_PARAGRAPH.RIGHT: "right", WD_ALIGN_PARAGRAPH.JUSTIFY: "justify"}


def _paragraph_html(paragraph) -> str:
    runs = "".join(f"<b>{escape(run.text)}</b>" if run.bold else escape(run.text) for run in paragraph.runs).replace(
        "\n", "<br>"
    )
    align = _ALIGN.get(paragraph.alignment, "left")
    return f'<p style="text-align:{align}">{runs or "&nbsp;"}</p>'


def docx_preview_html(content: bytes) -> str:
    document = Document(io.BytesIO(content))
    body = []
    for element in document.element.body.iterchildren():
        if element.tag == qn("w:p"):
            body.append(_paragraph_html(Paragraph(element, document)))
        elif element.tag == qn("w:tbl"):
            table = Table(element, document)
            has_borders = table.style is not None and table.style.name == "Table Grid"
            rows = []
            for row in table.rows:
                cells = []
                for tc in row._tr.tc_lst:
                    span = tc.grid_span
                    shading = tc.tcPr.find(qn("w:shd")) if tc.tcPr is not None else None
                    fill = f' style="background:#{shading.get(qn("w:fill"))}"' if shading is not None else ""
                    inner = "".join(_paragraph_html(p) for p in _Cell(tc, table).paragraphs)
                    cells.append(f'<td colspan="{span}"{fill}>{inner}</td>')
                rows.append(f"<tr>{''.join(cells)}</tr>")
            css = "" if has_borders else ' class="plain"'
            body.append(f"<table{css}>{''.join(rows)}</table>")
    return f"<!doctype html><html lang='th'><meta charset='utf-8'><style>{STYLE}</style><body>{''.join(body)}"


def xlsx_preview_html(content: bytes) -> str:
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook.worksheets[0]
    merged = {}
    hidden = set()
    for cell_range in sheet.merged_cells.ranges:
        merged[(cell_range.min_row, cell_range.min_col)] = cell_range.max_col - cell_range.min_col + 1
        for column in range(cell_range.min_col + 1, cell_range.max_col + 1):
            hidden.add((cell_range.min_row, column))
    widths = [sheet.column_dimensions[chr(64 + c)].width or 10 for c in range(1, sheet.max_column + 1)]
    columns = "".join(f'<col style="width:{w * 7}px">' for w in widths)
    rows = []
    for row in sheet.iter_rows():
        cells = []
        for cell in row:
            if (cell.row, cell.column) in hidden:
                continue
            value = "" if cell.value is None else str(cell.value)
            text = escape(value).replace("\n", "<br>")
            if cell.font and cell.font.bold:
                text = f"<b>{text}</b>"
            fill = cell.fill.fgColor.rgb if cell.fill and cell.fill.fill_type == "solid" else None
            style = f' style="background:#{fill[-6:]}"' if fill else ""
            span = merged.get((cell.row, cell.column), 1)
            cells.append(f'<td colspan="{span}"{style}>{text}</td>')
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return (
        f"<!doctype html><html lang='th'><meta charset='utf-8'><style>{STYLE}</style><body>"
        f"<table><colgroup>{columns}</colgroup>{''.join(rows)}</table>"
    )


def screenshot(chromium: Chromium, html: str, name: str) -> Path:
    """The preview photographed by the session's Chromium (tests/browser.py), with its HTML beside it."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    source = ARTIFACTS / f"{name}.html"
    source.write_text(html, encoding="utf-8")
    target = ARTIFACTS / f"{name}.png"
    with chromium.in_use() as browser:
        page = browser.new_page(viewport={"width": 1100, "height": 800})
        page.goto(source.as_uri())
        page.screenshot(path=str(target), full_page=True)
    return target
