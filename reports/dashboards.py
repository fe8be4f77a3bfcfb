"""Figures of the dashboards: progress by measure, indicator and division, overdue work, returns and
the time from submission to approval.

Each dashboard reads a fixed number of narrow rows (`values()`), whatever the size of the plan, and
counts in Python; bench/queries_dashboards.py shows that the number of queries stays flat.
"""

from __future__ import annotations

import datetime
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from approvals.models import Action, Decision, Division, Plan, Responsibility, Submission
from reports import charts

OPEN = (
    Action.Status.PLANNED,
    Action.Status.IN_PROGRESS,
    Action.Status.RETURNED,
    Action.Status.AWAITING_REVIEW,
    Action.Status.AWAITING_APPROVAL,
)
# How an action's status shows in the stacked bars.
KIND = {
    Action.Status.DONE: "done",
    Action.Status.AWAITING_REVIEW: "review",
    Action.Status.AWAITING_APPROVAL: "review",
    Action.Status.IN_PROGRESS: "progress",
    Action.Status.RETURNED: "returned",
    Action.Status.PLANNED: "planned",
}
KIND_ORDER = ("done", "review", "progress", "returned", "planned")
# Buckets of days from submission to approval: (upper bound inclusive, label).
APPROVAL_BUCKETS = ((3, "0–3"), (7, "4–7"), (14, "8–14"), (30, "15–30"), (None, "> 30"))


def kind_labels() -> dict[str, str]:
    return {
        "done": _("Approved"),
        "review": _("Awaiting review or approval"),
        "progress": _("In progress"),
        "returned": _("Returned"),
        "planned": _("Not started"),
    }


