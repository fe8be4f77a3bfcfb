"""Taking, releasing and handing back the steps of an action's flow (งานในความรับผิดชอบ): services like every
other, so that a task page, a command and a background task take one path. Each checks the permission once
(approvals.permissions), takes the flow lock once (after the agency's chain lock: `agency_transaction`) and
drives the task's one activation once (workflows.engine)."""

from __future__ import annotations

import datetime
from types import ModuleType
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from approvals import permissions
from approvals.exceptions import InvalidTransition
from approvals.models import Action, Division, Role, RoleAssignment, Substitution, User
from approvals.transactions import agency_transaction
from audit import reasons
from audit.context import Reason

if TYPE_CHECKING:
    from viewflow.workflow.models import Task


def _flow() -> ModuleType:
    from workflows import engine

    return engine


def _agency_of_task(task: Task, **kwargs: object) -> int | None:
    return Action.objects.filter(process__pk=task.process_id).values_list("agency_id", flat=True).first()


def _action_of(task: Task) -> Action:
    return Action.objects.select_related("agency").get(process__pk=task.process_id)


def may_take_over(task: Task, user: User) -> bool:
    """A step the system gave to someone (a returned round to its author, a review or an approval to the one
    who holds the post) may be taken over by anyone else who may do it."""
    return task.owner_id is not None and task.owner_id != user.pk and (task.data or {}).get("given_to") == task.owner_id


@agency_transaction(agency_of=_agency_of_task)
def take_task(task: Task, *, by: User, reason: Reason | str | None = None) -> Task:
    """Take a step from its queue (รับงาน), or take over a returned round its author got back."""
    action = _action_of(task)
    permissions.require(by, task.flow_task.permission_for(task), action)
    flow = _flow()
    with permissions.refusals_kept(), transaction.atomic(savepoint=False), flow.locked(action):
        activation = flow.activate(task)
        task = activation.task
        if task.status not in flow.OPEN_STATUSES:
            raise InvalidTransition(_("This task is finished and can no longer be taken."))
        return flow.claim(activation, by, reason=reason or reasons.code(reasons.TASK_TAKEN)).task


@agency_transaction(agency_of=_agency_of_task)
def release_task(task: Task, *, by: User, reason: Reason | str | None = None) -> Task:
    """Put a step one holds back in its queue (คืนงานเข้าคิว), for anyone who may take it."""
    action = _action_of(task)
    flow = _flow()
    with permissions.refusals_kept(), transaction.atomic(savepoint=False), flow.locked(action):
        activation = flow.activate(task)
        if activation.task.status not in flow.OPEN_STATUSES:
            raise InvalidTransition(_("This task is finished and can no longer be released."))
        # Back in the division's queue, the round is nobody's in particular any more (saved with the release).
        data = activation.task.data or {}
        activation.task.data = {
            key: value
            for key, value in data.items()
            if key not in (flow.GIVEN_TO, flow.COVERING_FOR, flow.KEPT_DURING_LEAVE)
        }
        task = flow.release(activation, by=by, reason=reason or reasons.code(reasons.TASK_RELEASED))
    return task


def _handing_reason(person: User, action: Action, role: str | None) -> Reason:
    if role is not None and permissions.acting_for(person, role) is not None:
        return reasons.code(reasons.TASK_HANDED_TO_ACTING, person=str(person))
    return reasons.code(reasons.TASK_HANDED_BACK, person=str(person))


def substitution_for(person_id: int | None, division_id: int, on: datetime.date | None = None) -> Substitution | None:
    """The substitution in force on `on` (today) for `person_id`'s work in the division, if they are on leave."""
    if person_id is None:
        return None
    return (
        Substitution.objects.in_force(on)
        .filter(person_id=person_id, division_id=division_id)
        .select_related("substitute", "person")
        .order_by("-valid_from", "-pk")
        .first()
    )


def _settle_division_step(flow: ModuleType, task: Task, *, by: User, on: datetime.date | None) -> Task | None:
    """A division task held by someone on leave goes to their substitute; back to them when the leave ends.
    The task's mark (`covering_for`) is saved with the hand-over, in the one history row it makes."""
    data = task.data or {}
    division_id = data["division"]
    if task.owner_id is None or (
        substitution_for(task.owner_id, division_id, on) is None and data.get("covering_for") is None
    ):
        return None
    action = _action_of(task)
    with flow.locked(action):
        activation = flow.activate(task)
        data = dict(activation.task.data or {})
        covering_for = data.get("covering_for")
        leave = substitution_for(activation.task.owner_id, division_id, on)
        kept_since = data.get(flow.KEPT_DURING_LEAVE)
        if leave is not None and kept_since and kept_since >= leave.valid_from.isoformat():
            return None  # the person on leave took it back during this leave: they are working on it
        if leave is not None:
            data.setdefault("covering_for", activation.task.owner_id)
            to = leave.substitute
            reason = reasons.code(reasons.TASK_HANDED_TO_SUBSTITUTE, person=str(to))
        elif covering_for is not None and substitution_for(covering_for, division_id, on) is None:
            data.pop("covering_for")
            to = User.objects.get(pk=covering_for)
            if not to.is_active or permissions.check(to, permissions.division_permission(division_id), action):
                to = None  # they left the division meanwhile: the task goes back to the division's queue
            reason = (
                reasons.code(reasons.TASK_HANDED_BACK, person=str(to)) if to else reasons.code(reasons.TASK_RELEASED)
            )
        else:
            return None
        data.pop(flow.GIVEN_TO, None)
        activation.task.data = {**data, flow.GIVEN_TO: to.pk} if to else data
        return flow.hand_over(activation, to, by=by, reason=reason)


