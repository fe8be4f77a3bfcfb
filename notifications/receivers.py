"""Receivers of the domain events (approvals.signals), connected in NotificationsConfig.ready.

They run inside the service's transaction and only record outbox rows (through `services.notify`):
if the change rolls back, nobody is told; if it commits, the relay delivers.
"""

from __future__ import annotations

from django.urls import reverse

from approvals import permissions, signals
from approvals.models import Action, Agency, Decision, Division, Role, RoleAssignment, Submission, User
from approvals.thaidate import be_date
from audit import signals as audit_signals
from notifications import recipients
from notifications.models import Event
from notifications.services import notify


def _returned_to_divisions(action: Action, decision: Decision | None, division_ids: list[int], by: User) -> None:
    """A return to divisions: their staff and heads, and whoever submitted for them, hear the reason.

    `task_assigned(returned=True)` and `action_returned` describe the same return; both record the same
    effect (keyed by the decision), so each person is told once.
    """
    people = recipients.division_members(action.agency_id, division_ids)
    people |= recipients.submitters(action, division_ids=division_ids)
    names = list(Division.objects.filter(pk__in=division_ids).order_by("sort_order").values_list("name", flat=True))
    key = (
        f"returned:decision:{decision.pk}" if decision else f"returned:action:{action.pk}:round:{action.current_round}"
    )
    notify(
        Event.RETURNED,
        key=key,
        recipients=people,
        action=action,
        params={"reason": decision.reason if decision else "", "divisions": names},
        by=by,
    )


def _latest_return(action: Action) -> Decision | None:
    return (
        Decision.objects.filter(action=action, outcome=Decision.Outcome.RETURNED).order_by("-decided_at", "-pk").first()
    )


def on_task_assigned(
    sender, *, action: Action, by: User, divisions, round: int, returned: bool = False, reason: str = "", **kwargs
) -> None:
    division_ids = [d.pk if isinstance(d, Division) else int(d) for d in divisions]
    if returned:
        decision = _latest_return(action)
        _returned_to_divisions(action, decision, division_ids, by)
        return
    notify(
        Event.ASSIGNED,
        key=f"assigned:action:{action.pk}:round:{round}:divisions:{','.join(map(str, sorted(division_ids)))}",
        recipients=recipients.division_members(action.agency_id, division_ids),
        action=action,
        params={"round": round},
        by=by,
    )


def on_review_requested(sender, *, action: Action, by: User, round: int, **kwargs) -> None:
    notify(
        Event.REVIEW_REQUESTED,
        key=f"review:action:{action.pk}:round:{round}",
        recipients=recipients.executives(action.agency_id, Role.CHIEF_ADMINISTRATOR),
        action=action,
        params={"round": round},
        by=by,
    )


def on_approval_requested(sender, *, action: Action, by: User, decision: Decision, **kwargs) -> None:
    notify(
        Event.APPROVAL_REQUESTED,
        key=f"approval:decision:{decision.pk}",
        recipients=recipients.executives(action.agency_id, Role.MAYOR),
        action=action,
        params={"round": decision.round},
        by=by,
    )


def on_action_approved(sender, *, action: Action, by: User, decision: Decision, **kwargs) -> None:
    notify(
        Event.APPROVED,
        key=f"approved:decision:{decision.pk}",
        # A division not returned in the last round keeps its earlier submission, approved with the others.
        recipients=recipients.submitters(action, status=Submission.Status.APPROVED) or recipients.submitters(action),
        action=action,
        params={"round": decision.round},
        by=by,
    )


def on_action_returned(sender, *, action: Action, by: User, decision: Decision, **kwargs) -> None:
    if decision.return_target == Decision.ReturnTarget.REVIEW:
        # The mayor sent it back to the chief administrator.
        notify(
            Event.RETURNED,
            key=f"returned:decision:{decision.pk}",
            recipients=recipients.executives(action.agency_id, Role.CHIEF_ADMINISTRATOR),
            action=action,
            params={"reason": decision.reason},
            by=by,
        )
        return
    division_ids = [int(pk) for pk in decision.returned_divisions] or sorted(
        permissions.responsible_division_ids(action)
    )
    _returned_to_divisions(action, decision, division_ids, by)


