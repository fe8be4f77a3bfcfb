"""The figures of a plan (ตัวเลขผลการดำเนินงาน): every number people read about actions, defined once.

Every page, dashboard, export and report that shows one of these numbers takes it from here, so two
pages never give two answers for the same action.

- **Counted**: every action except a cancelled one.
- **Status**: the workflow's own (`Action.Status`); charts group it into five kinds: approved, awaiting
  review or approval, in progress, returned, not started.
- **Open**: neither approved nor cancelled. **Overdue**: open, with a due date before today (the Thai
  date). **Days late**: today minus the due date, for an overdue action.
- **A division's part** of an action: the progress (0–100) the division last recorded for it, in its
  latest round, as a draft or submitted: the division's own latest word on how far it has got. A
  division that has recorded nothing counts 0; once the mayor approves, every part is 100.
- **An action's progress**: the mean of the parts of every division expected to report on it (the
  divisions named responsible, every active division for an all-divisions action, and any division
  that holds a submission for it): 100 when approved, 0 when nobody has recorded anything.
- **Average progress** of a group of actions (a measure, an indicator, the plan) is what an executive
  means by "how far along are we": the mean of the progress of the group's counted actions, each
  action counting once and equally, an action not started counting 0. A **division's** average
  progress is the mean of its own parts of the actions it is responsible for: the division is
  judged on its own work, not on other divisions' shares of an action they share.
- **A division's overdue count**: overdue actions still waiting for that division (its part is still a
  draft, or missing); an action waiting for the chief administrator or the mayor is not the division's
  delay. A group's overdue count is the number of its overdue actions.
- **Approved at**: the moment of the mayor's approval. **Time to approval**: the days from the last
  submission of the approved round to the approval.
- **Whose figures**: the plan's integrity measures' (`Measure.objects.integrity_measures()`, the one
  definition). The OIT disclosure items adopted into the plan are work of the plan but not one of its
  measures: every tally, list and overdue count here leaves them out, and they have their own figure
  (oit/progress.py: items approved of all). Each of their actions still gets its own figures
  (`PlanFigures.disclosure_actions`), for a page about that one action.

`plan_figures(plan)` computes all of it in a fixed number of queries (four), whatever the size of the
plan: it reads narrow rows and counts in Python.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import BooleanField, ExpressionWrapper, Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from approvals.models import Action, Decision, Division, Measure, Plan, Submission

OPEN_STATUSES = (
    Action.Status.PLANNED,
    Action.Status.IN_PROGRESS,
    Action.Status.RETURNED,
    Action.Status.AWAITING_REVIEW,
    Action.Status.AWAITING_APPROVAL,
)
# How an action's status is grouped in charts and tallies.
KIND: dict[str, str] = {
    Action.Status.DONE: "done",
    Action.Status.AWAITING_REVIEW: "review",
    Action.Status.AWAITING_APPROVAL: "review",
    Action.Status.IN_PROGRESS: "progress",
    Action.Status.RETURNED: "returned",
    Action.Status.PLANNED: "planned",
}
KIND_ORDER = ("done", "review", "progress", "returned", "planned")
# A division's part still waits for the division while its latest record is a draft (or there is none).
WAITING_FOR_DIVISION = ("", Submission.Status.DRAFT)


def kind_labels() -> dict[str, str]:
    return {
        "done": _("Approved"),
        "review": _("Awaiting review or approval"),
        "progress": _("In progress"),
        "returned": _("Returned"),
        "planned": _("Not started"),
    }


def is_open(status: str) -> bool:
    return status in OPEN_STATUSES


def is_overdue(status: str, due_date: datetime.date | None, today: datetime.date | None = None) -> bool:
    """Open, with a due date before today."""
    today = today or timezone.localdate()
    return bool(due_date and due_date < today and is_open(status))


def overdue_filter(today: datetime.date | None = None) -> Q:
    """`is_overdue` as a query condition on actions."""
    today = today or timezone.localdate()
    return Q(status__in=OPEN_STATUSES, due_date__lt=today)


def integrity_measures_of(plan_ids: list[int]) -> QuerySet[Measure, dict[str, Any]]:
    """The ids of the measures of `plan_ids` whose work the figures count: their integrity measures
    (`Measure.objects.integrity_measures()`), as a subquery for `indicator__measure__in=`."""
    return Measure.objects.filter(plan__in=plan_ids).integrity_measures().values("pk")


def mean(values: list[int] | list[float]) -> int:
    """A whole percentage, rounded half to even as Python's round does, 0 for nothing."""
    return round(sum(values) / len(values)) if values else 0


