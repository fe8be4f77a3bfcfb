"""The dashboards: progress by measure, indicator and division, overdue work, returns and the time from
submission to approval. Every figure comes from `approvals.figures` (one definition of each number);
this module only arranges them and adds the returns. Those figures are the plan's integrity measures'; the
OIT disclosure items adopted into the plan have their own figure, items approved of all (oit.progress).

Each dashboard reads a fixed number of narrow rows (`values()`), whatever the size of the plan, and
counts in Python; bench/queries_dashboards.py shows that the number of queries stays flat.
"""

from __future__ import annotations

import datetime
import statistics
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from approvals.figures import KIND_ORDER, PlanFigures, Tally, integrity_measures_of, kind_labels, plan_figures
from approvals.models import Decision, Division, Plan
from oit.progress import Completion, completion
from reports import charts

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise, StrPromise

# The overdue work the dashboard lists at first, most late first; the rest one click away (`?overdue=all`). An
# executive reads the worst cases; a table of hundreds of rows is read by nobody and costs the page its speed at a
# thousand actions (bench/queries_dashboards.py).
OVERDUE_SHOWN = 20

# Buckets of days from submission to approval: (upper bound inclusive, label).
APPROVAL_BUCKETS = ((3, "0–3"), (7, "4–7"), (14, "8–14"), (30, "15–30"), (None, "> 30"))


def bar(tally: Tally) -> charts.Bar:
    labels = kind_labels()
    return charts.Bar(
        label=tally.label,
        segments=[charts.Segment(tally.counts[kind], kind, labels[kind]) for kind in KIND_ORDER],
        total=tally.total,
    )


@dataclass(frozen=True)
class OverdueAction:
    pk: int
    label: str
    indicator: str
    due_date: datetime.date
    days_late: int
    status: str
    responsible: str


@dataclass(frozen=True)
class Return:
    action: str
    stage: StrOrPromise
    reason: str
    decided_at: datetime.datetime
    divisions: str


@dataclass
class ExecutiveDashboard:
    plan: Plan
    today: datetime.date
    overall: Tally
    measures: list[Tally]
    indicators: list[Tally]
    divisions: list[Tally]
    overdue: list[OverdueAction]
    overdue_total: int
    returns_total: int
    returns_by_stage: dict[StrPromise, int]
    returns_by_division: list[tuple[str, int]]
    recent_returns: list[Return]
    approval_days: list[float]
    figures: PlanFigures | None = None
    # The plan's OIT items approved of all (oit.progress); None when the plan adopted no catalogue.
    oit: Completion | None = None

    @property
    def approval_stats(self) -> dict[str, float | int]:
        days = self.approval_days
        if not days:
            return {"count": 0, "mean": 0, "median": 0, "max": 0}
        return {
            "count": len(days),
            "mean": round(statistics.fmean(days), 1),
            "median": round(statistics.median(days), 1),
            "max": round(max(days), 1),
        }

    def approval_buckets(self) -> list[tuple[str, int]]:
        counts: Counter[str] = Counter()
        for days in self.approval_days:
            for upper, label in APPROVAL_BUCKETS:
                if upper is None or days <= upper:
                    counts[label] += 1
                    break
        return [(label, counts[label]) for _upper, label in APPROVAL_BUCKETS]

    def charts(self) -> dict:
        buckets = self.approval_buckets()
        most = max((count for _label, count in buckets), default=0)
        return {
            "measures": charts.bar_chart([bar(tally) for tally in self.measures], title=_("Progress by measure")),
            "indicators": charts.bar_chart([bar(tally) for tally in self.indicators], title=_("Progress by indicator")),
            "divisions": charts.bar_chart([bar(tally) for tally in self.divisions], title=_("Progress by division")),
            "approval": charts.bar_chart(
                [
                    charts.Bar(
                        label=_("%(days)s days") % {"days": label},
                        segments=[charts.Segment(count, "value", _("Approved actions"))],
                        total=most,
                        caption=str(count),
                    )
                    for label, count in buckets
                ],
                title=_("Days from submission to approval"),
            ),
            "legend": charts.legend([(kind, label) for kind, label in kind_labels().items()]),
        }


