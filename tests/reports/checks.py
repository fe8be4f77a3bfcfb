"""Reading the rendered reports back, and what they must and must not hold, computed straight from the
database (not through reports.assembly), so that the tests check the renderers against the data.

`report_problems(text, plan, round)` is what the end-to-end test runs after `play_sample_year`: every
indicator and action of the plan, every approved result, nothing unapproved.
"""

from __future__ import annotations

import datetime
import io
import re
import subprocess
from pathlib import Path

from django.utils import timezone
from docx import Document
from openpyxl import load_workbook

from approvals.models import Action, Decision, Indicator, Plan, Submission

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "reports"
_SPACE = re.compile(r"\s+")


def squeeze(text: str) -> str:
    """Text without any white space: line breaks and the spaces PDF extraction guesses don't matter."""
    return _SPACE.sub("", text)


def pdf_text(content: bytes) -> str:
    result = subprocess.run(["pdftotext", "-raw", "-", "-"], input=content, capture_output=True, check=True)
    return result.stdout.decode("utf-8")


def pdf_fonts(content: bytes, tmp_path: Path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdffonts", str(path)], capture_output=True, check=True, text=True).stdout


def pdf_page_image(content: bytes, page: int, name: str) -> Path:
    """Render one page as PNG into artifacts/reports/ (to look at), and return its path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    source = ARTIFACTS / f"{name}.pdf"
    source.write_bytes(content)
    prefix = ARTIFACTS / name
    subprocess.run(
        ["pdftoppm", "-r", "110", "-png", "-singlefile", "-f", str(page), "-l", str(page), str(source), str(prefix)],
        check=True,
    )
    return prefix.with_suffix(".png")


def docx_text(content: bytes) -> str:
    document = Document(io.BytesIO(content))
    parts = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            seen = set()
            for cell in row.cells:
                # Merged cells repeat: read each once.
                if id(cell._tc) not in seen:
                    seen.add(id(cell._tc))
                    parts.append(cell.text)
    return "\n".join(parts)


def xlsx_text(content: bytes) -> str:
    workbook = load_workbook(io.BytesIO(content))
    parts = []
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows(values_only=True):
            parts.extend(str(value) for value in row if value not in (None, ""))
    return "\n".join(parts)


def _approved_in_round(plan: Plan, report_round: int) -> dict:
    """The 6-month round counts approvals by 31 March; the 12-month round every approval of the plan."""
    if report_round == 12:
        return {}
    last_day = plan.fiscal_year.six_month_date
    return {
        "decided_at__lt": timezone.make_aware(
            datetime.datetime.combine(last_day + datetime.timedelta(days=1), datetime.time.min)
        )
    }


def approved_submissions(plan: Plan, report_round: int) -> list[Submission]:
    approved_actions = Decision.objects.filter(
        action__indicator__measure__plan=plan,
        stage=Decision.Stage.APPROVAL,
        outcome=Decision.Outcome.APPROVED,
        **_approved_in_round(plan, report_round),
    ).values("action_id")
    return list(
        Submission.objects.filter(action__in=approved_actions, status=Submission.Status.APPROVED).select_related(
            "division"
        )
    )


def report_problems(text: str, plan: Plan, report_round: int) -> list[str]:
    """What is wrong with a report's text: missing indicators, actions or approved results, anything
    unapproved, and signs of broken Thai. Empty when the report is right."""
    problems = []
    flat = squeeze(text)
    if "\ufffd" in text or "\u25a1" in text:
        problems.append("replacement characters or boxes in the text")
    for indicator in Indicator.objects.filter(measure__plan=plan):
        if squeeze(indicator.name) not in flat:
            problems.append(f"indicator missing: {indicator.name}")
    for action in Action.objects.filter(indicator__measure__plan=plan):
        if squeeze(action.text) not in flat:
            problems.append(f"action missing: {action.text[:60]}")
    approved = approved_submissions(plan, report_round)
    approved_texts = {squeeze(s.results) for s in approved} | {squeeze(s.outcome) for s in approved}
    for submission in approved:
        for value in (submission.results, submission.outcome):
            if value.strip() and squeeze(value) not in flat:
                problems.append(f"approved result missing ({submission.division.name}): {value[:60]}")
    others = Submission.objects.filter(action__indicator__measure__plan=plan).exclude(pk__in=[s.pk for s in approved])
    for submission in others:
        for value in (submission.results, submission.outcome):
            text = squeeze(value)
            # A text that is (part of) an approved one, e.g. a draft resubmitted unchanged, may rightly appear.
            if text and text in flat and not any(text in approved_text for approved_text in approved_texts):
                problems.append(f"unapproved text present ({submission.get_status_display()}): {value[:60]}")
    # Return reasons never appear; other reasons only when long enough not to be a common word ("อนุมัติ").
    decisions = Decision.objects.filter(action__indicator__measure__plan=plan).exclude(reason="")
    for decision in decisions:
        reason = squeeze(decision.reason)
        if (decision.outcome == Decision.Outcome.RETURNED or len(reason) >= 20) and reason in flat:
            problems.append(f"decision reason present: {decision.reason[:60]}")
    return problems
