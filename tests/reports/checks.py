"""Reading the rendered reports back, and what they must and must not hold, computed straight from the
database (not through reports.assembly), so that the tests check the renderers against the data.

`report_problems(text, plan, round)` is what the end-to-end test runs after `play_sample_year`: every
indicator and action of the plan's integrity measures (the report's measures: the OIT items adopted into the plan
are not one of them), every approved result, nothing unapproved.
"""

from __future__ import annotations

import datetime
import io
import os
import re
import subprocess
from pathlib import Path

from django.utils import timezone
from docx import Document
from openpyxl import load_workbook

from approvals.models import Action, Decision, Indicator, Measure, Plan, Submission

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


def reported_measures(plan: Plan):
    """The measures the official report holds: the plan's integrity measures (Measure.objects.integrity_measures)."""
    return Measure.objects.filter(plan=plan).integrity_measures()


def approved_submissions(plan: Plan, report_round: int) -> list[Submission]:
    approved_actions = Decision.objects.filter(
        action__indicator__measure__in=reported_measures(plan),
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
    measures = reported_measures(plan)
    for indicator in Indicator.objects.filter(measure__in=measures):
        if squeeze(indicator.name) not in flat:
            problems.append(f"indicator missing: {indicator.name}")
    for action in Action.objects.filter(indicator__measure__in=measures):
        if squeeze(action.text) not in flat:
            problems.append(f"action missing: {action.text[:60]}")
    approved = approved_submissions(plan, report_round)
    approved_texts = {squeeze(s.results) for s in approved} | {squeeze(s.outcome) for s in approved}
    for submission in approved:
        for value in (submission.results, submission.outcome):
            if value.strip() and squeeze(value) not in flat:
                problems.append(f"approved result missing ({submission.division.name}): {value[:60]}")
    others = Submission.objects.filter(action__indicator__measure__in=measures).exclude(pk__in=[s.pk for s in approved])
    for submission in others:
        for value in (submission.results, submission.outcome):
            text = squeeze(value)
            # A text that is (part of) an approved one, e.g. a draft resubmitted unchanged, may rightly appear.
            if text and text in flat and not any(text in approved_text for approved_text in approved_texts):
                problems.append(f"unapproved text present ({submission.get_status_display()}): {value[:60]}")
    # Return reasons never appear; other reasons only when long enough not to be a common word ("อนุมัติ").
    decisions = Decision.objects.filter(action__indicator__measure__in=measures).exclude(reason="")
    for decision in decisions:
        reason = squeeze(decision.reason)
        if (decision.outcome == Decision.Outcome.RETURNED or len(reason) >= 20) and reason in flat:
            problems.append(f"decision reason present: {decision.reason[:60]}")
    return problems


# Exact text, as readers extract it. A line that a table cell wrapped is joined back, and nothing else:
# no space is removed and nothing is normalised. A wrap happens at a space (which the wrap consumed) or
# between two Thai words, never inside a cluster (before a vowel or tone mark, or after a leading vowel).
_ATTACHED = set(
    "\u0e31\u0e33\u0e34\u0e35\u0e36\u0e37\u0e38\u0e39\u0e3a\u0e47\u0e48\u0e49\u0e4a\u0e4b\u0e4c\u0e4d\u0e4e"
)
_LEADING = set("\u0e40\u0e41\u0e42\u0e43\u0e44")


def wrapped_pattern(text: str) -> re.Pattern:
    """A pattern finding `text` in extracted text where a cell may have wrapped it over lines."""
    parts = []
    for index, char in enumerate(text):
        if char == " ":
            parts.append("(?: |\n)")
            continue
        if index and text[index - 1] != " " and char not in _ATTACHED and text[index - 1] not in _LEADING:
            parts.append("\n?")
        parts.append(re.escape(char))
    return re.compile("".join(parts))


def found_exactly(extracted: str, text: str) -> bool:
    return wrapped_pattern(text).search(extracted) is not None


def broken_thai(extracted: str) -> list[str]:
    """Signs that the extracted text is not what was written: something other than Thai, a space, a line
    break or punctuation right after ำ, control characters, unmapped glyphs, a mark at a line's start."""
    problems = [
        f"after ำ: {extracted[max(i - 6, 0) : i + 2]!r}"
        for i, char in enumerate(extracted[:-1])
        if char == "ำ" and not ("\u0e01" <= extracted[i + 1] <= "\u0e5b" or extracted[i + 1] in " \n\f/().,:-")
    ]
    problems += [f"control character {char!r}" for char in set(extracted) if ord(char) < 32 and char not in "\n\f"]
    if "(cid:" in extracted:
        problems.append("unmapped glyphs (cid:…)")
    problems += [f"mark starts a line: {line[:12]!r}" for line in extracted.splitlines() if line[:1] in _ATTACHED]
    return problems


def pdfminer_text(content: bytes) -> str:
    from pdfminer.high_level import extract_text

    return extract_text(io.BytesIO(content))


def pypdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def pdf_page_texts(content: bytes) -> list[str]:
    """pdftotext's text of each page (pages are separated by form feeds)."""
    return pdf_text(content).split("\f")


_FONTS_CONF = """<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>
<include ignore_missing="yes">/etc/fonts/fonts.conf</include><dir>{fonts}</dir>
<alias binding="same"><family>TH Sarabun New</family><prefer><family>Sarabun</family></prefer></alias>
<alias binding="same"><family>TH SarabunPSK</family><prefer><family>Sarabun</family></prefer></alias>
</fontconfig>"""


def libreoffice_pdf(content: bytes, suffix: str, tmp_path: Path, name: str) -> bytes:
    """The file converted to PDF by LibreOffice headless, as a reader without Word or Excel opens it.

    LibreOffice gets its own profile (conversions may run side by side) and a font configuration that
    adds the Sarabun files the project ships, standing in for the TH Sarabun fonts of a Thai office PC
    (the report names TH Sarabun New first); its page images are kept in artifacts/reports/."""
    import fontpkg_sarabun

    source = tmp_path / f"{name}.{suffix}"
    source.write_bytes(content)
    fonts_conf = tmp_path / "fonts.conf"
    fonts_conf.write_text(_FONTS_CONF.format(fonts=Path(fontpkg_sarabun.__file__).parent / "files"))
    environment = {**os.environ, "FONTCONFIG_FILE": str(fonts_conf), "HOME": str(tmp_path)}
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{tmp_path}/lo-profile",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        env=environment,
        timeout=300,
    )
    converted = (tmp_path / f"{name}.pdf").read_bytes()
    page_images(converted, name)
    return converted


def page_images(content: bytes, name: str, pages: int = 3) -> list[Path]:
    """The first pages and the last one as PNG in artifacts/reports/ (to look at)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    source = ARTIFACTS / f"{name}.pdf"
    source.write_bytes(content)
    subprocess.run(["pdftoppm", "-r", "70", "-png", "-l", str(pages), str(source), str(ARTIFACTS / name)], check=True)
    count = len(pdf_page_texts(content)) - 1
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "70",
            "-png",
            "-f",
            str(count),
            "-l",
            str(count),
            str(source),
            str(ARTIFACTS / f"{name}-last"),
        ],
        check=True,
    )
    return sorted(ARTIFACTS.glob(f"{name}*.png"))
