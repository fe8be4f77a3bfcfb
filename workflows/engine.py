"""The flow operations that approvals.services performs inside its own transactions.

Services lock the action's process row (the flow lock, after the agency's chain lock) before the domain rows,
once (`locked`), and drive the task's one activation (`activate`) through claim, complete, release or hand
over; a view, a command and a background task all take the same path. Nothing here writes domain rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from approvals.exceptions import InvalidTransition
from approvals.models import Action, Decision, User
from approvals.transactions import lock_chains
from audit import context, reasons
from audit.context import Reason
from workflows.flows import ActionFlow
from workflows.models import ActionProcess, in_agency
from workflows.nodes import COVERING_FOR, GIVEN_TO, KEPT_DURING_LEAVE, OPEN_STATUSES


def start(action: Action, *, by: User, reason: Reason | str) -> ActionProcess:
    """Start the action's process: its split hands a task to each division with a draft."""
    # viewflow saves its processes and tasks itself: their history rows name the service's person and reason.
    with context.acting(by=by, reason=reason):
        return ActionFlow.start.run(action=action)


def process_of(action: Action | int) -> ActionProcess | None:
    action_id = action if isinstance(action, int) else action.pk
    return ActionProcess.objects.filter(action_id=action_id).first()


@contextmanager
def locked(action: Action) -> Iterator[ActionProcess | None]:
    """Hold the flow lock of the action's process for the block: the row lock viewflow's own lock takes
    (`SELECT … FOR UPDATE` of the process's row in workflows_actionprocess, blocking as `ActionFlow.lock_impl`),
    after the agency's hash-chain lock, as `AgencyFirstLock` does. The action names both, so the process is found
    and locked in one statement (viewflow's lock reads the agency, then locks by the process's key), and the
    chain lock costs nothing when the calling service's `agency_transaction` already holds it.

    No savepoint: an error inside the block leaves it and the caller's transaction rolls back with it."""
    with transaction.atomic(savepoint=False):
        lock_chains(action.agency_id)
        yield ActionProcess.objects.select_for_update(of=("self",)).filter(action_id=action.pk).first()


@contextmanager
def locked_task(
    action_id: int, agency_id: int, node: Any, division_id: int | None = None, *, with_action: bool = False
) -> Iterator[Task | None]:
    """`locked` and `open_task` in one statement: the open task of `node` for the action (with its process and
    owner), read while taking the flow lock (`FOR UPDATE OF` the process's row in workflows_actionprocess, the row
    `locked` and viewflow's lock take). The read is current: every transaction that writes the action's tasks holds
    the agency's hash-chain lock until it ends (the seal trigger of the tasks' history takes it), and that lock is
    taken first, here or by the calling service. Without an open task, the process is locked as `locked` does and
    the block gets None (the caller refuses, after its own checks).

    A division's task comes with the id of the join viewflow's own Join may have left open in the round
    (`open_join_id`), so that the round's last submission finishes that one instead of reading for it.
    `with_action`: the action's row is locked in the same statement (the order of the two rows within it cannot
    deadlock: every transaction that locks either holds the agency's chain lock first), and comes with its place
    in the plan (`locked_action`)."""
    with transaction.atomic(savepoint=False):
        lock_chains(agency_id)
        tasks = _open_tasks(action_id, node, division_id)
        if node is ActionFlow.perform_action:
            tasks = tasks.annotate(
                open_join_id=Subquery(
                    Task.objects.filter(
                        process_id=OuterRef("process_id"),
                        flow_task=ActionFlow.join_divisions,
                        status__in=[STATUS.NEW, STATUS.STARTED],
                    ).values("pk")[:1]
                )
            )
        locking: tuple[str, ...] = ("process__actionprocess",)
        if with_action:
            tasks = tasks.select_related(f"{ACTION}__indicator__measure__plan__fiscal_year")
            locking = (*locking, ACTION)
        task = tasks.select_for_update(of=locking).first()
        if task is None:
            ActionProcess.objects.select_for_update(of=("self",)).filter(action_id=action_id).first()
        yield task


def _open_tasks(action_id: int, node: Any, division_id: int | None) -> QuerySet[Task]:
    tasks = Task.objects.filter(
        process__actionprocess__action_id=action_id, flow_task=node, status__in=OPEN_STATUSES
    ).select_related("owner", "process__actionprocess")
    if division_id is not None:
        tasks = tasks.filter(data__division=division_id)
    return tasks.order_by("-pk")


# The path from a task to its action, and the action a `locked_task(with_action=True)` block locked with its task.
ACTION = "process__actionprocess__action"


def locked_action(task: Task) -> Action:
    action: Action = task.process.actionprocess.action
    return action


def required(task: Task | None, node: Any) -> Task:
    """The open task `locked_task` found, or the refusal that says the action is not at that step."""
    if task is not None:
        return task
    if node is ActionFlow.perform_action:
        raise InvalidTransition(_("This division has no open task for the action."))
    if node is ActionFlow.review_by_chief:
        raise InvalidTransition(_("The action is not waiting for a review."))
    raise InvalidTransition(_("The action is not waiting for approval."))