@dataclass
class Tally:
    """How many actions of a group are in each state."""

    label: str
    counts: Counter = field(default_factory=Counter)
    progress: list[int] = field(default_factory=list)
    overdue: int = 0

    @property
    def total(self) -> int:
        """Actions that count: every one except the cancelled."""
        return sum(self.counts[kind] for kind in KIND_ORDER)

    @property
    def done(self) -> int:
        return self.counts["done"]

    @property
    def percent_done(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def average_progress(self) -> int:
        return round(sum(self.progress) / len(self.progress)) if self.progress else 0

    def add(self, row: dict, progress: int | None, overdue: bool) -> None:
        if row["status"] == Action.Status.CANCELLED:
            return
        self.counts[KIND[row["status"]]] += 1
        if progress is not None:
            self.progress.append(progress)
        self.overdue += int(overdue)

    def bar(self) -> charts.Bar:
        labels = kind_labels()
        return charts.Bar(
            label=self.label,
            segments=[charts.Segment(self.counts[kind], kind, labels[kind]) for kind in KIND_ORDER],
            total=self.total,
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
    stage: str
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
    returns_total: int
    returns_by_stage: dict[str, int]
    returns_by_division: list[tuple[str, int]]
    recent_returns: list[Return]
    approval_days: list[float]

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
        counts = Counter()
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
            "measures": charts.bar_chart([tally.bar() for tally in self.measures], title=_("Progress by measure")),
            "indicators": charts.bar_chart(
                [tally.bar() for tally in self.indicators], title=_("Progress by indicator")
            ),
            "divisions": charts.bar_chart([tally.bar() for tally in self.divisions], title=_("Progress by division")),
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

    def charts(self) -> dict:
        return {
            "divisions": charts.bar_chart(
                [tally.bar() for tally in self.divisions], title=_("Progress of your division")
            ),
            "indicators": charts.bar_chart(
                [tally.bar() for tally in self.indicators], title=_("Progress by indicator")
            ),
            "legend": charts.legend([(kind, label) for kind, label in kind_labels().items()]),
        }


def _action_rows(plan: Plan) -> list[dict]:
    return list(
        Action.objects.filter(agency_id=plan.agency_id, indicator__measure__plan=plan)
        .order_by("indicator__measure__number", "indicator__number", "position")
        .values(
            "id",
            "number",
            "text",
            "status",
            "due_date",
            "all_divisions",
            "indicator_id",
            "indicator__number",
            "indicator__written_number",
            "indicator__name",
            "indicator__measure_id",
            "indicator__measure__number",
            "indicator__measure__title",
        )
    )


def _responsibilities(plan: Plan) -> dict[int, list[int]]:
    by_action: dict[int, list[int]] = defaultdict(list)
    rows = Responsibility.objects.filter(agency_id=plan.agency_id, action__indicator__measure__plan=plan)
    for action_id, division_id in rows.values_list("action_id", "division_id"):
        by_action[action_id].append(division_id)
    return by_action


def _latest_progress(plan: Plan) -> dict[tuple[int, int], tuple[int, int]]:
    """(action, division) -> (round, progress) of the latest submitted round."""
    latest: dict[tuple[int, int], tuple[int, int]] = {}
    rows = Submission.objects.filter(
        agency_id=plan.agency_id, action__indicator__measure__plan=plan, submitted_at__isnull=False
    ).values_list("action_id", "division_id", "round", "progress")
    for action_id, division_id, round_number, progress in rows:
        key = (action_id, division_id)
        if key not in latest or latest[key][0] < round_number:
            latest[key] = (round_number, progress)
    return latest


def _indicator_label(row: dict) -> str:
    number = row["indicator__written_number"] or row["indicator__number"]
    return _("Indicator %(number)s: %(name)s") % {"number": number, "name": row["indicator__name"]}


def _is_overdue(row: dict, today: datetime.date) -> bool:
    return bool(row["due_date"] and row["due_date"] < today and row["status"] in OPEN)


def _action_label(row: dict) -> str:
    number = (row["number"] or "").strip()
    return f"{number}. {row['text']}" if number.isdigit() else row["text"]


def executive_dashboard(plan: Plan, today: datetime.date | None = None) -> ExecutiveDashboard:
    today = today or timezone.localdate()
    rows = _action_rows(plan)
    responsible = _responsibilities(plan)
    divisions = list(Division.objects.filter(agency_id=plan.agency_id, is_active=True))
    names = {division.pk: division.name for division in divisions}
    latest = _latest_progress(plan)

    overall = Tally(label=_("All actions"))
    measures: dict[int, Tally] = {}
    indicators: dict[int, Tally] = {}
    by_division = {division.pk: Tally(label=division.name) for division in divisions}
    overdue: list[OverdueAction] = []
    for row in rows:
        division_ids = list(names) if row["all_divisions"] else responsible.get(row["id"], [])
        progresses = [latest[(row["id"], d)][1] for d in division_ids if (row["id"], d) in latest]
        progress = round(sum(progresses) / len(division_ids)) if division_ids and progresses else None
        if row["status"] == Action.Status.DONE:
            progress = 100
        late = _is_overdue(row, today)
        overall.add(row, progress, late)
        measure_label = f"{row['indicator__measure__number']}. {row['indicator__measure__title']}"
        measures.setdefault(row["indicator__measure_id"], Tally(label=measure_label)).add(row, progress, late)
        indicators.setdefault(row["indicator_id"], Tally(label=_indicator_label(row))).add(row, progress, late)
        for division_id in division_ids:
            if division_id in by_division:
                own = latest.get((row["id"], division_id))
                by_division[division_id].add(row, 100 if progress == 100 else (own[1] if own else 0), late)
        if late:
            overdue.append(
                OverdueAction(
                    pk=row["id"],
                    label=_action_label(row),
                    indicator=_indicator_label(row),
                    due_date=row["due_date"],
                    days_late=(today - row["due_date"]).days,
                    status=Action.Status(row["status"]).label,
                    responsible=_("All divisions")
                    if row["all_divisions"]
                    else ", ".join(names.get(d, "") for d in division_ids),
                )
            )
    overdue.sort(key=lambda item: -item.days_late)

    decisions = list(
        Decision.objects.filter(agency_id=plan.agency_id, action__indicator__measure__plan=plan)
        .order_by("decided_at")
        .values("action_id", "action__text", "round", "stage", "outcome", "reason", "decided_at", "returned_divisions")
    )
    returns = [d for d in decisions if d["outcome"] == Decision.Outcome.RETURNED]
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

    submitted_at: dict[tuple[int, int], datetime.datetime] = {}
    for action_id, round_number, at in Submission.objects.filter(
        agency_id=plan.agency_id, action__indicator__measure__plan=plan, submitted_at__isnull=False
    ).values_list("action_id", "round", "submitted_at"):
        key = (action_id, round_number)
        if key not in submitted_at or submitted_at[key] < at:
            submitted_at[key] = at
    approval_days = []
    for d in decisions:
        if d["stage"] == Decision.Stage.APPROVAL and d["outcome"] == Decision.Outcome.APPROVED:
            submitted = submitted_at.get((d["action_id"], d["round"]))
            if submitted is not None:
                approval_days.append((d["decided_at"] - submitted).total_seconds() / 86400)

    return ExecutiveDashboard(
        plan=plan,
        today=today,
        overall=overall,
        measures=list(measures.values()),
        indicators=list(indicators.values()),
        divisions=[tally for tally in by_division.values() if tally.total],
        overdue=overdue,
        returns_total=len(returns),
        returns_by_stage=dict(by_stage),
        returns_by_division=by_returned_division.most_common(),
        recent_returns=recent,
        approval_days=approval_days,
    )


def division_dashboard(plan: Plan, division_ids: set[int], today: datetime.date | None = None) -> DivisionDashboard:
    """A division's own progress: its actions (including every all-divisions action) and their state."""
    today = today or timezone.localdate()
    rows = _action_rows(plan)
    responsible = _responsibilities(plan)
    divisions = list(Division.objects.filter(agency_id=plan.agency_id, pk__in=division_ids))
    latest = _latest_progress(plan)
    tallies = {division.pk: Tally(label=division.name) for division in divisions}
    indicators: dict[int, Tally] = {}
    actions = []
    for row in rows:
        own = [d for d in tallies if row["all_divisions"] or d in responsible.get(row["id"], [])]
        if not own:
            continue
        for division_id in own:
            entry = latest.get((row["id"], division_id))
            progress = 100 if row["status"] == Action.Status.DONE else (entry[1] if entry else 0)
            late = _is_overdue(row, today)
            tallies[division_id].add(row, progress, late)
            indicators.setdefault(row["indicator_id"], Tally(label=_indicator_label(row))).add(row, progress, late)
            actions.append(
                {
                    "pk": row["id"],
                    "label": _action_label(row),
                    "indicator": _indicator_label(row),
                    "division": tallies[division_id].label,
                    "status": row["status"],
                    "status_label": Action.Status(row["status"]).label,
                    "due_date": row["due_date"],
                    "overdue": late,
                    "progress": progress,
                }
            )
    return DivisionDashboard(
        plan=plan, today=today, divisions=list(tallies.values()), indicators=list(indicators.values()), actions=actions
    )
