"""Where every action of a plan stands: by measure and indicator, and by division. A fixed number of queries,
however many actions and submissions the plan has."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from approvals.models import Action, Division, Plan, Submission
from workflows.models import ActionProcess


@dataclass
class ActionRow:
    action: Action
    overdue: bool
    progress: int
    submissions: list[Submission]


@dataclass
class DivisionRow:
    division: Division
    counts: Counter = field(default_factory=Counter)
    overdue: int = 0
    cells: list[int] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def plan_progress(plan: Plan) -> dict[str, Any]:
    today = timezone.localdate()
    actions = list(
        Action.objects.filter(indicator__measure__plan=plan)
        .select_related("indicator__measure")
        .prefetch_related("divisions")
        .order_by("indicator__measure__number", "indicator__number", "position")
    )
    latest: dict[int, dict[int, Submission]] = defaultdict(dict)
    for submission in (
        Submission.objects.filter(action__indicator__measure__plan=plan)
        .select_related("division")
        .only("action_id", "division_id", "round", "status", "progress", "division__name", "division__sort_order")
        .order_by("round")
    ):
        latest[submission.action_id][submission.division_id] = submission
    started = set(ActionProcess.objects.filter(action__in=actions).values_list("action_id", flat=True))
    divisions = {d.pk: DivisionRow(d) for d in Division.objects.filter(agency_id=plan.agency_id)}

    measures: dict[int, dict[str, Any]] = {}
    totals: Counter = Counter()
    overdue_total = 0
    for action in actions:
        current = sorted(latest[action.pk].values(), key=lambda s: (s.division.sort_order, s.division.name))
        overdue = action.is_overdue(today)
        progress = round(sum(s.progress for s in current) / len(current)) if current else 0
        if action.status == Action.Status.DONE:
            progress = 100
        row = ActionRow(action=action, overdue=overdue, progress=progress, submissions=current)
        measure = measures.setdefault(
            action.indicator.measure_id, {"measure": action.indicator.measure, "indicators": {}, "counts": Counter()}
        )
        indicator = measure["indicators"].setdefault(
            action.indicator_id, {"indicator": action.indicator, "rows": [], "counts": Counter()}
        )
        indicator["rows"].append(row)
        for counter in (measure["counts"], indicator["counts"], totals):
            counter[action.status] += 1
        overdue_total += overdue
        for submission in current:
            division_row = divisions.get(submission.division_id)
            if division_row is not None and action.status != Action.Status.CANCELLED:
                division_row.counts[submission.status] += 1
                division_row.overdue += overdue and submission.status == Submission.Status.DRAFT
    # A division's latest submission is never a returned one (a return opens a new draft): no column for it.
    columns = [(value, label) for value, label in Submission.Status.choices if value != Submission.Status.RETURNED]
    for division_row in divisions.values():
        division_row.cells = [division_row.counts[value] for value, _label in columns]
    for measure in measures.values():
        measure["indicators"] = list(measure["indicators"].values())
    statuses = [(value, label, totals[value]) for value, label in Action.Status.choices]
    return {
        "plan": plan,
        "measures": list(measures.values()),
        "divisions": [row for row in divisions.values() if row.total],
        "statuses": statuses,
        "total": len(actions),
        "done": totals[Action.Status.DONE],
        "overdue_total": overdue_total,
        "submission_statuses": columns,
        "not_started_processes": sum(1 for a in actions if a.pk not in started and a.status != Action.Status.CANCELLED),
    }
