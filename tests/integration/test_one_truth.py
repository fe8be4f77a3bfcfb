"""One truth for every number: after the sample year, every page, report and export that shows a figure
of the plan (progress, status counts, overdue, approvals) shows the same value for the same thing, and
that value is the one approvals.figures defines."""

from __future__ import annotations

import io
from collections import Counter
from html.parser import HTMLParser

import pytest
from openpyxl import load_workbook

from approvals.figures import plan_figures
from approvals.models import Action, Role, RoleAssignment, User
from reports import official, renderers
from reports.assembly import assemble_report
from reports.models import ReportRound

VOID = {"br", "img", "input", "meta", "link", "col", "hr", "source", "wbr", "area", "base", "embed", "track"}


class FigureReader(HTMLParser):
    """Collects, for every element with `data-row`, the figures inside it (`data-figure` or `data-value`
    elements) and its own `data-*` attributes: {row: {figure: text}}."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, dict[str, str]] = {}
        self.open_rows: list[tuple[str, int]] = []
        self.figure: tuple[str, str] | None = None
        self.depth = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.depth += 0 if tag in VOID else 1  # void elements never close
        if "data-row" in attrs:
            row = attrs["data-row"]
            self.rows.setdefault(row, {}).update(
                {k.removeprefix("data-"): v for k, v in attrs.items() if k.startswith("data-") and k != "data-row"}
            )
            self.open_rows.append((row, self.depth))
        name = attrs.get("data-figure") or attrs.get("data-value")
        if name and self.open_rows:
            self.figure = (self.open_rows[-1][0], name)
            self.rows[self.figure[0]][self.figure[1]] = ""

    def handle_data(self, data):
        if self.figure is not None:
            self.rows[self.figure[0]][self.figure[1]] += data.strip()

    def handle_endtag(self, tag):
        self.figure = None
        if self.open_rows and self.open_rows[-1][1] == self.depth:
            self.open_rows.pop()
        self.depth -= 1


def figures_on(client, username: str, url: str) -> dict[str, dict[str, str]]:
    if username:
        client.force_login(User.objects.get(username=username))
    else:
        client.logout()
    response = client.get(url)
    assert response.status_code == 200, url
    reader = FigureReader()
    reader.feed(response.content.decode())
    return reader.rows


def tally_row(tally) -> dict[str, str]:
    return {
        "total": str(tally.total),
        "done": str(tally.done),
        "awaiting": str(tally.awaiting),
        "returned": str(tally.counts["returned"]),
        "overdue": str(tally.overdue),
        "average-progress": str(tally.average_progress),
    }


def pick(row: dict[str, str], *names: str) -> dict[str, str]:
    return {name: row[name] for name in names}


@pytest.fixture
def figures(sample_year):
    return plan_figures(sample_year)


@pytest.fixture
def executive(client, sample_year):
    return figures_on(client, "nayok", "/reports/dashboard/")


def staff_usernames(plan) -> list[str]:
    return sorted(
        set(
            RoleAssignment.objects.filter(agency=plan.agency, role=Role.STAFF)
            .active()
            .values_list("user__username", flat=True)
        )
    )


def test_the_executive_dashboard_shows_the_figures_of_every_measure_indicator_and_division(executive, figures):
    groups = [m.tally for m in figures.measures] + [i.tally for i in figures.indicators]
    groups += [d.tally for d in figures.divisions]

    assert {tally.label: pick(executive[tally.label], *tally_row(tally)) for tally in groups} == {
        tally.label: tally_row(tally) for tally in groups
    }
    assert pick(executive["overall"], "total", "done", "awaiting", "overdue") == pick(
        tally_row(figures.overall), "total", "done", "awaiting", "overdue"
    )


def test_each_division_dashboard_agrees_with_the_executive_dashboard_and_the_divisions_parts(
    client, sample_year, executive, figures
):
    compared = 0
    for username in staff_usernames(sample_year):
        own = figures_on(client, username, "/reports/my-division/")
        tallies = {label: row for label, row in own.items() if "average-progress" in row}
        parts = {label: row["progress"] for label, row in own.items() if "progress" in row}

        assert tallies and {label: executive[label] for label in tallies} == tallies
        for key, progress in parts.items():
            action_id, division = key.split(":", 1)
            action = figures.action(int(action_id))
            assert int(progress) == next(p.progress for p in action.parts if p.division == division)
        compared += len(tallies)
    assert compared > len(staff_usernames(sample_year))


def test_the_plan_progress_page_agrees_with_the_executive_dashboard(client, sample_year, executive, figures):
    page = figures_on(client, "auditor", f"/work/progress/{sample_year.fiscal_year.year}/")

    assert pick(page["overall"], "done", "total", "overdue") == pick(executive["overall"], "done", "total", "overdue")
    assert {a.pk: (page[str(a.pk)]["progress"], "overdue" in page[str(a.pk)]) for a in figures.actions} == {
        a.pk: (str(a.progress), a.overdue) for a in figures.actions
    }
    assert {d.name: page[d.name]["overdue"] for d in figures.divisions} == {
        d.name: executive[d.name]["overdue"] for d in figures.divisions
    }


def test_the_public_page_counts_what_the_executive_dashboard_counts(client, sample_year, executive, figures):
    public = figures_on(client, "", f"/public/{sample_year.agency.slug}/{sample_year.fiscal_year.year}/")
    groups = [i.tally.label for i in figures.indicators] + [d.name for d in figures.divisions if d.is_active]

    assert {label: public[label] for label in groups} == {
        label: pick(executive[label], "done", "total") for label in groups
    }
    assert public["overall"] == pick(executive["overall"], "done", "total")


def test_the_official_report_and_its_excel_export_list_results_for_the_approved_actions_exactly(sample_year, figures):
    approved = [a for a in figures.actions if a.status == Action.Status.DONE]
    data = assemble_report(sample_year, ReportRound.TWELVE_MONTHS)
    sheet = load_workbook(io.BytesIO(renderers.render(data, "xlsx"))).active
    notes = (official.NO_APPROVED_RESULT.split("{")[0], official.CANCELLED)
    exported = Counter(
        "approved" if row[3] and not str(row[3]).startswith(notes) else "other"
        for row in sheet.iter_rows(min_row=6, max_col=5, values_only=True)
        if row[1] and row[2]
    )

    assert len(approved) == figures.overall.done > 0
    assert sum(1 for line in data.actions() if line.results) == len(approved)
    assert exported["approved"] == len(approved)
    assert exported["approved"] + exported["other"] == len(figures.actions)
