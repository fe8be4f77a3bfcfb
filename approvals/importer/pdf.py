"""Read an ITA year-end report saved as a PDF with a text layer, with pdfminer.six.

A PDF has no tables, only characters at positions and rectangles drawn around cells. Each page is read
without pdfminer's layout analysis (which would join the words of neighbouring cells on one line): every
character goes to the smallest cell rectangle that holds its centre; rectangles of the same height at the
same place make a row, read left to right; characters outside any cell are running text. Within a cell the
characters keep the order they were drawn in (Thai marks come after their letter, which sorting by
position would break) and a new line starts where the baseline moves. Rows and running text are then laid
out top to bottom, page after page, as the text the parser reads (approvals/importer/layout.py).

A table drawn with single lines rather than cell rectangles (some PDF printers do) is read as running text
and refused with "no measures table"; Word's own "Save as PDF" and this project's reports draw rectangles.

Refused with a message that says why: a file cut short (no %%EOF at its end), a password-protected file,
a damaged one, and a scan (pages of images without any text layer), which would need OCR first.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from approvals.importer.errors import ReportError
from approvals.importer.layout import Layout, Place

PDF_SIGNATURE = b"%PDF-"
# A cell is at least this big (points); the QR code's modules and rules drawn as thin rectangles are not cells.
MIN_CELL = 8.0
MAX_PAGES = 200
# Two rectangles are in one row when their tops and bottoms are this close (points).
ROW_TOLERANCE = 1.0
# What a writer leaves between a cell's text and its right edge at most (this project's reports: 1.5 mm).
CELL_PADDING = 6.0

logging.getLogger("pdfminer").setLevel(logging.ERROR)


def is_pdf(data: bytes) -> bool:
    return data.lstrip()[:5] == PDF_SIGNATURE


@dataclass
class _Char:
    text: str
    x0: float
    x1: float
    y0: float
    y1: float
    size: float


@dataclass
class _Cell:
    x0: float
    y0: float
    x1: float
    y1: float
    chars: list[_Char] = field(default_factory=list)

    @property
    def area(self) -> float:
        return (self.x1 - self.x0) * (self.y1 - self.y0)

    def holds(self, x: float, y: float) -> bool:
        return self.x0 - 0.5 <= x <= self.x1 + 0.5 and self.y0 - 0.5 <= y <= self.y1 + 0.5


def pdf_layout(data: bytes) -> Layout:
    """The report's text as the parser reads it, or ReportError saying what is wrong with the file."""
    if not data.rstrip().endswith(b"%%EOF"):
        raise ReportError(
            "ไฟล์ PDF ไม่ครบ (ไม่มีส่วนท้ายของไฟล์ อาจถูกตัดระหว่างส่ง) กรุณาส่งไฟล์ใหม่",
            "the PDF is incomplete (it has no end-of-file marker; perhaps cut off in transfer); send it again",
        )
    pages = _pages(data)
    layout = Layout()
    characters = 0
    for number, (cells, loose) in enumerate(pages, start=1):
        characters += sum(len(c.text.strip()) for cell in cells for c in cell.chars)
        characters += sum(len(c.text.strip()) for c in loose)
        _lay_out_page(layout, number, cells, loose)
    if not characters:
        raise ReportError(
            "ไฟล์ PDF นี้ไม่มีข้อความ (เป็นภาพสแกน) ระบบอ่านได้เฉพาะ PDF ที่มีข้อความ กรุณาใช้ไฟล์ Word หรือ PDF ที่บันทึกจาก Word แทน",
            "the PDF has no text layer (it is a scan); only PDFs with text can be read; "
            "use the Word file or a PDF saved from Word instead",
        )
    return layout


