"""Decisions outside office hours: a review or approval made before AUDIT_OFFICE_START_HOUR, from
AUDIT_OFFICE_END_HOUR, or at the weekend, Bangkok time."""

from __future__ import annotations

from collections.abc import Iterator

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from approvals.models import Decision
from approvals.thaidate import be_datetime
from audit.rules.base import Hit, Rule, local, setting

SATURDAY = 5


def scan(agency, now) -> Iterator[Hit]:
    start, end = setting("AUDIT_OFFICE_START_HOUR"), setting("AUDIT_OFFICE_END_HOUR")
    for decision in Decision.objects.filter(agency=agency).select_related("action", "decided_by"):
        moment = local(decision.decided_at)
        if moment.weekday() < SATURDAY and start <= moment.hour < end:
            continue
        yield Hit(
            key=f"decision:{decision.pk}",
            summary=_("%(person)s decided on action %(action)s outside office hours (%(time)s)")
            % {"person": decision.decided_by, "action": decision.action, "time": be_datetime(moment)},
            action_id=decision.action_id,
            evidence={
                "decision_id": decision.pk,
                "decided_at_local": moment.isoformat(),
                "weekday": moment.weekday(),
                "office_hours": [start, end],
            },
        )


RULE = Rule(
    code="after_hours_decision",
    title=gettext_lazy("Decision outside office hours"),
    rationale=gettext_lazy(
        "Decisions at night or at the weekend are not wrong in themselves, but they are when nobody else "
        "is around to see them, and a signed-in session left open can be used by someone else."
    ),
    severity="low",
    scan=scan,
)
