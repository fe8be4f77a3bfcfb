"""Rubber-stamping in bulk: one person made many decisions in a short burst
(AUDIT_BURST_DECISIONS within AUDIT_BURST_MINUTES)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterator

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from approvals.models import Decision
from audit.rules.base import Hit, Rule, setting


def scan(agency, now) -> Iterator[Hit]:
    count = setting("AUDIT_BURST_DECISIONS")
    window = datetime.timedelta(minutes=setting("AUDIT_BURST_MINUTES"))
    by_person: dict[int, list[Decision]] = defaultdict(list)
    for decision in Decision.objects.filter(agency=agency).select_related("decided_by").order_by("decided_at", "pk"):
        by_person[decision.decided_by_id].append(decision)
    for decisions in by_person.values():
        start = 0
        while start + count <= len(decisions):
            first = decisions[start]
            end = start
            while end + 1 < len(decisions) and decisions[end + 1].decided_at - first.decided_at <= window:
                end += 1
            if end - start + 1 < count:
                start += 1
                continue
            burst = decisions[start : end + 1]
            yield Hit(
                key=f"person:{first.decided_by_id}:first-decision:{first.pk}",
                summary=_("%(person)s made %(count)s decisions within %(minutes)s minutes")
                % {"person": first.decided_by, "count": len(burst), "minutes": setting("AUDIT_BURST_MINUTES")},
                evidence={
                    "person": first.decided_by_id,
                    "decision_ids": [d.pk for d in burst],
                    "action_ids": sorted({d.action_id for d in burst}),
                    "from": first.decided_at,
                    "to": burst[-1].decided_at,
                },
            )
            start = end + 1


RULE = Rule(
    code="approval_burst",
    title=gettext_lazy("Many decisions in a burst"),
    rationale=gettext_lazy(
        "Approving a pile of actions one after another in a few minutes leaves no time to read any of them."
    ),
    severity="medium",
    scan=scan,
)