@dataclass
class DivisionDashboard:
    plan: Plan
    today: datetime.date
    divisions: list[Tally]
    indicators: list[Tally]
    actions: list[dict]
    figures: PlanFigures | None = None
    # The OIT items the divisions are responsible for, approved of all; None when they have none.
    oit: Completion | None = None

    def charts(self) -> dict:
        return {
            "divisions": charts.bar_chart(
                [bar(tally) for tally in self.divisions], title=_("Progress of your division")
            ),
            "indicators": charts.bar_chart([bar(tally) for tally in self.indicators], title=_("Progress by indicator")),
            "legend": charts.legend([(kind, label) for kind, label in kind_labels().items()]),
        }


def executive_dashboard(
    plan: Plan, today: datetime.date | None = None, *, overdue_shown: int | None = OVERDUE_SHOWN
) -> ExecutiveDashboard:
    """The executives' figures of a plan; `overdue_shown` most-late overdue actions listed (None: all of them)."""
    figures = plan_figures(plan, today)
    late = figures.overdue
    indicator_names = {i.pk: i.tally.label for i in figures.indicators}
    overdue = [
        OverdueAction(
            pk=action.pk,
            label=action.label,
            indicator=indicator_names[action.indicator_id],
            due_date=action.due_date,
            days_late=action.days_late,
            status=action.status_label,
            responsible=action.responsible_label(),
        )
        for action in (late if overdue_shown is None else late[:overdue_shown])
        if action.due_date is not None  # always: overdue means past its due date
    ]

    names = dict(Division.objects.filter(agency_id=plan.agency_id).values_list("pk", "name"))
    returns = list(
        Decision.objects.filter(
            agency_id=plan.agency_id,
            action__indicator__measure__in=integrity_measures_of([plan.pk]),
            outcome=Decision.Outcome.RETURNED,
        )
        .order_by("decided_at")
        .values("action__text", "stage", "reason", "decided_at", "returned_divisions")
    )
    by_stage = Counter(Decision.Stage(d["stage"]).label for d in returns)
    by_returned_division = Counter(
        names[division_id] for d in returns for division_id in d["returned_divisions"] or [] if division_id in names
    )
    recent = [
        Return(
            action=d["action__text"],
            stage=Decision.Stage(d["stage"]).label,
            reason=d["reason"],
            decided_at=d["decided_at"],
            divisions=", ".join(names.get(pk, "") for pk in d["returned_divisions"] or []),
        )
        for d in reversed(returns[-10:])
    ]
    return ExecutiveDashboard(
        plan=plan,
        today=figures.today,
        overall=figures.overall,
        measures=[measure.tally for measure in figures.measures],
        indicators=[indicator.tally for indicator in figures.indicators],
        divisions=[division.tally for division in figures.divisions if division.is_active],
        overdue=overdue,
        overdue_total=len(late),
        returns_total=len(returns),
        returns_by_stage=dict(by_stage),
        returns_by_division=by_returned_division.most_common(),
        recent_returns=recent,
        approval_days=figures.approval_days,
        figures=figures,
        oit=completion([plan.pk]).get(plan.pk),
    )


def division_dashboard(plan: Plan, division_ids: set[int], today: datetime.date | None = None) -> DivisionDashboard:
    """A division's own progress: its parts of its actions (including every all-divisions action), and the
    figures of the indicators it works on (the same figures as everywhere else)."""
    figures = plan_figures(plan, today)
    divisions = [division for division in figures.divisions if division.pk in division_ids]
    indicator_names = {i.pk: i.tally.label for i in figures.indicators}
    worked_on: list[int] = []
    actions = []
    for action in figures.actions:
        for division in divisions:
            part = action.part_of(division.pk)
            if part is None:
                continue
            if action.indicator_id not in worked_on:
                worked_on.append(action.indicator_id)
            actions.append(
                {
                    "pk": action.pk,
                    "label": action.label,
                    "indicator": indicator_names[action.indicator_id],
                    "division": division.name,
                    "status": action.status,
                    "status_label": action.status_label,
                    "due_date": action.due_date,
                    "overdue": action.overdue,
                    "progress": part.progress,
                    "action_progress": action.progress,
                }
            )
    return DivisionDashboard(
        plan=plan,
        today=figures.today,
        divisions=[division.tally for division in divisions],
        indicators=[indicator.tally for pk in worked_on if (indicator := figures.indicator(pk)) is not None],
        actions=actions,
        figures=figures,
        oit=completion([plan.pk], division_ids).get(plan.pk),
    )
