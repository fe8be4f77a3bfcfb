"""The three renderers of the official progress report. Each takes a `ReportData` and returns bytes."""

from __future__ import annotations

from collections.abc import Callable

from reports.assembly import ReportData
from reports.models import ReportFormat
from reports.renderers.docx import render_docx
from reports.renderers.pdf import render_pdf
from reports.renderers.xlsx import render_xlsx

RENDERERS: dict[str, Callable[[ReportData], bytes]] = {
    ReportFormat.PDF: render_pdf,
    ReportFormat.DOCX: render_docx,
    ReportFormat.XLSX: render_xlsx,
}
CONTENT_TYPES: dict[str, str] = {
    ReportFormat.PDF: "application/pdf",
    ReportFormat.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ReportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def render(data: ReportData, report_format: str) -> bytes:
    try:
        renderer = RENDERERS[report_format]
    except KeyError:
        raise ValueError(
            f"รูปแบบไฟล์ต้องเป็น pdf, docx หรือ xlsx ไม่ใช่ {report_format!r} / "
            f"The format must be pdf, docx or xlsx, not {report_format!r}."
        ) from None
    return renderer(data)
