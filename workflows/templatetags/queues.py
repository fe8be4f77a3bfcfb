"""Template tags of the queues: a text cut between words, which divisions have submitted an action, and what
waits for the person (the home page)."""

from __future__ import annotations

from typing import Any

from django import template

from approvals import figures
from approvals.models import Action, User
from approvals.wording import shorten

register = template.Library()


@register.filter
def words(text: Any, limit: int) -> str:
    """The text cut to `limit` characters at a word boundary (Thai words included), with an ellipsis."""
    return shorten(str(text or ""), int(limit))


@register.inclusion_tag("workflows/queues/_division_submissions.html")
def division_submissions(action: Action, compact: bool = False) -> dict[str, Any]:
    """Which divisions have submitted the action and which have not, with their dates (an action of several
    divisions; nothing for a single division's)."""
    parts = figures.division_submissions([action]).get(action.pk, [])
    if len(parts) < 2:
        return {"parts": []}
    return {"parts": parts, "submitted_count": sum(1 for p in parts if p.submitted), "compact": compact}


@register.simple_tag
def waiting_tasks(user: User) -> dict[str, int]:
    """How many tasks wait for the person: held by them, waiting to be taken in their queues, overdue."""
    from workflows.queues import waiting_counts

    return waiting_counts(user)
