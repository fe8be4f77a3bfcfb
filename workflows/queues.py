"""Queues people can work from (คิวงาน): the open tasks of a person's divisions and roles, filtered by division,
indicator, due date, overdue, state and holder, sorted, with counts; and for an action of several divisions,
which divisions have submitted and which have not.

The tasks come from `workflows.views.queue_tasks` (what the person may work on, segregation of duties applied);
overdue is `approvals.figures`' definition, as a query condition; the divisions' submissions are
`approvals.figures.division_submissions`. This module only filters, counts and shows.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlencode

from django import forms
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from approvals import figures, permissions
from approvals.models import Action, Division, Indicator, User
from workflows.nodes import OPEN_STATUSES
from workflows.views import PAGE_SIZE, agency_tasks, queue_tasks, task_rows

ACTION = "process__actionprocess__action"

# The holder filter: the person themself, nobody yet (waiting to be taken), or anybody.
MINE, NOBODY = "me", "nobody"
# The sort orders people asked for (Camunda's tasklist: due date and creation, both ways).
SORTS = {
    "due": (f"{ACTION}__due_date", "created", "pk"),
    "-due": (f"-{ACTION}__due_date", "-created", "-pk"),
    "created": ("created", "pk"),
    "-created": ("-created", "-pk"),
    "action": (f"{ACTION}__indicator__number", f"{ACTION}__position", "pk"),
}


def overdue_tasks_condition(today: datetime.date | None = None) -> Q:
    """Tasks whose action is overdue, as approvals.figures defines overdue (the one definition)."""
    # Asked of each task's own action (by its key), not as "among every overdue action": that list spans every
    # agency of the database (28,000 actions at 1,000 agencies) and made the queue's counts grow with them.
    return Q(Exists(Action.objects.filter(figures.overdue_filter(today), pk=OuterRef(ACTION))))


class QueueFilterForm(forms.Form):
    """The queue's filters, read from the query string; a value that is not one of the choices is an error
    shown above the list, and the list is then unfiltered by it."""

    division = forms.TypedChoiceField(label=_("Division"), required=False, coerce=int, empty_value=None)
    indicator = forms.TypedChoiceField(label=_("Indicator"), required=False, coerce=int, empty_value=None)
    state = forms.ChoiceField(label=_("State"), required=False)
    holder = forms.ChoiceField(label=_("Held by"), required=False)
    due_by = forms.DateField(
        label=_("Due by"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Tasks due on or before this date."),
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("due", _("Due date, earliest first")),
            ("-due", _("Due date, latest first")),
            ("created", _("Oldest task first")),
            ("-created", _("Newest task first")),
            ("action", _("Indicator and action")),
        ],
    )

    def __init__(self, data: Any, *, user: User, holders: list[User]) -> None:
        super().__init__(data)
        # A person of no agency (a platform operator) has no divisions or indicators to choose from.
        agency_id = user.agency_id if user.agency_id is not None else 0
        division_choices: list[tuple[int | str, Any]] = [("", _("All divisions"))]
        division_choices += [
            (d.pk, d.name) for d in Division.objects.filter(agency_id=agency_id).order_by("sort_order", "name")
        ]
        cast(forms.ChoiceField, self.fields["division"]).choices = division_choices
        indicators = Indicator.objects.filter(agency_id=agency_id).select_related("measure__plan__fiscal_year")
        cast(forms.ChoiceField, self.fields["indicator"]).choices = [("", _("All indicators"))] + [
            (
                i.pk,
                _("%(year)s · indicator %(number)s: %(name)s")
                % {"year": i.measure.plan.fiscal_year.year, "number": i.written_number or i.number, "name": i.name},
            )
            for i in indicators.order_by("-measure__plan__fiscal_year__year", "number", "pk")
        ]
        cast(forms.ChoiceField, self.fields["state"]).choices = [("", _("Every state"))] + [
            (value, label) for value, label in Action.Status.choices if value in figures.OPEN_STATUSES
        ]
        cast(forms.ChoiceField, self.fields["holder"]).choices = [
            ("", _("Anybody")),
            (MINE, _("Me")),
            (NOBODY, _("Nobody yet (waiting to be taken)")),
        ] + [(str(person.pk), str(person)) for person in holders if person.pk != user.pk]

    def value(self, name: str) -> Any:
        """The cleaned value of a filter, or nothing when it was not valid."""
        if not self.is_valid() and name in self.errors:
            return None
        return self.cleaned_data.get(name) if hasattr(self, "cleaned_data") else None


@dataclass(frozen=True)
class QueueCounts:
    """How many tasks the person's queues hold, before the filters: in all, held by them, waiting to be taken,
    overdue; and per division."""

    total: int
    mine: int
    waiting: int
    overdue: int


def counts(tasks: QuerySet[Task], user: User, today: datetime.date | None = None) -> QueueCounts:
    """The counts of `tasks` in one query."""
    totals = tasks.order_by().aggregate(
        total=Count("pk"),
        mine=Count("pk", filter=Q(owner=user)),
        waiting=Count("pk", filter=Q(status=STATUS.NEW)),
        overdue=Count("pk", filter=overdue_tasks_condition(today)),
    )
    return QueueCounts(**totals)


def filter_tasks(tasks: QuerySet[Task], form: QueueFilterForm, user: User) -> QuerySet[Task]:
    """`tasks` narrowed by the valid filters of `form`, in its sort order (due date first by default)."""
    division = form.value("division")
    if division:
        tasks = tasks.filter(data__division=division)
    indicator = form.value("indicator")
    if indicator:
        tasks = tasks.filter(**{f"{ACTION}__indicator_id": indicator})
    state = form.value("state")
    if state:
        tasks = tasks.filter(**{f"{ACTION}__status": state})
    holder = form.value("holder")
    if holder == MINE:
        tasks = tasks.filter(owner=user)
    elif holder == NOBODY:
        tasks = tasks.filter(status=STATUS.NEW, owner__isnull=True)
    elif holder:
        tasks = tasks.filter(owner_id=int(holder))
    due_by = form.value("due_by")
    if due_by:
        tasks = tasks.filter(**{f"{ACTION}__due_date__lte": due_by})
    if form.value("overdue"):
        tasks = tasks.filter(overdue_tasks_condition())
    return tasks.order_by(*SORTS.get(form.value("sort") or "due", SORTS["due"]))


def division_counts(tasks: QuerySet[Task], user: User) -> list[tuple[Division, int]]:
    """How many of `tasks` belong to each division (the review and the approval belong to none)."""
    per_division = dict(
        tasks.order_by()
        .filter(data__has_key="division")
        .values_list("data__division")
        .annotate(n=Count("pk"))
        .values_list("data__division", "n")
    )
    divisions = Division.objects.filter(agency_id=user.agency_id or 0, pk__in=list(per_division)).order_by(
        "sort_order", "name"
    )
    return [(division, per_division[division.pk]) for division in divisions]


def attach_submissions(rows: list[dict[str, Any]]) -> None:
    """Add to each row of an action of several divisions which divisions have submitted and which have not."""
    actions = list({row["action"].pk: row["action"] for row in rows}.values())
    by_action = figures.division_submissions(actions)
    for row in rows:
        parts = by_action.get(row["action"].pk, [])
        if len(parts) > 1:
            row["parts"] = parts
            row["submitted_count"] = sum(1 for part in parts if part.submitted)


def work_tasks(user: User) -> QuerySet[Task]:
    """The open tasks a person can work from: their queues', and whatever is assigned to them."""
    open_tasks = agency_tasks(user).filter(status__in=OPEN_STATUSES)
    return open_tasks.filter(Q(pk__in=queue_tasks(user).values("pk")) | Q(owner=user))