def approval_moments(plan: Plan, *, before: datetime.datetime | None = None) -> dict[int, datetime.datetime]:
    """When the mayor approved each action of `plan` (only approvals before `before`, if given)."""
    approvals = Decision.objects.filter(
        agency_id=plan.agency_id,
        action__indicator__measure__plan=plan,
        stage=Decision.Stage.APPROVAL,
        outcome=Decision.Outcome.APPROVED,
    )
    if before is not None:
        approvals = approvals.filter(decided_at__lt=before)
    return dict(approvals.values("action_id").annotate(at=Max("decided_at")).values_list("action_id", "at"))


@dataclass(frozen=True)
class Part:
    """One division's part of an action."""

    division_id: int
    division: str
    sort_order: int
    # The status of the division's latest submission ("" when it has none).
    status: str
    progress: int

    @property
    def status_label(self) -> str:
        return str(Submission.Status(self.status).label) if self.status else ""

    @property
    def waiting(self) -> bool:
        return self.status in WAITING_FOR_DIVISION


@dataclass
class ActionFigures:
    pk: int
    number: str
    text: str
    status: str
    due_date: datetime.date | None
    all_divisions: bool
    indicator_id: int
    measure_id: int
    parts: list[Part]
    overdue: bool
    days_late: int
    progress: int
    approved_at: datetime.datetime | None = None
    days_to_approval: float | None = None

    @property
    def counted(self) -> bool:
        return self.status != Action.Status.CANCELLED

    @property
    def kind(self) -> str:
        return KIND.get(self.status, "")

    @property
    def status_label(self) -> str:
        return str(Action.Status(self.status).label)

    @property
    def label(self) -> str:
        """The action as people name it: its number as written, when it is one, then its text."""
        number = (self.number or "").strip()
        return f"{number}. {self.text}" if number.isdigit() else self.text

    def part_of(self, division_id: int) -> Part | None:
        return next((part for part in self.parts if part.division_id == division_id), None)

    def responsible_label(self) -> str:
        if self.all_divisions:
            return _("All divisions")
        return ", ".join(part.division for part in self.parts)


