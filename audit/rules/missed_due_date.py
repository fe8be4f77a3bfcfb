"""Missed due dates: an action still open after its due date, or approved only after it."""

from __future__ import annotations

from collections.abc import Iterator

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from approvals.models import Action, Decision
from audit.rules.base import Hit, Rule


def scan(agency, now) -> Iterator[Hit]:
    today = timezone.localdate(now)
    for action in Action.objects.filter(agency=agency).overdue(today).select_related("indicator"):
        yield Hit(
            key=f"open:{action.pk}:due:{action.due_date.isoformat()}",
            summary=_("Action %(action)s is still open after its due date") % {"action": action},
            action_id=action.pk,
            evidence={"due_date": action.due_date, "status": action.status, "checked_on": today},
        )
    approvals = Decision.objects.filter(
        agency=agency,
        stage=Decision.Stage.APPROVAL,
        outcome=Decision.Outcome.APPROVED,
        action__due_date__isnull=False,
    ).select_related("action__indicator")
    for decision in approvals:
        assert decision.action.due_date is not None  # action__due_date__isnull=False above
        approved_on = timezone.localdate(decision.decided_at)
        if approved_on <= decision.action.due_date:
            continue
        yield Hit(
            key=f"late:{decision.action_id}:decision:{decision.pk}",
            summary=_("Action %(action)s was approved %(days)s days after its due date")
            % {"action": decision.action, "days": (approved_on - decision.action.due_date).days},
            action_id=decision.action_id,
            evidence={"due_date": decision.action.due_date, "approved_on": approved_on, "decision_id": decision.pk},
        )


RULE = Rule(
    code="missed_due_date",
    title=gettext_lazy("Missed due date"),
    rationale=gettext_lazy(
        "Late work is usually just late, but a pattern of it, or results filled in after the fact, "
        "weakens what the agency reports."
    ),
    severity="low",
    scan=scan,
)
