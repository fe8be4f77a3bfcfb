"""Approval with no evidence: the mayor approved an action whose final round has no evidence file
(none uploaded before the approval, or all of them removed)."""

from __future__ import annotations

from collections.abc import Iterator

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from approvals.models import Decision, Evidence
from audit.rules.base import Hit, Rule


def scan(agency, now) -> Iterator[Hit]:
    approvals = Decision.objects.filter(
        agency=agency, stage=Decision.Stage.APPROVAL, outcome=Decision.Outcome.APPROVED
    ).select_related("action", "decided_by")
    for decision in approvals:
        files = Evidence.objects.filter(
            submission__action_id=decision.action_id,
            submission__round=decision.round,
            uploaded_at__lte=decision.decided_at,
            is_removed=False,
        )
        if files.exists():
            continue
        yield Hit(
            key=f"decision:{decision.pk}",
            summary=_("Action %(action)s was approved with no evidence file") % {"action": decision.action},
            action_id=decision.action_id,
            evidence={
                "decision_id": decision.pk,
                "round": decision.round,
                "approved_by": decision.decided_by_id,
                "approved_at": decision.decided_at,
            },
        )


RULE = Rule(
    code="approval_without_evidence",
    title=gettext_lazy("Approval with no evidence"),
    rationale=gettext_lazy(
        "ITA indicators are scored on evidence. An approval with nothing to look at means the approver "
        "could not have checked the results."
    ),
    severity="high",
    scan=scan,
)
