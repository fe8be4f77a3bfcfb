"""Read an ITA year-end report saved as a Word document (.docx), its tables read with python-docx.

The document is laid out as the text the parser reads (approvals/importer/layout.py): paragraphs and tables
in the body's order, a blank line after each table. Merged cells are read from the table's XML, because
python-docx repeats a merged cell in every grid column it covers:

* a row that is one cell across the whole table is a title row (the measure, or "รวม" of a budget), kept;
* in the measures table, a cell merged downwards in the indicator column continues the indicator above, as
  an empty indicator cell does; any other merged cell of a measures row is refused, because the parser
  cannot tell which action, division or result it belongs to;
* a row with fewer cells than the table's grid is refused (a damaged or hand-edited table).

An encrypted Word file is not a zip archive but an OLE container: it is refused with a message saying so,
as is a truncated or otherwise damaged archive and one that would unpack to more than a report ever holds.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from docx import Document
from docx.oxml.ns import qn

from approvals.importer.errors import ReportError
from approvals.importer.layout import Layout, Place

# What a measures report unpacks to at most (the sample year's report is under 100 kB unpacked).
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_MEMBERS = 2_000
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_SIGNATURE = b"PK\x03\x04"
# Tables narrower than this after the first measures table are signatures and the verification line.
MIN_PLAN_COLUMNS = 4


@dataclass
class _Cell:
    paragraphs: list[str]
    span: int
    continues_above: bool


def is_docx(data: bytes) -> bool:
    return data.startswith(ZIP_SIGNATURE)


def is_ole(data: bytes) -> bool:
    return data.startswith(OLE_SIGNATURE)


def refuse_ole() -> ReportError:
    return ReportError(
        "ไฟล์ Word นี้ถูกเข้ารหัส (ตั้งรหัสผ่าน) หรือเป็นไฟล์ .doc รุ่นเก่า ระบบอ่านไม่ได้ กรุณาเปิดใน Word แล้วบันทึกเป็น .docx โดยไม่ตั้งรหัสผ่าน",
        "the Word file is encrypted (password protected) or an old .doc file, which cannot be read; "
        "save it from Word as .docx without a password",
    )


def docx_layout(data: bytes) -> Layout:
    """The report's text as the parser reads it, or ReportError naming what is wrong with the file."""
    if is_ole(data):
        raise refuse_ole()
    document = _open(data)
    from approvals.importer.parser import _budget_header, _cells, _measures_header

    layout = Layout()
    body = document.element.body
    paragraph_number = 0
    table_number = 0
    seen_plan_table = False
    for element in body.iterchildren():
        if element.tag == qn("w:p"):
            paragraph_number += 1
            layout.paragraph(
                _paragraph_text(element), Place(f"ย่อหน้าที่ {paragraph_number}", f"paragraph {paragraph_number}")
            )
        elif element.tag == qn("w:tbl"):
            table_number += 1
            rows = _rows(element)
            width = _grid_width(element, rows)
            if seen_plan_table and width < MIN_PLAN_COLUMNS:
                continue
            layout.blank()
            kind = None
            for row_number, cells in enumerate(rows, start=1):
                place = Place(f"ตารางที่ {table_number} แถวที่ {row_number}", f"table {table_number}, row {row_number}")
                texts = [cell.paragraphs for cell in cells]
                line = _cells("\t".join(" ".join(p) for p in texts) + "\t")
                if _measures_header(line):
                    kind, seen_plan_table = "measures", True
                elif _budget_header(line):
                    kind, seen_plan_table = "budget", True
                _check_row(cells, width, kind, place)
                layout.row(_padded(cells, width), place)
            layout.blank()
    return layout