def waiting_for_divisions(user: User, form: QueueFilterForm) -> list[dict[str, Any]]:
    """For the chief administrator and the mayor, whose queues hold an action only once every division has
    submitted: the open actions of several divisions still waiting for some, with who has and has not submitted
    (filtered by indicator, due date and overdue as the queue is), earliest due first."""
    if permissions.check(user, permissions.REVIEW_SUBMISSION) and permissions.check(
        user, permissions.APPROVE_SUBMISSION
    ):
        return []
    actions = Action.objects.visible_to(user).filter(
        status__in=[Action.Status.PLANNED, Action.Status.IN_PROGRESS, Action.Status.RETURNED]
    )
    actions = actions.annotate(named=Count("divisions")).filter(Q(all_divisions=True) | Q(named__gt=1))
    if form.value("indicator"):
        actions = actions.filter(indicator_id=form.value("indicator"))
    if form.value("due_by"):
        actions = actions.filter(due_date__lte=form.value("due_by"))
    if form.value("overdue"):
        actions = actions.filter(figures.overdue_filter())
    shown: list[Action] = list(
        actions.select_related("indicator__measure__plan__fiscal_year").order_by("due_date", "pk")[:PAGE_SIZE]
    )
    by_action = figures.division_submissions(shown)
    today = timezone.localdate()
    rows = []
    for action in shown:
        parts = by_action.get(action.pk, [])
        waiting = [part for part in parts if not part.submitted]
        if len(parts) > 1 and waiting:
            rows.append(
                {
                    "action": action,
                    "parts": parts,
                    "submitted_count": len(parts) - len(waiting),
                    "overdue": action.is_overdue(today),
                }
            )
    return rows


def queue(request: HttpRequest) -> HttpResponse:
    """The queue: every open task of the person's divisions and roles, with filters, sorting and counts."""
    user = cast(User, request.user)
    base = work_tasks(user)
    holder_ids = base.exclude(owner__isnull=True).values("owner_id")
    holders = list(User.objects.filter(pk__in=holder_ids).order_by("first_name", "last_name", "username"))
    form = QueueFilterForm(request.GET or None, user=user, holders=holders)
    if form.is_bound:
        form.is_valid()
    tasks = filter_tasks(base, form, user)
    page = Paginator(tasks, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = task_rows(page, user)
    attach_submissions(rows)
    kept = {key: value for key, value in request.GET.items() if key != "page" and value}
    return render(
        request,
        "workflows/queues/queue.html",
        {
            "rows": rows,
            "page": page,
            "form": form,
            "counts": counts(base, user),
            "shown": page.paginator.count,
            "division_counts": division_counts(base, user),
            "waiting_for_divisions": waiting_for_divisions(user, form),
            "filtered": bool(kept),
            "query": urlencode(kept),
            "today": timezone.localdate(),
            "nav": "queue",
        },
    )


def waiting_counts(user: User) -> dict[str, int]:
    """What the home page says waits for the person: tasks they hold, tasks to take, overdue ones."""
    if not user.is_authenticated or not user.agency_id:
        return {"mine": 0, "waiting": 0, "overdue": 0, "total": 0}
    found = counts(work_tasks(user), user)
    return {"mine": found.mine, "waiting": found.waiting, "overdue": found.overdue, "total": found.total}