@dataclass
class Tally:
    """How many of a group's actions are in each kind of state, overdue, and how far along they are."""

    label: str
    counts: Counter = field(default_factory=Counter)
    progresses: list[int] = field(default_factory=list)
    overdue: int = 0

    def add(self, kind: str, progress: int, overdue: bool) -> None:
        self.counts[kind] += 1
        self.progresses.append(progress)
        self.overdue += int(overdue)

    @property
    def total(self) -> int:
        """Counted actions: every one except the cancelled."""
        return sum(self.counts[kind] for kind in KIND_ORDER)

    @property
    def done(self) -> int:
        return self.counts["done"]

    @property
    def awaiting(self) -> int:
        return self.counts["review"]

    @property
    def percent_done(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def average_progress(self) -> int:
        return mean(self.progresses)


@dataclass
class IndicatorFigures:
    pk: int
    number: int
    name: str
    assessment: str
    measure_id: int
    tally: Tally
    actions: list[ActionFigures] = field(default_factory=list)


@dataclass
class MeasureFigures:
    pk: int
    number: int
    title: str
    tally: Tally
    indicators: list[IndicatorFigures] = field(default_factory=list)


@dataclass
class DivisionFigures:
    pk: int
    name: str
    sort_order: int
    is_active: bool
    tally: Tally
    # How many of the division's parts are in each submission status ("" for none recorded).
    part_statuses: Counter = field(default_factory=Counter)


@dataclass
class PlanFigures:
    plan: Plan
    today: datetime.date
    actions: list[ActionFigures]
    measures: list[MeasureFigures]
    divisions: list[DivisionFigures]
    overall: Tally
    # The actions of the OIT disclosure items adopted into the plan: figured like any action, counted in no
    # tally, list or overdue count above (they are not one of the plan's measures; see the module's docstring).
    disclosure_actions: list[ActionFigures] = field(default_factory=list)

    @property
    def indicators(self) -> list[IndicatorFigures]:
        return [indicator for measure in self.measures for indicator in measure.indicators]

    @property
    def counted(self) -> list[ActionFigures]:
        return [action for action in self.actions if action.counted]

    @property
    def overdue(self) -> list[ActionFigures]:
        """Overdue actions, the latest first."""
        return sorted((a for a in self.actions if a.overdue), key=lambda a: (-a.days_late, a.pk))

    @property
    def approval_days(self) -> list[float]:
        return [a.days_to_approval for a in self.actions if a.days_to_approval is not None]

    def action(self, pk: int) -> ActionFigures | None:
        """The figures of any action of the plan, an OIT item's included."""
        return next((a for a in (*self.actions, *self.disclosure_actions) if a.pk == pk), None)

    def division(self, pk: int) -> DivisionFigures | None:
        return next((d for d in self.divisions if d.pk == pk), None)

    def indicator(self, pk: int) -> IndicatorFigures | None:
        return next((i for i in self.indicators if i.pk == pk), None)


def indicator_label(number: int, name: str) -> str:
    return _("Indicator %(number)s: %(name)s") % {"number": number, "name": name}


def plan_figures(plan: Plan, today: datetime.date | None = None) -> PlanFigures:
    """Every figure of `plan` as of `today`, in four queries."""
    return plans_figures([plan], today)[plan.pk]


def plans_figures(plans: list[Plan], today: datetime.date | None = None) -> dict[int, PlanFigures]:
    """Every figure of each of `plans` (of one agency or many: the province's pages) as of `today`, in the
    same four queries whatever their number, by plan id."""
    today = today or timezone.localdate()
    plan_ids = [plan.pk for plan in plans]
    agency_ids = sorted({plan.agency_id for plan in plans})
    # One row per action and named division (the join through Responsibility), grouped back per action.
    rows: dict[int, dict[int, Any]] = {pk: {} for pk in plan_ids}
    named: dict[int, set[int]] = defaultdict(set)
    row: Mapping[str, Any]
    integrity = ExpressionWrapper(
        Q(indicator__measure__in=integrity_measures_of(plan_ids)), output_field=BooleanField()
    )
    for row in (
        Action.objects.filter(agency_id__in=agency_ids, indicator__measure__plan__in=plan_ids)
        .annotate(integrity=integrity)
        .order_by("indicator__measure__number", "indicator__number", "position", "id")
        .values(
            "id",
            "number",
            "text",
            "status",
            "due_date",
            "all_divisions",
            "divisions",
            "indicator_id",
            "indicator__number",
            "indicator__written_number",
            "indicator__name",
            "indicator__assessment",
            "indicator__measure_id",
            "indicator__measure__number",
            "indicator__measure__title",
            "indicator__measure__plan_id",
            "integrity",
        )
    ):
        rows[row["indicator__measure__plan_id"]].setdefault(row["id"], row)
        if row["divisions"] is not None:
            named[row["id"]].add(row["divisions"])
    divisions_of: dict[int, dict[int, Any]] = defaultdict(dict)
    for row in Division.objects.filter(agency_id__in=agency_ids).values(
        "id", "agency_id", "name", "sort_order", "is_active"
    ):
        divisions_of[row["agency_id"]][row["id"]] = row
    # (action, division) -> (round, status, progress) of the latest round; (action, round) -> last submission.
    latest: dict[tuple[int, int], tuple[int, str, int]] = {}
    recorded: dict[int, set[int]] = defaultdict(set)
    submitted_at: dict[tuple[int, int], datetime.datetime] = {}
    for action_id, division_id, round_number, status, progress, at in Submission.objects.filter(
        agency_id__in=agency_ids, action__indicator__measure__plan__in=plan_ids
    ).values_list("action_id", "division_id", "round", "status", "progress", "submitted_at"):
        key = (action_id, division_id)
        recorded[action_id].add(division_id)
        if key not in latest or latest[key][0] < round_number:
            latest[key] = (round_number, status, progress)
        last = submitted_at.get((action_id, round_number))
        if at is not None and (last is None or last < at):
            submitted_at[action_id, round_number] = at
    approvals: dict[int, tuple[datetime.datetime, int]] = {}
    for action_id, round_number, at in Decision.objects.filter(
        agency_id__in=agency_ids,
        action__indicator__measure__plan__in=plan_ids,
        stage=Decision.Stage.APPROVAL,
        outcome=Decision.Outcome.APPROVED,
    ).values_list("action_id", "round", "decided_at"):
        if action_id not in approvals or approvals[action_id][0] < at:
            approvals[action_id] = (at, round_number)
    return {
        plan.pk: _figures(
            plan, today, rows[plan.pk], named, divisions_of[plan.agency_id], latest, recorded, submitted_at, approvals
        )
        for plan in plans
    }


def _figures(
    plan: Plan,
    today: datetime.date,
    rows: dict[int, dict],
    named: dict[int, set[int]],
    divisions: dict[int, dict],
    latest: dict[tuple[int, int], tuple[int, str, int]],
    recorded: dict[int, set[int]],
    submitted_at: dict[tuple[int, int], datetime.datetime],
    approvals: dict[int, tuple[datetime.datetime, int]],
) -> PlanFigures:
    active = {pk for pk, row in divisions.items() if row["is_active"]}
    overall = Tally(label=_("All actions"))
    measures: dict[int, MeasureFigures] = {}
    indicators: dict[int, IndicatorFigures] = {}
    by_division = {
        pk: DivisionFigures(pk, row["name"], row["sort_order"], row["is_active"], Tally(label=row["name"]))
        for pk, row in divisions.items()
    }
    actions = []
    disclosure_actions = []
    for row in rows.values():
        pk, status = row["id"], row["status"]
        done = status == Action.Status.DONE
        expected = (active if row["all_divisions"] else named[pk]) | recorded[pk]
        parts = sorted(
            (
                Part(
                    division_id=division_id,
                    division=divisions[division_id]["name"],
                    sort_order=divisions[division_id]["sort_order"],
                    status=latest[(pk, division_id)][1] if (pk, division_id) in latest else "",
                    progress=100 if done else (latest[(pk, division_id)][2] if (pk, division_id) in latest else 0),
                )
                for division_id in expected
                if division_id in divisions
            ),
            key=lambda part: (part.sort_order, part.division),
        )
        overdue = is_overdue(status, row["due_date"], today)
        approved = approvals.get(pk)
        figures = ActionFigures(
            pk=pk,
            number=row["number"],
            text=row["text"],
            status=status,
            due_date=row["due_date"],
            all_divisions=row["all_divisions"],
            indicator_id=row["indicator_id"],
            measure_id=row["indicator__measure_id"],
            parts=parts,
            overdue=overdue,
            days_late=(today - row["due_date"]).days if overdue else 0,
            progress=100 if done else mean([part.progress for part in parts]),
            approved_at=approved[0] if approved else None,
        )
        if approved and (pk, approved[1]) in submitted_at:
            figures.days_to_approval = (approved[0] - submitted_at[pk, approved[1]]).total_seconds() / 86400
        if not row["integrity"]:
            disclosure_actions.append(figures)
            continue
        actions.append(figures)

        measure = measures.setdefault(
            row["indicator__measure_id"],
            MeasureFigures(
                pk=row["indicator__measure_id"],
                number=row["indicator__measure__number"],
                title=row["indicator__measure__title"],
                tally=Tally(label=f"{row['indicator__measure__number']}. {row['indicator__measure__title']}"),
            ),
        )
        number = row["indicator__written_number"] or row["indicator__number"]
        indicator = indicators.get(row["indicator_id"])
        if indicator is None:
            indicator = indicators[row["indicator_id"]] = IndicatorFigures(
                pk=row["indicator_id"],
                number=number,
                name=row["indicator__name"],
                assessment=row["indicator__assessment"],
                measure_id=row["indicator__measure_id"],
                tally=Tally(label=indicator_label(number, row["indicator__name"])),
            )
            measure.indicators.append(indicator)
        indicator.actions.append(figures)
        if not figures.counted:
            continue
        for tally in (overall, measure.tally, indicator.tally):
            tally.add(figures.kind, figures.progress, overdue)
        for part in parts:
            division = by_division[part.division_id]
            division.tally.add(figures.kind, part.progress, overdue and part.waiting)
            division.part_statuses[part.status] += 1

    return PlanFigures(
        plan=plan,
        today=today,
        actions=actions,
        measures=list(measures.values()),
        divisions=sorted(
            (d for d in by_division.values() if d.tally.total), key=lambda d: (d.sort_order, d.name, d.pk)
        ),
        overall=overall,
        disclosure_actions=disclosure_actions,
    )


@dataclass(frozen=True)
class DivisionSubmission:
    """Where one division stands on an action (ส่งแล้ว / ยังไม่ส่ง): its latest submission's status and when it
    was sent. A division has submitted when its part no longer waits for it (see `Part.waiting`)."""

    division_id: int
    division: str
    sort_order: int
    status: str
    # Which sending of the division this is (ส่งครั้งที่): 1, then 2 after a return, ...
    round: int
    submitted_at: datetime.datetime | None
    submitted_by: str

    @property
    def submitted(self) -> bool:
        return self.status not in WAITING_FOR_DIVISION

    @property
    def status_label(self) -> str:
        return str(Submission.Status(self.status).label) if self.status else ""


def division_submissions(actions: list[Action]) -> dict[int, list[DivisionSubmission]]:
    """For each action, every division expected to report on it (as `plan_figures` counts them: the named
    divisions, every active division for an all-divisions action, and any division holding a submission), with
    whether it has submitted and when; divisions that have not submitted first. Three queries for any number of
    actions."""
    if not actions:
        return {}
    agency_ids = {action.agency_id for action in actions}
    divisions = {
        row["id"]: row
        for row in Division.objects.filter(agency_id__in=agency_ids).values(
            "id", "agency_id", "name", "sort_order", "is_active"
        )
    }
    named: dict[int, set[int]] = defaultdict(set)
    # The many-to-many's own table: the model Django makes for it is not known to the type checker.
    action_divisions: Any = Action.divisions.through
    for action_id, division_id in action_divisions.objects.filter(action_id__in=[a.pk for a in actions]).values_list(
        "action_id", "division_id"
    ):
        named[action_id].add(division_id)
    latest: dict[tuple[int, int], tuple[int, str, datetime.datetime | None, str]] = {}
    for action_id, division_id, round_number, status, at, first, last, username in (
        Submission.objects.filter(action_id__in=[a.pk for a in actions])
        .order_by("round")
        .values_list(
            "action_id",
            "division_id",
            "round",
            "status",
            "submitted_at",
            "submitted_by__first_name",
            "submitted_by__last_name",
            "submitted_by__username",
        )
    ):
        name = f"{first or ''} {last or ''}".strip() or (username or "")
        latest[(action_id, division_id)] = (round_number, status, at, name)
    result: dict[int, list[DivisionSubmission]] = {}
    for action in actions:
        if action.all_divisions:
            expected = {
                pk for pk, row in divisions.items() if row["is_active"] and row["agency_id"] == action.agency_id
            }
        else:
            expected = set(named[action.pk])
        expected |= {division_id for (action_id, division_id) in latest if action_id == action.pk}
        rows = []
        for division_id in expected & divisions.keys():
            row = divisions[division_id]
            round_number, status, at, by = latest.get((action.pk, division_id), (1, "", None, ""))
            rows.append(DivisionSubmission(division_id, row["name"], row["sort_order"], status, round_number, at, by))
        result[action.pk] = sorted(rows, key=lambda r: (r.submitted, r.sort_order, r.division))
    return result
