"""An action returned more than AUDIT_MAX_RETURNS times: something is wrong with the work, the review,
or the relationship between them."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from approvals.models import Action, Decision
from audit.rules.base import Hit, Rule, setting


def scan(agency, now) -> Iterator[Hit]:
    limit = setting("AUDIT_MAX_RETURNS")
    counts = (
        Decision.objects.filter(agency=agency, outcome=Decision.Outcome.RETURNED)
        .values("action_id")
        .annotate(returns=Count("pk"))
        .filter(returns__gt=limit)
    )
    for entry in counts:
        action = Action.objects.select_related("indicator").get(pk=entry["action_id"])
        returns = list(
            Decision.objects.filter(action=action, outcome=Decision.Outcome.RETURNED)
            .order_by("decided_at")
            .values("pk", "round", "stage", "decided_by_id", "decided_at", "reason")
        )
        yield Hit(
            key=f"action:{action.pk}",
            summary=_("Action %(action)s was returned %(count)s times") % {"action": action, "count": len(returns)},
            action_id=action.pk,
            evidence={"returns": returns, "threshold": limit},
        )


RULE = Rule(
    code="repeated_returns",
    title=gettext_lazy("Action returned more than twice"),
    rationale=gettext_lazy(
        "Repeated returns can hide pressure on a division, or a reviewer holding up work until it says what they want."
    ),
    severity="medium",
    scan=scan,
)
