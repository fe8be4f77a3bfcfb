"""Rubber-stamping, one decision at a time: the chief administrator accepted within minutes of the
last submission of the round, or the mayor approved within minutes of the chief's acceptance
(AUDIT_QUICK_DECISION_MINUTES)."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from approvals.models import Decision, Submission
from audit.rules.base import Hit, Rule, setting


def _ready_at(decision: Decision) -> datetime.datetime | None:
    """When the decision became possible: the round's last submission, or the chief's acceptance."""
    if decision.stage == Decision.Stage.REVIEW:
        return Submission.objects.filter(action_id=decision.action_id, round=decision.round).aggregate(
            last=Max("submitted_at")
        )["last"]
    return (
        Decision.objects.filter(
            action_id=decision.action_id,
            round=decision.round,
            stage=Decision.Stage.REVIEW,
            outcome=Decision.Outcome.ACCEPTED,
            decided_at__lte=decision.decided_at,
        )
        .order_by("-decided_at")
        .values_list("decided_at", flat=True)
        .first()
    )


def scan(agency, now) -> Iterator[Hit]:
    limit = datetime.timedelta(minutes=setting("AUDIT_QUICK_DECISION_MINUTES"))
    decisions = Decision.objects.filter(
        agency=agency, outcome__in=[Decision.Outcome.ACCEPTED, Decision.Outcome.APPROVED]
    ).select_related("action")
    for decision in decisions:
        ready = _ready_at(decision)
        if ready is None or decision.decided_at - ready >= limit:
            continue
        seconds = int((decision.decided_at - ready).total_seconds())
        yield Hit(
            key=f"decision:{decision.pk}",
            summary=_("%(stage)s of action %(action)s came %(minutes)s minutes after it was ready")
            % {"stage": decision.get_stage_display(), "action": decision.action, "minutes": seconds // 60},
            action_id=decision.action_id,
            evidence={
                "decision_id": decision.pk,
                "stage": decision.stage,
                "decided_by": decision.decided_by_id,
                "ready_at": ready,
                "decided_at": decision.decided_at,
                "seconds": seconds,
                "threshold_minutes": setting("AUDIT_QUICK_DECISION_MINUTES"),
            },
        )


RULE = Rule(
    code="quick_decision",
    title=gettext_lazy("Decision within minutes of submission"),
    rationale=gettext_lazy(
        "Reading the results and their evidence takes time. A decision minutes after the work arrived "
        "suggests it was signed without being checked (rubber-stamping)."
    ),
    severity="medium",
    scan=scan,
)
