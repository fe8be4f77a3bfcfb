"""The project's own 12-month report of the sample year, as Word and as PDF, imports back to the same plan:
its measures, indicators, actions, responsible divisions and approved results.

A PDF keeps no space where a line wraps (the writer drops it), so where Thai meets Thai at a wrapped line's
end the PDF cannot say whether a space was there: texts read from the PDF are compared without whitespace,
and the import treats such texts as unchanged (approvals/importer/writer.py)."""

from __future__ import annotations

import re

import pytest

from approvals.importer.files import parse_report_file
from approvals.importer.text import match_key
from approvals.importer.writer import import_plan
from approvals.models import Action, Agency, Plan
from reports import renderers
from reports.assembly import assemble_report
from tests import factories


def _squeeze(text: str) -> str:
    return "\n".join(re.sub(r"\s+", " ", line).strip() for line in text.split("\n") if line.strip())


KEYS = {"docx": _squeeze, "pdf": match_key}


def _plan_of_database(plan: Plan, key) -> list[tuple]:
    """The plan as the report prints it: measures, indicators, actions with responsible divisions and the
    approved results the 12-month report holds."""
    report = assemble_report(plan, 12)
    printed = {(a.text, a.number): a for a in report.actions()}
    measures = []
    for measure in plan.measures.order_by("number"):
        indicators = []
        for indicator in measure.indicators.order_by("number"):
            actions = []
            for action in indicator.actions.order_by("position").prefetch_related("divisions"):
                responsible = "all" if action.all_divisions else sorted(d.name for d in action.divisions.all())
                results = key(printed[(action.text, action.number)].results_text())
                actions.append((action.number, key(action.text), responsible, results))
            indicators.append((indicator.number, indicator.assessment, indicator.name, indicator.status, actions))
        measures.append((measure.number, measure.title, indicators))
    return measures


def _plan_of_report(parsed: dict, key) -> list[tuple]:
    return [
        (
            measure["number"],
            measure["title"],
            [
                (
                    indicator["number"],
                    indicator["assessment"],
                    indicator["name"],
                    indicator["status"],
                    [
                        (
                            action["number"],
                            key(action["text"]),
                            action["responsible"] if action["responsible"] == "all" else sorted(action["responsible"]),
                            key(action["results"]),
                        )
                        for action in indicator["actions"]
                    ],
                )
                for indicator in measure["indicators"]
            ],
        )
        for measure in parsed["measures"]
    ]


@pytest.mark.parametrize("report_format", ["docx", "pdf"])
def test_the_sample_years_own_report_imports_back_to_the_same_plan(sample_year, report_format, settings):
    settings.THAI_DIGITS = True
    content = renderers.render(assemble_report(sample_year, 12), report_format)

    parsed = parse_report_file(content).to_dict()

    assert parsed["agency"] == sample_year.agency.name
    assert parsed["fiscal_year"] == sample_year.fiscal_year.year
    assert _plan_of_report(parsed, KEYS[report_format]) == _plan_of_database(sample_year, KEYS[report_format])


@pytest.mark.parametrize("report_format", ["docx", "pdf"])
def test_importing_the_sample_years_report_into_a_new_agency_writes_the_same_plan_and_again_changes_nothing(
    sample_year, report_format
):
    content = renderers.render(assemble_report(sample_year, 12), report_format)
    parsed = parse_report_file(content).to_dict()
    other: Agency = factories.AgencyFactory(name=sample_year.agency.name + "ใหม่", slug="round-trip")

    first = import_plan(parsed, agency=other, by=None)
    second = import_plan(parsed, agency=other, by=None)

    copy = first.plan
    assert not second.changed
    assert (
        Action.objects.filter(indicator__measure__plan=copy).count()
        == Action.objects.filter(indicator__measure__plan=sample_year).count()
    )
    ours = [(m.number, m.title) for m in sample_year.measures.order_by("number")]
    assert [(m.number, m.title) for m in copy.measures.order_by("number")] == ours