@agency_transaction(agency_of=lambda agency_id, **kwargs: agency_id)
def settle_steps(agency_id: int, *, by: User, on: datetime.date | None = None) -> list[Task]:
    """Give each open executive step of the agency to whoever holds it today: to the acting official while
    an acting appointment is in force, back to the office holder when it ends; a step its holder may no
    longer take goes back to its queue when nobody else is its single holder. Returns the tasks that moved.
    Run when an appointment takes effect or ends, and every morning (appointments start and end by date)."""
    flow = _flow()
    moved: list[Task] = []
    for task in flow.open_steps(agency_id).order_by("pk"):
        permission = getattr(task.flow_task, "decision_permission", None)
        if permission is None:
            if "division" in (task.data or {}):
                settled = _settle_division_step(flow, task, by=by, on=on)
                if settled is not None:
                    moved.append(settled)
            continue
        action = _action_of(task)
        role = Role.MAYOR if permission == permissions.APPROVE_SUBMISSION else Role.CHIEF_ADMINISTRATOR
        with flow.locked(action):
            activation = flow.activate(task)
            owner = activation.task.owner
            if owner is not None and permissions.check(owner, permission, action) is None:
                continue
            holder = permissions.step_holder(action)
            if holder is None and owner is None:
                continue
            reason = _handing_reason(holder, action, role) if holder else reasons.code(reasons.TASK_RELEASED)
            data = {key: value for key, value in (activation.task.data or {}).items() if key != flow.GIVEN_TO}
            activation.task.data = {**data, flow.GIVEN_TO: holder.pk} if holder else data
            moved.append(flow.hand_over(activation, holder, by=by, reason=reason))
    return moved


@agency_transaction()
def end_acting_appointment(assignment: RoleAssignment, *, by: User, reason: str) -> RoleAssignment:
    """The office holder, back in office, ends the acting appointment made for them (สิ้นสุดการรักษาราชการแทน),
    through the grants' own service; the open steps come back to them at once. Its last day in force is
    yesterday: one that began today ends at once (`services.end_role` records it as ended)."""
    from approvals import services

    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    assignment = services.end_role(assignment, on=yesterday, by=by, reason=reason)
    permissions.forget_standing(by)
    settle_steps(assignment.agency_id, by=by)
    return assignment


@agency_transaction()
def name_substitute(
    person: User,
    *,
    substitute: User,
    division: Division,
    valid_from: datetime.date,
    valid_until: datetime.date,
    by: User,
    reason: str,
) -> Substitution:
    """A member of a division names a substitute of the same division and role for the dates of a leave
    (มอบหมายผู้ปฏิบัติหน้าที่แทน); it takes effect once the head of the division confirms it."""
    from approvals import services

    reason = (reason or "").strip()
    roles = set(
        RoleAssignment.objects.filter(user=person, division=division)
        .active()
        .filter(role__in=[Role.STAFF, Role.DIVISION_HEAD])
        .values_list("role", flat=True)
    )
    role = Role.DIVISION_HEAD if Role.DIVISION_HEAD in roles else Role.STAFF
    if person.agency_id is None:
        raise InvalidTransition(_("Only a member of an agency's division can name a substitute."))
    substitution = Substitution(
        agency_id=person.agency_id,
        person=person,
        substitute=substitute,
        division=division,
        role=role,
        valid_from=valid_from,
        valid_until=valid_until,
        reason=reason,
        proposed_by=by,
    )
    permissions.require(by, permissions.NAME_SUBSTITUTE, substitution)
    if not reason:
        raise InvalidTransition(_("Write why you will be away (the leave)."))
    if valid_until < valid_from:
        raise InvalidTransition(_("The leave must end on or after the day it starts."))
    if not roles:
        raise InvalidTransition(
            _("%(person)s holds no role in %(division)s.") % {"person": person, "division": division}
        )
    same = RoleAssignment.objects.filter(user=substitute, division=division, role=role).active()
    if substitute.pk == person.pk or not substitute.is_active or not same.exists():
        raise InvalidTransition(
            _("The substitute must be another member of %(division)s with the same role.") % {"division": division}
        )
    with permissions.refusals_kept(), transaction.atomic():
        services.save_with_history(substitution, by=by, reason=reason)
    return substitution


@agency_transaction()
def confirm_substitute(substitution: Substitution, *, by: User, reason: Reason | str | None = None) -> Substitution:
    """The head of the division confirms a substitute; the person's open tasks go to the substitute at once
    when the leave has begun (and every morning the open steps follow the leaves that start and end)."""
    from approvals import services

    permissions.require(by, permissions.CONFIRM_SUBSTITUTE, substitution)
    with permissions.refusals_kept(), transaction.atomic():
        substitution = Substitution.objects.select_for_update().get(pk=substitution.pk)
        if substitution.status != Substitution.Status.PROPOSED:
            raise InvalidTransition(
                _("This substitution is %(status)s.") % {"status": substitution.get_status_display()}
            )
        substitution.status = Substitution.Status.IN_EFFECT
        substitution.confirmed_by = by
        substitution.confirmed_at = timezone.now()
        services.save_with_history(
            substitution,
            by=by,
            reason=reason or reasons.code(reasons.SUBSTITUTE_CONFIRMED),
            update_fields=["status", "confirmed_by", "confirmed_at"],
        )
        settle_steps(substitution.agency_id, by=by)
    return substitution
