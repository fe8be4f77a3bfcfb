"""One entry for every kind of report file an office has: Word (.docx), PDF with a text layer, or text.

The kind is told from the file's first bytes, not its name (a clerk's "report.txt" may be a Word file).
Word and PDF files are laid out as the text the parser reads (approvals/importer/layout.py), so the same
rules, limits, warnings and errors apply to all three; errors and warnings name the place in the file
(table and row, or page) rather than a line of that text.
"""

from __future__ import annotations

from approvals.importer import limits
from approvals.importer.docx import docx_layout, is_docx, is_ole
from approvals.importer.errors import ReportError
from approvals.importer.layout import Layout
from approvals.importer.parser import parse_report, parse_report_bytes
from approvals.importer.pdf import is_pdf, pdf_layout
from approvals.importer.report import ParsedReport


def file_kind(data: bytes) -> str:
    """ "docx", "pdf" or "text", from the file's signature."""
    if is_docx(data) or is_ole(data):
        return "docx"
    if is_pdf(data):
        return "pdf"
    return "text"


def parse_report_file(data: bytes, *, agency: str | None = None, fiscal_year: int | None = None) -> ParsedReport:
    """Parse an uploaded report of any supported kind; ReportError (bilingual, naming the place) otherwise."""
    limits.check_size(len(data))
    kind = file_kind(data)
    if kind == "text":
        return parse_report_bytes(data, agency=agency, fiscal_year=fiscal_year)
    layout: Layout = docx_layout(data) if kind == "docx" else pdf_layout(data)
    try:
        report = parse_report(layout.text, agency=agency, fiscal_year=fiscal_year)
    except ReportError as exc:
        raise layout.error(exc) from None
    report.warnings = layout.warnings(report.warnings)
    return report