def open_task(action: Action, node: Any, division_id: int | None = None) -> Task | None:
    """The open task of `node` for the action, with its process (as viewflow's activation reads it) and owner.
    Read under the flow lock (`locked`), it is current: `activate(task, current=True)` need not read it again."""
    return _open_tasks(action.pk, node, division_id).first()


def division_task(action: Action, division_id: int) -> Task:
    return required(open_task(action, ActionFlow.perform_action, division_id), ActionFlow.perform_action)


def review_task(action: Action) -> Task:
    return required(open_task(action, ActionFlow.review_by_chief), ActionFlow.review_by_chief)


def approval_task(action: Action) -> Task:
    return required(open_task(action, ActionFlow.approve_by_mayor), ActionFlow.approve_by_mayor)


def activate(task: Task, *, current: bool = False) -> Any:
    """The task's one activation, read again under the flow lock its caller already holds (`locked`), unless
    `current` says the caller read it under that lock (`division_task`, `review_task`, `approval_task` inside
    `locked`)."""
    if not current:
        task.refresh_from_db()
    return task.flow_task.activation_class(task)


def claim(activation: Any, by: User, *, reason: Reason | str) -> Any:
    """Take the task for `by`, unless someone else took it already. The caller checked the permission."""
    task = activation.task
    if task.owner_id == by.pk:
        return activation
    data = task.data or {}
    if task.owner_id is not None and data.get(GIVEN_TO) == task.owner_id:
        # The system gave the step to its holder (a returned round to its author, a review or an approval to
        # the one who holds the post): anyone else who may do it takes it over, and that is recorded.
        previous = task.owner
        task.data = {
            key: value for key, value in data.items() if key not in (GIVEN_TO, COVERING_FOR, KEPT_DURING_LEAVE)
        }
        if data.get(COVERING_FOR) not in (None, by.pk):
            # Work a substitute carries for someone on leave is still that person's work when a colleague
            # takes it over (as when the division head reassigns it): it goes back to them when the leave
            # ends, whoever covered it meanwhile. Only the person themselves taking it ends the cover.
            task.data[COVERING_FOR] = data[COVERING_FOR]
        if data.get(COVERING_FOR) == by.pk:
            # The person on leave takes their work back from the substitute: they are working on it, and the
            # daily hand-over (approvals/steps.py) leaves it with them for the rest of this leave.
            task.data[KEPT_DURING_LEAVE] = timezone.localdate().isoformat()
        with context.acting(by=by, reason=reasons.code(reasons.TASK_TAKEN_OVER, person=str(previous))):
            activation.reassign(user=by)
        return activation
    if task.owner_id is not None:
        raise InvalidTransition(
            _("%(person)s is working on this task. Ask the head of the division to reassign it.")
            % {"person": task.owner}
        )
    with context.acting(by=by, reason=reason):
        activation.assign(by)
    return activation


def complete(
    activation: Any,
    by: User,
    *,
    reason: Reason | str,
    checked: bool = False,
    action: Action | None = None,
    round_complete: bool | None = None,
    decision: Decision | None = None,
) -> Task:
    """Finish `by`'s task and move the process on (the join, the gates and the next tasks). `checked` says
    the calling service has already checked `by`'s permission for it (an executive step checks it otherwise).
    `action` is the process's action as the service locked and changed it: the next nodes read it from the
    process instead of reading it again. `round_complete` (a division's task) says whether the division is the
    last of its round to submit: the join (`DivisionJoin`) then need not ask the database. `decision` is the one
    the service has just written: the gates after the step read it from the process (`ActionProcess.just_decided`)."""
    if activation.task.owner_id != by.pk:
        raise InvalidTransition(_("This task is not assigned to you."))
    if action is not None and action.pk == activation.process.action_id:
        activation.process.action = action
    if checked:
        activation.checked_for = by.pk
    if round_complete is not None:
        activation.round_complete = round_complete
    if decision is not None:
        activation.process.just_decided = decision
    with context.acting(by=by, reason=reason):
        if activation.task.status == STATUS.ASSIGNED:
            activation.start(None)
        activation.execute()
    return activation.task


def release(activation: Any, *, by: User, reason: Reason | str) -> Task:
    """Put the task back in its queue (only its holder does)."""
    if activation.task.owner_id != by.pk:
        raise InvalidTransition(_("This task is not assigned to you."))
    with context.acting(by=by, reason=reason):
        activation.unassign()
    return activation.task


def hand_over(activation: Any, to: User | None, *, by: User, reason: Reason | str) -> Task:
    """Give an open task to another person (a reassignment, a take-over, a hand-back); None puts it back
    in its queue."""
    with context.acting(by=by, reason=reason):
        if to is None:
            if activation.task.status != STATUS.NEW:
                activation.unassign()
        elif activation.task.status == STATUS.NEW:
            activation.assign(to)
        else:
            activation.reassign(user=to)
    return activation.task


def open_steps(agency_id: int) -> QuerySet[Task]:
    """Every open human task of the agency's action processes."""
    return Task.objects.filter(in_agency(agency_id), flow_task_type="HUMAN", status__in=OPEN_STATUSES).select_related(
        "owner"
    )


def cancel(action: Action, *, by: User, reason: Reason | str) -> None:
    """End every open task of the action's process."""
    process = process_of(action)
    if process is not None and process.finished is None:
        with context.acting(by=by, reason=reason):
            ActionFlow.instance.cancel(process)
