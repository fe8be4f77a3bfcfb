"""Who hears about what. Every answer comes from approvals.permissions (roles, acting appointments)."""

from __future__ import annotations

from collections.abc import Iterable

from approvals import permissions
from approvals.models import Action, Role, Submission


def division_members(agency_id: int, division_ids: Iterable[int]) -> set[int]:
    """Active staff and heads of the divisions."""
    # One query: a plan's activation asks once for each of its actions.
    people = permissions.users_with_role(agency_id, (Role.STAFF, Role.DIVISION_HEAD), list(division_ids))
    return {person.pk for person in people}


def executives(agency_id: int, role: str) -> set[int]:
    """The chief administrator(s) or mayor(s), including whoever is acting today."""
    return {person.pk for person in permissions.users_with_role(agency_id, role)}


def auditors(agency_ids: Iterable[int]) -> set[int]:
    """The internal auditors of the agencies (หน่วยตรวจสอบภายใน)."""
    return {person.pk for agency_id in agency_ids for person in permissions.users_with_role(agency_id, Role.AUDITOR)}


def submitters(
    action: Action,
    *,
    round: int | None = None,
    division_ids: Iterable[int] | None = None,
    status: str | None = None,
) -> set[int]:
    """The people who submitted results for the action (in a round, for some divisions, in a status)."""
    submissions = Submission.objects.filter(action=action, submitted_by__isnull=False)
    if status is not None:
        submissions = submissions.filter(status=status)
    if round is not None:
        submissions = submissions.filter(round=round)
    if division_ids is not None:
        submissions = submissions.filter(division_id__in=list(division_ids))
    return set(submissions.values_list("submitted_by", flat=True))


def divisions_with_open_work(action: Action) -> set[int]:
    """Responsible divisions that have not yet submitted in the action's current round."""
    done = Submission.objects.filter(
        action=action,
        round=action.current_round,
        status__in=[Submission.Status.SUBMITTED, Submission.Status.ACCEPTED, Submission.Status.APPROVED],
    ).values_list("division_id", flat=True)
    return permissions.responsible_division_ids(action) - set(done)


def waiting_on(action: Action) -> set[int]:
    """Whoever the action waits for today: the divisions with open work, the reviewer or the approver."""
    if action.status == Action.Status.AWAITING_REVIEW:
        return executives(action.agency_id, Role.CHIEF_ADMINISTRATOR)
    if action.status == Action.Status.AWAITING_APPROVAL:
        return executives(action.agency_id, Role.MAYOR)
    return division_members(action.agency_id, divisions_with_open_work(action))
