"""One timeline of everything that happened to an action (ประวัติการดำเนินการ): record changes field
by field, workflow events, submissions, decisions with their reasons, evidence added or replaced with
the file's hash, who did it (and for whom, when acting), when and why."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from viewflow.workflow.models import Process, Task

from approvals.models import AccessRefusal, Action, Decision, Evidence, Responsibility, Submission, User
from audit import words
from audit.changes import Change, attach_users, changes_for_rows
from audit.models import Finding


def _with_previous(model: type, rows: Iterable[Any]) -> list[Change]:
    """Changes of rows that hold whole histories (each record's rows all loaded), oldest first."""
    ordered = sorted(rows, key=lambda row: row.history_id)
    last_seen: dict[Any, Any] = {}
    previous: dict[int, Any] = {}
    for row in ordered:
        previous[row.history_id] = last_seen.get(row.id)
        last_seen[row.id] = row
    return changes_for_rows(model, ordered, previous)


def workflow_events(action_id: int) -> list[Change]:
    """The history of the viewflow processes and tasks of an action (their history rows carry the
    action, see audit.history.workflow_links)."""
    events = _with_previous(Process.history.model, Process.history.filter(action_id=action_id))
    events += _with_previous(Task.history.model, Task.history.filter(action_id=action_id))
    return events


def action_timeline(action: Action) -> list[Change]:
    """Every history row about the action, oldest first, with who, for whom, when, why and what."""
    with words.names():
        words.remember(Action, {action.pk: action})
        return _action_timeline(action)


def _action_timeline(action: Action) -> list[Change]:
    submission_ids = list(Submission.objects.filter(action=action).values_list("pk", flat=True))
    events: list[Change] = []
    events += _with_previous(Action.history.model, Action.history.filter(id=action.pk))
    events += _with_previous(Responsibility.history.model, Responsibility.history.filter(action_id=action.pk))
    events += _with_previous(Submission.history.model, Submission.history.filter(action_id=action.pk))
    events += _with_previous(Evidence.history.model, Evidence.history.filter(submission_id__in=submission_ids))
    events += _with_previous(Decision.history.model, Decision.history.filter(action_id=action.pk))
    events += _with_previous(AccessRefusal.history.model, AccessRefusal.history.filter(action_id=action.pk))
    events += _with_previous(Finding.history.model, Finding.history.filter(action_id=action.pk))
    events += workflow_events(action.pk)
    events.sort(key=lambda event: (event.when, event.table, event.history_id))
    attach_users(events)
    acting_for = User.objects.in_bulk(
        {event.row.on_behalf_of_id for event in events if getattr(event.row, "on_behalf_of_id", None)}
    )
    for event in events:
        event.on_behalf_of = acting_for.get(getattr(event.row, "on_behalf_of_id", None)) or event.on_behalf_of
    return events