def _pages(data: bytes) -> list[tuple[list[_Cell], list[_Char]]]:
    from pdfminer.converter import PDFPageAggregator
    from pdfminer.layout import LTChar, LTRect
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFSyntaxError
    from pdfminer.psexceptions import PSException

    pages = []
    try:
        # Without layout analysis (laparams=None): characters and rectangles as drawn.
        manager = PDFResourceManager()
        device = PDFPageAggregator(manager, laparams=None)
        interpreter = PDFPageInterpreter(manager, device)
        for index, pdf_page in enumerate(PDFPage.get_pages(io.BytesIO(data))):
            if index >= MAX_PAGES:
                raise ReportError(
                    f"ไฟล์ PDF มีเกิน {MAX_PAGES} หน้า (รายงานมาตรการมีน้อยกว่านี้มาก)",
                    f"the PDF has more than {MAX_PAGES} pages (a measures report has far fewer)",
                )
            interpreter.process_page(pdf_page)
            page = device.get_result()
            cells: list[_Cell] = []
            chars: list[_Char] = []
            for item in _flatten(page):
                if isinstance(item, LTRect) and item.width >= MIN_CELL and item.height >= MIN_CELL:
                    cells.append(_Cell(item.x0, item.y0, item.x1, item.y1))
                elif isinstance(item, LTChar):
                    chars.append(_Char(item.get_text(), item.x0, item.x1, item.y0, item.y1, item.size))
            pages.append(_assign(cells, chars))
    except ReportError:
        raise
    except (PDFPasswordIncorrect, PDFEncryptionError) as exc:
        raise ReportError(
            "ไฟล์ PDF นี้ถูกเข้ารหัส (ตั้งรหัสผ่าน) ระบบอ่านไม่ได้ กรุณาส่งไฟล์ที่ไม่ตั้งรหัสผ่าน",
            "the PDF is encrypted (password protected) and cannot be read; send a copy without a password",
        ) from exc
    except (PDFSyntaxError, PSException, ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        raise ReportError(
            "ไฟล์ PDF เสียหาย อ่านเนื้อหาไม่ได้", f"the PDF is damaged; its content cannot be read: {exc.__class__.__name__}"
        ) from exc
    return pages


def _flatten(container) -> Iterable:
    from pdfminer.layout import LTContainer

    for item in container:
        if isinstance(item, LTContainer) and not hasattr(item, "get_text"):
            yield from _flatten(item)
        else:
            yield item


def _assign(cells: list[_Cell], chars: list[_Char]) -> tuple[list[_Cell], list[_Char]]:
    loose = []
    for char in chars:
        x, y = (char.x0 + char.x1) / 2, (char.y0 + char.y1) / 2
        holders = [cell for cell in cells if cell.holds(x, y)]
        if holders:
            min(holders, key=lambda cell: cell.area).chars.append(char)
        else:
            loose.append(char)
    # A rectangle holding others (a table's outer frame) is not a cell.
    cells = [cell for cell in cells if not any(o is not cell and _inside(o, cell) for o in cells)]
    return cells, loose


def _inside(inner: _Cell, outer: _Cell) -> bool:
    return (
        inner.area < outer.area
        and inner.x0 >= outer.x0 - 0.5
        and inner.x1 <= outer.x1 + 0.5
        and inner.y0 >= outer.y0 - 0.5
        and inner.y1 <= outer.y1 + 0.5
    )


@dataclass
class _Line:
    text: str
    chars: list[_Char]

    @property
    def right(self) -> float:
        return max(char.x1 for char in self.chars)

    def first_word_width(self) -> float:
        """How wide the line's first word is drawn: where a wrapping writer could have broken it."""
        from reports.thai import word_breaks

        breaks = [position for position in word_breaks(self.text) if position > 0]
        end = breaks[0] if breaks else len(self.text)
        length, right = 0, self.chars[0].x1
        for char in self.chars:
            if length >= end:
                break
            length += len(char.text)
            right = char.x1
        return right - self.chars[0].x0


def _split_lines(chars: list[_Char]) -> list[_Line]:
    """Characters in drawing order, broken into lines where the baseline moves."""
    lines: list[_Line] = []
    current: list[_Char] = []
    text: list[str] = []
    previous: _Char | None = None
    for char in chars:
        if previous is not None:
            if abs(char.y0 - previous.y0) > 0.5 * max(previous.size, 1.0):
                lines.append(_Line("".join(text), current))
                current, text = [], []
            elif char.x0 - previous.x1 > 0.25 * max(previous.size, 1.0) and not (
                char.text.isspace() or (text and text[-1].isspace())
            ):
                text.append(" ")
        current.append(char)
        text.append(char.text)
        previous = char
    if current:
        lines.append(_Line("".join(text), current))
    result = []
    for line in lines:
        while line.chars and not line.chars[0].text.strip():
            line.chars.pop(0)
        if line.text.strip() and line.chars:
            result.append(_Line(line.text.strip(), line.chars))
    return result


def _lines(chars: list[_Char]) -> list[str]:
    return [line.text for line in _split_lines(chars)]


def _cell_paragraphs(cell: _Cell) -> list[str]:
    """The cell's paragraphs: a line that a writer wrapped because the next word did not fit is joined to the
    next one; a line that ends short of the cell's edge, or a next line opening a list item, ends a paragraph.
    A PDF keeps no space at the end of a wrapped line, so Thai meets Thai without one and other text with one.
    """
    from approvals.importer.cells import opens_list_item

    paragraphs: list[str] = []
    previous: _Line | None = None
    for line in _split_lines(cell.chars):
        if previous is not None and not opens_list_item(line.text):
            edge = cell.x1 - CELL_PADDING
            if previous.right + line.first_word_width() > edge:
                glue = "" if _thai(previous.text[-1]) and _thai(line.text[0]) else " "
                paragraphs[-1] = f"{paragraphs[-1]}{glue}{line.text}"
                previous = line
                continue
        paragraphs.append(line.text)
        previous = line
    return paragraphs


def _thai(char: str) -> bool:
    return "\u0e00" <= char <= "\u0e7f"


def _lay_out_page(layout: Layout, page: int, cells: list[_Cell], loose: list[_Char]) -> None:
    # Rows: cells sharing top and bottom; running text: lines of loose characters; both placed by their top.
    rows: list[list[_Cell]] = []
    for cell in sorted(cells, key=lambda c: (-c.y1, c.x0)):
        for row in rows:
            if abs(row[0].y1 - cell.y1) <= ROW_TOLERANCE and abs(row[0].y0 - cell.y0) <= ROW_TOLERANCE:
                row.append(cell)
                break
        else:
            rows.append([cell])
    items: list[tuple[float, str, object]] = []
    for row in rows:
        if any(cell.chars for cell in row):
            items.append((row[0].y1, "row", sorted(row, key=lambda c: c.x0)))
    for text, top in _loose_lines(loose):
        items.append((top, "text", text))
    items.sort(key=lambda item: -item[0])
    row_number = 0
    previous = None
    for _top, kind, value in items:
        if kind == "row":
            row_number += 1
            if previous != "row":
                layout.blank()
            place = Place(f"หน้า {page} แถวที่ {row_number} ของตาราง", f"page {page}, table row {row_number}")
            layout.row([_cell_paragraphs(cell) for cell in value], place)  # type: ignore[attr-defined]
        else:
            if previous == "row":
                layout.blank()
            layout.paragraph(str(value), Place(f"หน้า {page}", f"page {page}"))
        previous = kind
    layout.blank()


def _loose_lines(chars: list[_Char]) -> list[tuple[str, float]]:
    """Running text as lines with their tops, in drawing order."""
    groups: list[list[_Char]] = []
    for char in chars:
        if groups and abs(char.y0 - groups[-1][-1].y0) <= 0.5 * max(groups[-1][-1].size, 1.0):
            groups[-1].append(char)
        else:
            groups.append([char])
    result = []
    for group in groups:
        text = " ".join(_lines(group))
        if text:
            result.append((text, max(char.y1 for char in group)))
    return result
