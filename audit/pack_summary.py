"""The PDF summary of an evidence pack: for each action its facts, its story in time order (submissions,
evidence, decisions with their reasons, who acted and for whom) and its evidence files with their SHA-256;
then what the pack holds and what it proves.

Kept separate from the official report's renderer on purpose, and simple: fpdf2 with HarfBuzz shaping and
the embedded Sarabun font, as reports/renderers/pdf.py does, with Thai lines broken between words by
reports.thai.
"""

from __future__ import annotations

import datetime
import logging
from pathlib import Path

import fontpkg_sarabun
from django.conf import settings
from django.db.models import Prefetch
from django.utils import translation
from django.utils.translation import gettext as _
from fpdf import FPDF
from viewflow.workflow.models import Task

from approvals import figures
from approvals.models import Decision, Division, Evidence, Submission, User
from approvals.thaidate import be_date, be_datetime
from reports import thai
from workflows.story import action_story

FONT_DIR = Path(fontpkg_sarabun.__file__).parent / "files"
FONT = "Sarabun"
LINE = 6.2  # mm per line at 11 pt, with room for Thai marks above and below
SIZE = 11


class SummaryPDF(FPDF):
    def __init__(self) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.add_font(FONT, "", FONT_DIR / "Sarabun-Regular.ttf")
        self.add_font(FONT, "B", FONT_DIR / "Sarabun-Bold.ttf")
        self.set_text_shaping(True)
        self.set_margins(18, 15, 18)
        self.set_auto_page_break(True, margin=15)
        self.c_margin = 0

    def footer(self) -> None:
        self.set_y(-10)
        self.set_font(FONT, "", 8)
        self.cell(0, 4, str(self.page_no()), align="R")

    def text_block(self, text: str, *, size: float = SIZE, bold: bool = False, indent: float = 0) -> None:
        self.set_font(FONT, "B" if bold else "", size)
        height = LINE * size / SIZE
        for line in thai.wrap(text, self.epw - indent - 0.3, self.get_string_width):
            self.set_x(self.l_margin + indent)
            self.cell(self.epw - indent, height, line)
            self.ln()

    def heading(self, text: str, size: float = 14) -> None:
        self.ln(2)
        self.text_block(text, size=size, bold=True)
        self.ln(1)


def _person(who: User | None, on_behalf_of: User | None) -> str:
    if who is None:
        return ""
    if on_behalf_of is not None:
        return _("%(person)s, acting for %(other)s") % {"person": who, "other": on_behalf_of}
    return str(who)


def _action_section(pdf: SummaryPDF, action, numbers: figures.ActionFigures | None) -> None:
    pdf.heading(f"{action.indicator}: {action}")
    if numbers is not None:
        facts = [
            (_("Responsible"), numbers.responsible_label()),
            (_("Due date"), be_date(action.due_date) if action.due_date else "-"),
            (_("Status"), numbers.status_label + (f" ({_('overdue')})" if numbers.overdue else "")),
            (_("Progress"), f"{numbers.progress}%"),
        ]
        for label, value in facts:
            pdf.text_block(f"{label}: {value}")
    submissions = list(
        Submission.objects.filter(action=action)
        .select_related("division", "submitted_by")
        .prefetch_related(Prefetch("evidence", queryset=Evidence.objects.select_related("uploaded_by")))
        .order_by("round", "division__sort_order")
    )
    decisions = list(action.decisions.select_related("decided_by", "on_behalf_of").order_by("decided_at", "pk"))
    tasks = list(
        Task.objects.filter(process__actionprocess__action=action, flow_task_type="HUMAN")
        .select_related("owner")
        .order_by("created", "pk")
    )
    divisions = {d.pk: d for d in Division.objects.filter(agency_id=action.agency_id)}
    story = action_story(action, submissions=submissions, decisions=decisions, tasks=tasks, divisions=divisions)
    pdf.heading(_("What happened, in time order"), size=12)
    for event in story:
        who = _person(event.who, event.on_behalf_of)
        line = f"{be_datetime(event.when)}  {event.text}" + (f" — {who}" if who else "")
        pdf.text_block(line)
        if event.reason:
            pdf.text_block(_("Reason: %(reason)s") % {"reason": event.reason}, indent=8)
    returned = [d for d in decisions if d.outcome == Decision.Outcome.RETURNED]
    if returned:
        pdf.heading(_("Returns and their reasons"), size=12)
        for decision in returned:
            pdf.text_block(
                f"{be_datetime(decision.decided_at)}  {decision.get_stage_display()} — "
                f"{_person(decision.decided_by, decision.on_behalf_of)}: {decision.reason}"
            )
    evidence = [item for submission in submissions for item in submission.evidence.all()]
    if evidence:
        pdf.heading(_("Evidence files"), size=12)
        for item in evidence:
            removed = f" ({_('withdrawn')})" if item.is_removed else ""
            pdf.text_block(
                f"{item.original_name}{removed} — {item.submission.division}, "
                + _("round %(round)s") % {"round": item.submission.round}
                + f" — {item.uploaded_by}, {be_datetime(item.uploaded_at)}"
            )
            pdf.text_block(f"SHA-256 {item.sha256}", size=9, indent=8)


def render(scope, *, evidence: list, info: dict, by: User, reason: str, moment: datetime.datetime) -> bytes:
    """The summary of `scope` (an audit.evidence_pack.PackScope) as PDF bytes, in the project's language."""
    # Font subsetting logs every pruned table at INFO; nobody needs it.
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    with translation.override(settings.LANGUAGE_CODE):
        pdf = SummaryPDF()
        pdf.add_page()
        pdf.text_block(_("Evidence pack"), size=18, bold=True)
        pdf.text_block(scope.label, size=13, bold=True)
        pdf.text_block(scope.agency.name)
        pdf.text_block(_("Built by %(person)s on %(when)s") % {"person": by, "when": be_datetime(moment)})
        pdf.text_block(_("Reason: %(reason)s") % {"reason": reason})
        numbers = {}
        plans = {action.indicator.measure.plan for action in scope.actions}
        for plan in plans:
            plan_numbers = figures.plan_figures(plan)
            # An OIT item's action has its figures too, though no tally of the plan counts it.
            numbers.update({a.pk: a for a in (*plan_numbers.actions, *plan_numbers.disclosure_actions)})
        for action in scope.actions:
            _action_section(pdf, action, numbers.get(action.pk))
        pdf.add_page()
        pdf.heading(_("What this pack holds and proves"))
        pdf.text_block(
            _("History chain %(chain)s, rows %(first)s to %(head)s; %(rows)s history rows included in full.")
            % {"chain": info["chain"], "first": info["first_seq"], "head": info["head_seq"], "rows": info["rows"]}
        )
        pdf.text_block(_("Chain head seal (SHA-256):"))
        pdf.text_block(info["head_seal"], size=9, indent=8)
        pdf.text_block(_("Evidence files: %(count)s.") % {"count": len({item.sha256 for item in evidence})})
        pdf.text_block(
            _("Check the pack with the verifier inside it: python3 verify_pack.py <pack>.zip (Python only).")
        )
        pdf.heading(_("What the pack proves"), size=12)
        for line in info.get("proves", []):
            pdf.text_block(f"• {line.split(' / ')[0]}", indent=4)
        pdf.heading(_("What the pack cannot prove"), size=12)
        for line in info.get("cannot_prove", []):
            pdf.text_block(f"• {line.split(' / ')[0]}", indent=4)
        return bytes(pdf.output())
