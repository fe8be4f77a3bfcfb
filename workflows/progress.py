"""Where every action of a plan stands: by measure and indicator, and by division. Every figure comes from
`approvals.figures`, the plan's integrity measures' (the OIT items adopted into the plan have their own figure
and page, oit.progress); a fixed number of queries, however many actions and submissions the plan has."""

from __future__ import annotations

from collections import Counter
from typing import Any

from approvals.figures import plan_figures
from approvals.models import Action, Plan, Submission
from workflows.models import ActionProcess


def plan_progress(plan: Plan) -> dict[str, Any]:
    figures = plan_figures(plan)
    started = set(
        ActionProcess.objects.filter(action__indicator__measure__plan=plan).values_list("action_id", flat=True)
    )
    # A division's latest submission is never a returned one (a return opens a new draft): no column for it.
    columns = [(value, label) for value, label in Submission.Status.choices if value != Submission.Status.RETURNED]
    divisions = [
        {
            "division": division,
            "cells": [division.part_statuses[value] for value, _label in columns],
            "overdue": division.tally.overdue,
        }
        for division in figures.divisions
    ]
    statuses = Counter(action.status for action in figures.actions)
    return {
        "plan": plan,
        "figures": figures,
        "measures": figures.measures,
        "divisions": divisions,
        "statuses": [(value, label, statuses[value]) for value, label in Action.Status.choices],
        "total": figures.overall.total,
        "done": figures.overall.done,
        "overdue_total": figures.overall.overdue,
        "submission_statuses": columns,
        # Activation starts every action's tasks, the OIT items' too.
        "not_started_processes": sum(
            1
            for action in (*figures.actions, *figures.disclosure_actions)
            if action.pk not in started and action.status != Action.Status.CANCELLED
        ),
    }