def on_action_cancelled(sender, *, action: Action, by: User, reason: str = "", **kwargs) -> None:
    people = recipients.division_members(action.agency_id, permissions.responsible_division_ids(action))
    people |= recipients.submitters(action)
    notify(
        Event.CANCELLED,
        key=f"cancelled:action:{action.pk}",
        recipients=people,
        action=action,
        params={"reason": reason},
        by=by,
    )


def on_chain_broken(sender, *, finding, issues: list, **kwargs) -> None:
    """A broken hash chain: every internal auditor of the agency is told (of every agency, for the global
    chain of shared records), whatever the hour."""
    if finding.agency_id:
        auditors = recipients.auditors([finding.agency_id])
    else:
        auditors = recipients.auditors(Agency.objects.values_list("pk", flat=True))
    notify(
        Event.HISTORY_ALTERED,
        key=f"history-altered:finding:{finding.pk}",
        recipients=auditors,
        agency_id=finding.agency_id,
        params={
            "finding_id": finding.pk,
            "chain": finding.evidence.get("chain"),
            "count": finding.evidence.get("total", len(issues)),
        },
    )


def _grant_params(assignment: RoleAssignment, url: str) -> dict:
    params = {"grant": str(assignment), "url": url}
    if assignment.order_number:
        order = assignment.order_number
        if assignment.order_date:
            order = f"{order} ({be_date(assignment.order_date, 'long')})"
        params["order"] = order
    return params


def on_role_granted(sender, *, assignment: RoleAssignment, by: User, **kwargs) -> None:
    """Every grant that takes effect: the internal auditors are told, and so is the person granted."""
    people = recipients.executives(assignment.agency_id, Role.AUDITOR) | {assignment.user_id}
    notify(
        Event.ROLE_GRANTED,
        key=f"granted:assignment:{assignment.pk}:{assignment.valid_from}:{assignment.valid_until}",
        recipients=people,
        agency_id=assignment.agency_id,
        params=_grant_params(assignment, reverse("approvals:roles")),
        by=by,
    )


def on_grant_proposed(sender, *, assignment: RoleAssignment, by: User, **kwargs) -> None:
    """A proposal waits for whoever may confirm it (platform operators when nobody in the agency can)."""
    confirmers = {person.pk for person in permissions.confirmers_of(assignment)}
    if not confirmers:
        confirmers = set(User.objects.filter(is_superuser=True, is_active=True).values_list("pk", flat=True))
    notify(
        Event.GRANT_PROPOSED,
        key=f"proposed:assignment:{assignment.pk}",
        recipients=confirmers,
        agency_id=assignment.agency_id,
        params=_grant_params(assignment, reverse("approvals:grants")),
        by=by,
    )


def connect() -> None:
    audit_signals.chain_broken.connect(on_chain_broken, dispatch_uid="notifications.chain_broken")
    signals.task_assigned.connect(on_task_assigned, dispatch_uid="notifications.task_assigned")
    signals.review_requested.connect(on_review_requested, dispatch_uid="notifications.review_requested")
    signals.approval_requested.connect(on_approval_requested, dispatch_uid="notifications.approval_requested")
    signals.action_approved.connect(on_action_approved, dispatch_uid="notifications.action_approved")
    signals.action_returned.connect(on_action_returned, dispatch_uid="notifications.action_returned")
    signals.action_cancelled.connect(on_action_cancelled, dispatch_uid="notifications.action_cancelled")
    signals.role_granted.connect(on_role_granted, dispatch_uid="notifications.role_granted")
    signals.grant_proposed.connect(on_grant_proposed, dispatch_uid="notifications.grant_proposed")


def disconnect() -> None:
    """Used by the outbox benchmark to time the same submission without the outbox."""
    for signal, uid in (
        (signals.task_assigned, "notifications.task_assigned"),
        (signals.review_requested, "notifications.review_requested"),
        (signals.approval_requested, "notifications.approval_requested"),
        (signals.action_approved, "notifications.action_approved"),
        (signals.action_returned, "notifications.action_returned"),
        (signals.action_cancelled, "notifications.action_cancelled"),
        (audit_signals.chain_broken, "notifications.chain_broken"),
        (signals.role_granted, "notifications.role_granted"),
        (signals.grant_proposed, "notifications.grant_proposed"),
    ):
        signal.disconnect(dispatch_uid=uid)
