"""A role or membership granted shortly before the decision it enabled: the chief administrator's or
mayor's role (or an acting appointment) that started within AUDIT_ROLE_GRANT_HOURS before a review
or approval by that person, or a division membership that started shortly before a submission.

The grant must have been needed for the decision: nothing is flagged when the person already held an
equivalent assignment when the window opened (a renewal, a second appointment), nor when the grant took
effect before the plan of the decided action was activated. Before activation the plan's actions have no
tasks, so a grant then (the roles an agency starts with, set up before its first plan) was not made for a
decision on it."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from approvals.models import Decision, Role, RoleAssignment, Submission
from audit.rules.base import Hit, Rule, setting

STAGE_ROLE: dict[str, str] = {Decision.Stage.REVIEW: Role.CHIEF_ADMINISTRATOR, Decision.Stage.APPROVAL: Role.MAYOR}


def started_at(assignment: RoleAssignment) -> datetime.datetime:
    """When the assignment took effect: the latest of its recording, its confirmation (a proposed grant takes
    effect only once a second person confirms it) and the start of its first day."""
    created = (
        RoleAssignment.history.filter(id=assignment.pk, history_type="+")
        .order_by("history_id")
        .values_list("history_date", flat=True)
        .first()
    )
    first_day = timezone.make_aware(datetime.datetime.combine(assignment.valid_from, datetime.time.min))
    moments = [moment for moment in (created, assignment.confirmed_at, first_day) if moment is not None]
    return max(moments)


def _enabling(assignments, moment: datetime.datetime) -> list[RoleAssignment]:
    day = timezone.localdate(moment)
    return [a for a in assignments if a.valid_from <= day and (a.valid_until is None or a.valid_until >= day)]


def _held(assignments, moment: datetime.datetime) -> bool:
    """Whether one of the assignments was in effect at `moment`."""
    return any(started_at(a) <= moment for a in _enabling(assignments, moment))


def _late(assignments, moment: datetime.datetime, window: datetime.timedelta, activated_at: datetime.datetime | None):
    """The assignment that enabled `moment`, if it was granted for it: every assignment that enabled it
    started within `window` before it and after the plan was activated (`activated_at`), and none was
    already in effect when the window opened."""
    enabling = [(started_at(a), a) for a in _enabling(assignments, moment)]
    enabling = [(start, a) for start, a in enabling if start <= moment]
    if not enabling or any(moment - start > window for start, _a in enabling):
        return None
    if activated_at is not None and any(start <= activated_at for start, _a in enabling):
        return None
    if _held(assignments, moment - window):
        return None
    return max(enabling, key=lambda item: item[0])


def scan(agency, now) -> Iterator[Hit]:
    window = datetime.timedelta(hours=setting("AUDIT_ROLE_GRANT_HOURS"))
    # Only grants that took effect enable a decision (a declined or pending proposal never did; one ended on its
    # first day did, until it ended).
    took_effect = [RoleAssignment.Status.IN_EFFECT, RoleAssignment.Status.ENDED]
    recent = RoleAssignment.objects.filter(agency=agency, status__in=took_effect).select_related("user", "granted_by")
    decisions = Decision.objects.filter(agency=agency).select_related("action__indicator__measure__plan", "decided_by")
    for decision in decisions:
        role = STAGE_ROLE.get(decision.stage)
        assignments = [a for a in recent if a.user_id == decision.decided_by_id and a.role == role]
        found = _late(assignments, decision.decided_at, window, decision.action.indicator.measure.plan.activated_at)
        if found is None:
            continue
        start, assignment = found
        yield Hit(
            key=f"decision:{decision.pk}:assignment:{assignment.pk}",
            summary=_("%(person)s got the role %(role)s %(hours)s hours before deciding on action %(action)s")
            % {
                "person": decision.decided_by,
                "role": assignment.get_role_display(),
                "hours": int((decision.decided_at - start).total_seconds() // 3600),
                "action": decision.action,
            },
            action_id=decision.action_id,
            evidence={
                "decision_id": decision.pk,
                "decided_at": decision.decided_at,
                "assignment_id": assignment.pk,
                "role": assignment.role,
                "acting_for": assignment.acting_for_id,
                "granted_by": assignment.granted_by_id,
                "effective_from": start,
            },
        )
    submissions = Submission.objects.filter(agency=agency, submitted_by__isnull=False, submitted_at__isnull=False)
    for submission in submissions.select_related("action__indicator__measure__plan", "submitted_by", "division"):
        assignments = [
            a for a in recent if a.user_id == submission.submitted_by_id and a.division_id == submission.division_id
        ]
        assert submission.submitted_at is not None  # submitted_at__isnull=False above
        found = _late(
            assignments, submission.submitted_at, window, submission.action.indicator.measure.plan.activated_at
        )
        if found is None:
            continue
        start, assignment = found
        yield Hit(
            key=f"submission:{submission.pk}:assignment:{assignment.pk}",
            summary=_("%(person)s joined %(division)s %(hours)s hours before submitting results for action %(action)s")
            % {
                "person": submission.submitted_by,
                "division": submission.division,
                "hours": int((submission.submitted_at - start).total_seconds() // 3600),
                "action": submission.action,
            },
            action_id=submission.action_id,
            evidence={
                "submission_id": submission.pk,
                "submitted_at": submission.submitted_at,
                "assignment_id": assignment.pk,
                "role": assignment.role,
                "granted_by": assignment.granted_by_id,
                "effective_from": start,
            },
        )


RULE = Rule(
    code="late_role_grant",
    title=gettext_lazy("Role granted shortly before the decision it enabled"),
    rationale=gettext_lazy(
        "Giving someone a role (or an acting appointment, or a division membership) just before they use it "
        "to decide can be a way around the person who should have decided."
    ),
    severity="high",
    scan=scan,
)
