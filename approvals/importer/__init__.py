"""Import an agency's ITA year-end report (รายงานผลการดำเนินงานตามมาตรการ ITA) into a plan.

Pure Python, no database: ``parse_report_bytes(upload.read())`` gives a ParsedReport whose ``to_dict()`` is
the plan as JSON, or raises ReportError with a bilingual message naming the offending line.

Choices made where a report is ambiguous (each one also leaves a warning in the plan):

* An indicator is identified by its name; a different written number ("ตัวชี้วัดที่ ๒ คุณภาพการดำเนินงาน") is
  kept as ``written_number`` and warned about. The name in the plan is the official ITA name.
* A row with an empty indicator cell continues the indicator above it, even on the next page under a repeated
  measure row. Its actions keep their own numbers, so indicator 10 of the sample has actions 1, 2, 2, 3:
  the second "2" (with its "ส่วนที่ ๑/๒" paragraphs) is imported rather than merged or renumbered, because
  the parser cannot know whether the author repeated or restarted the item.
* Text in the responsible cell that is not a unit name (indicator 9: "จัดทำเป็นเอกสารข่าว…") is appended to
  the row's results, so no words are lost.
* Results and outcome are never split per action: every action of a row gets the row's results and outcome.
* The budget amount is the first money column after the item; an identical budget row is imported once.
* A cut that falls between two rows leaves a shorter but well-formed report; it cannot be told from a
  complete one, since the report has no closing line.
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
