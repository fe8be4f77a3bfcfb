"""An action's whole story in time order: tasks, submissions, evidence, decisions and their reasons."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from viewflow.workflow.status import STATUS

from approvals.models import Action, Decision, Division, Evidence, Submission


@dataclass
class Event:
    when: datetime.datetime
    kind: str
    text: str
    who: Any = None
    on_behalf_of: Any = None
    reason: str = ""
    evidence: list[Any] = field(default_factory=list)


def withdrawals(submissions: list[Submission], *, told: set[tuple[int | None, str, datetime.datetime]]) -> list[Event]:
    """Evidence withdrawn from a draft (its history row that marks it removed): who withdrew which file, when
    and why; and, for a file the pages no longer list, when it had been attached and by whom. One query."""
    division_of = {submission.pk: submission.division for submission in submissions}
    rows = (
        Evidence.history.filter(submission_id__in=list(division_of), history_type="~", is_removed=True)
        .select_related("history_user", "uploaded_by")
        .order_by("history_id")
    )
    events: list[Event] = []
    withdrawn: set[int] = set()
    for row in rows:
        if row.id in withdrawn:
            continue  # a later change of a file already withdrawn
        withdrawn.add(row.id)
        division = division_of.get(row.submission_id)
        place = (getattr(division, "pk", None), row.sha256, row.uploaded_at)
        if place not in told:
            told.add(place)
            events.append(
                Event(
                    row.uploaded_at,
                    "evidence",
                    _("Evidence attached by %(division)s: %(name)s")
                    % {"division": division, "name": row.original_name},
                    who=row.uploaded_by,
                )
            )
        events.append(
            Event(
                row.history_date,
                "withdrawn",
                _("Evidence withdrawn from the results of %(division)s: %(name)s")
                % {"division": division, "name": row.original_name},
                who=row.history_user,
                reason=row.get_history_reason_display(),
            )
        )
    return events


def action_story(
    action: Action,
    *,
    submissions: list[Submission],
    decisions: list[Decision],
    tasks: list[Any],
    divisions: dict[Any, Division],
) -> list[Event]:
    events: list[Event] = []
    for task in tasks:
        division = divisions.get((task.data or {}).get("division"))
        title = str(task.flow_task.task_title)
        where = f"{title} ({division})" if division else title
        events.append(Event(task.created, "task", _("Task opened: %(task)s") % {"task": where}))
        if task.status == STATUS.DONE and task.finished:
            events.append(Event(task.finished, "done", _("Task completed: %(task)s") % {"task": where}, who=task.owner))
        elif task.status == STATUS.CANCELED and task.finished:
            events.append(Event(task.finished, "cancelled", _("Task ended: %(task)s") % {"task": where}))
    # Evidence carried into a new round keeps its upload time: tell it once, in the round it was added.
    first_round: dict[tuple[int, str, datetime.datetime], int] = {}
    for submission in sorted(submissions, key=lambda s: s.round):
        for evidence in submission.evidence.all():
            first_round.setdefault((submission.division_id, evidence.sha256, evidence.uploaded_at), submission.round)
    events += withdrawals(submissions, told=set(first_round))
    for submission in submissions:
        for evidence in submission.evidence.all():
            if first_round[(submission.division_id, evidence.sha256, evidence.uploaded_at)] == submission.round:
                events.append(
                    Event(
                        evidence.uploaded_at,
                        "evidence",
                        _("Evidence attached by %(division)s: %(name)s")
                        % {"division": submission.division, "name": evidence.original_name},
                        who=evidence.uploaded_by,
                        evidence=[evidence],
                    )
                )
        if submission.submitted_at:
            events.append(
                Event(
                    submission.submitted_at,
                    "submitted",
                    _("%(division)s submitted its results (round %(round)s, %(progress)s%%)")
                    % {"division": submission.division, "round": submission.round, "progress": submission.progress},
                    who=submission.submitted_by,
                    evidence=list(submission.evidence.all()),
                )
            )
    for decision in decisions:
        if decision.outcome == Decision.Outcome.RETURNED:
            if decision.return_target == Decision.ReturnTarget.REVIEW:
                target = _("to the chief administrator's review")
            else:
                names = [str(divisions[pk]) for pk in decision.returned_divisions or [] if pk in divisions]
                target = _("to %(divisions)s") % {"divisions": ", ".join(names)}
            text = _("%(stage)s: returned %(target)s") % {"stage": decision.get_stage_display(), "target": target}
        else:
            text = f"{decision.get_stage_display()}: {decision.get_outcome_display()}"
        events.append(
            Event(
                decision.decided_at,
                decision.outcome,
                text,
                who=decision.decided_by,
                on_behalf_of=decision.on_behalf_of,
                reason=decision.reason,
            )
        )
    if action.status == Action.Status.CANCELLED:
        record = action.history.filter(status=Action.Status.CANCELLED).select_related("history_user").last()
        if record is not None:
            events.append(
                Event(
                    record.history_date,
                    "cancelled",
                    _("The action was cancelled"),
                    who=record.history_user,
                    reason=record.get_history_reason_display(),
                )
            )
    return sorted(events, key=lambda event: event.when)
