"""Import an agency's ITA year-end report (รายงานผลการดำเนินงานตามมาตรการ ITA) into a plan.

Pure Python, no database: ``parse_report_bytes(upload.read())`` gives a ParsedReport whose ``to_dict()`` is
the plan as JSON, or raises ReportError with a bilingual message naming the offending line.
"""

from approvals.importer.decoding import decode_report
from approvals.importer.errors import ReportError
from approvals.importer.parser import parse_report, parse_report_bytes
from approvals.importer.report import (
    ParsedAction,
    ParsedBudgetItem,
    ParsedIndicator,
    ParsedMeasure,
    ParsedReport,
)

__all__ = [
    "ParsedAction",
    "ParsedBudgetItem",
    "ParsedIndicator",
    "ParsedMeasure",
    "ParsedReport",
    "ReportError",
    "decode_report",
    "parse_report",
    "parse_report_bytes",
]