def _open(data: bytes):
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
        if len(members) > MAX_MEMBERS or sum(member.file_size for member in members) > MAX_UNPACKED_BYTES:
            raise ReportError(
                "ไฟล์ Word นี้เมื่อแตกออกมีขนาดใหญ่เกินรายงานมาตรการ", "the Word file unpacks to more than a report holds"
            )
        if "word/document.xml" not in archive.namelist():
            raise ReportError(
                "ไฟล์นี้ไม่ใช่เอกสาร Word (.docx)", "the file is not a Word document (.docx): it has no word/document.xml"
            )
        archive.testzip()
        return Document(io.BytesIO(data))
    except ReportError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, KeyError, ValueError, OSError) as exc:
        raise ReportError(
            "ไฟล์ Word เสียหายหรือไม่ครบ (อาจถูกตัดระหว่างส่ง) กรุณาบันทึกหรือส่งไฟล์ใหม่",
            f"the Word file is damaged or incomplete (perhaps cut off in transfer): {exc.__class__.__name__}",
        ) from exc
    except Exception as exc:  # lxml and python-docx raise many types for a broken document part
        raise ReportError(
            "ไฟล์ Word เสียหาย อ่านเนื้อหาไม่ได้", f"the Word file is damaged; its content cannot be read: {exc}"
        ) from exc


def _paragraph_text(paragraph) -> str:
    parts = []
    for node in paragraph.iter(qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:cr")):
        parts.append(node.text or "" if node.tag == qn("w:t") else " ")
    return "".join(parts)


def _cell_paragraphs(tc) -> list[str]:
    paragraphs = []
    for paragraph in tc.iter(qn("w:p")):
        text = _paragraph_text(paragraph).strip()
        if text:
            paragraphs.append(text)
    return paragraphs


def _rows(table) -> list[list[_Cell]]:
    rows = []
    for tr in table.iterchildren(qn("w:tr")):
        cells = []
        for tc in tr.iterchildren(qn("w:tc")):
            properties = tc.find(qn("w:tcPr"))
            span = 1
            continues = False
            if properties is not None:
                grid_span = properties.find(qn("w:gridSpan"))
                if grid_span is not None:
                    span = int(grid_span.get(qn("w:val"), "1") or 1)
                merge = properties.find(qn("w:vMerge"))
                # <w:vMerge/> without "restart" continues the cell above.
                continues = merge is not None and merge.get(qn("w:val"), "continue") != "restart"
            cells.append(_Cell(_cell_paragraphs(tc), max(span, 1), continues))
        rows.append(cells)
    return rows


def _grid_width(table, rows: list[list[_Cell]]) -> int:
    grid = table.find(qn("w:tblGrid"))
    columns = len(grid.findall(qn("w:gridCol"))) if grid is not None else 0
    return columns or max((sum(cell.span for cell in row) for row in rows), default=0)


def _check_row(cells: list[_Cell], width: int, kind: str | None, place: Place) -> None:
    covered = sum(cell.span for cell in cells)
    if covered < width:
        raise ReportError(
            f"{place.thai}: แถวมีช่องไม่ครบ ({covered} จาก {width} ช่อง) ตารางอาจเสียหายหรือถูกแก้ไข",
            f"{place.english}: the row has missing cells ({covered} of {width}); the table may be damaged or edited",
        )
    if kind != "measures" or len(cells) == 1:
        return
    for column, cell in enumerate(cells):
        if cell.span > 1 or (cell.continues_above and column > 0):
            raise ReportError(
                f"{place.thai} ช่องที่ {column + 1}: มีช่องที่ผสานกัน (merge cells) ระบบไม่ทราบว่าข้อความเป็นของแนวทางใด "
                "กรุณายกเลิกการผสานช่องในตารางมาตรการ",
                f"{place.english}, cell {column + 1}: merged cells; the importer cannot tell which action the text "
                "belongs to; unmerge the cells of the measures table",
            )


def _padded(cells: list[_Cell], width: int) -> list[list[str]]:
    """One entry per grid column: a merged cell's text in its first column, the others empty; a cell merged
    downwards is empty (the parser continues the indicator above)."""
    result: list[list[str]] = []
    for cell in cells:
        result.append([] if cell.continues_above else cell.paragraphs)
        result.extend([] for _ in range(cell.span - 1))
    return result[: max(width, len(result))]
