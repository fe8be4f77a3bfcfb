"""The flow of one action of the plan, read like the process itself."""

from __future__ import annotations

from typing import Any

from django.db.models import F
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import act, flow

from approvals import permissions, steps
from approvals.models import Submission
from workflows import views
from workflows.locking import AgencyFirstLock
from workflows.models import ActionProcess
from workflows.nodes import (
    COVERING_FOR,
    GIVEN_TO,
    Choice,
    DivisionJoin,
    DivisionSplit,
    DivisionTaskView,
    ExecutiveTaskView,
    Finish,
    Gate,
)


def division_queue(activation: Any) -> str:
    return permissions.division_permission(activation.task.data["division"])


def author_of_returned_round(activation: Any) -> Any:
    """A returned round goes back to whoever submitted the round before (if still in the division): the
    task is theirs at once, and the division can still take it over (`task.data["given_to"]`)."""
    division_id = activation.task.data["division"]
    # One query for the action's round and the previous round's returned submission (a plan's activation creates
    # a task per division of every action: there is none in the first round).
    previous = (
        Submission.objects.filter(
            action_id=activation.process.action_id,
            division_id=division_id,
            round=F("action__current_round") - 1,
            status=Submission.Status.RETURNED,
        )
        .select_related("submitted_by", "action")
        .first()
    )
    if previous is None or previous.submitted_by is None:
        return None
    author, action = previous.submitted_by, previous.action
    if permissions.check(author, permissions.division_permission(division_id), action) is not None:
        return None
    # viewflow saves the task after asking for its owner: the marks are saved with it.
    leave = steps.substitution_for(author.pk, division_id)
    if leave is not None:
        # The author is on leave: their substitute has the round until the leave ends (settle_steps).
        activation.task.data[COVERING_FOR] = author.pk
        author = leave.substitute
    activation.task.data[GIVEN_TO] = author.pk
    return author


def single_holder(activation: Any) -> Any:
    """The chief administrator's review and the mayor's approval are assigned at once to the one person
    who may take them (the acting official while an acting appointment is in force)."""
    # The process's action: the service's locked row when a service completes the step before (engine.complete).
    holder = permissions.step_holder(activation.process.action)
    if holder is not None:
        # Given, not taken: anyone else who may decide (a delegate) can still take the step over.
        activation.task.data[GIVEN_TO] = holder.pk
    return holder


class ActionFlow(flow.Flow):
    """Carry out an action of the plan

    Each responsible division records what it did and submits; the chief administrator reviews all
    divisions' results together and accepts or returns them; the mayor approves or returns.
    """

    # The docstring's first line would be the title, untranslated; auditors read it in the history.
    process_title = _("Carry out an action of the plan")
    process_class = ActionProcess
    # Blocking row lock on the process: a second person completing the same task waits, then sees the
    # task already done (instead of failing after viewflow's nowait retries). It starts with the agency's
    # hash-chain lock, as every service does, so a task view and a service take their locks in one order.
    lock_impl = AgencyFirstLock(nowait=False, attempts=2)
    parent_namespace = "workflows"

    start = flow.StartHandle(this.start_process).Annotation(title=_("Plan activated")).Next(this.split_to_divisions)

    split_to_divisions = (
        DivisionSplit(act.process.divisions_with_work)
        .Annotation(title=_("Hand the action to its divisions"))
        .Next(this.perform_action)
    )

    perform_action = (
        DivisionTaskView(views.perform_action)
        .Annotation(title=_("Carry out the action and report results"))
        .Permission(division_queue)
        .Assign(author_of_returned_round)
        .Next(this.join_divisions)
    )

    join_divisions = DivisionJoin().Annotation(title=_("Every division has submitted")).Next(this.review_by_chief)

    review_by_chief = (
        ExecutiveTaskView(views.review_action, decision_permission=permissions.REVIEW_SUBMISSION)
        .Annotation(title=_("Review by the chief administrator"))
        .Permission(permissions.REVIEW_SUBMISSION)
        .Assign(single_holder)
        .Next(this.is_accepted)
    )

    # A return goes back through the split, never straight to the division task, so the join can count.
    is_accepted = (
        Gate(act.process.is_accepted)
        .Annotation(title=_("Accepted?"))
        .Then(this.approve_by_mayor)
        .Else(this.split_to_divisions)
    )

    approve_by_mayor = (
        ExecutiveTaskView(views.approve_action, decision_permission=permissions.APPROVE_SUBMISSION)
        .Annotation(title=_("Approval by the mayor"))
        .Permission(permissions.APPROVE_SUBMISSION)
        .Assign(single_holder)
        .Next(this.is_approved)
    )

    is_approved = (
        Choice()
        .Annotation(title=_("Approved?"))
        .Case(this.end, act.process.is_approved)
        .Case(this.review_by_chief, act.process.is_returned_to_review)
        .Default(this.split_to_divisions)
    )

    end = Finish().Annotation(title=_("Done"))

    def start_process(self, activation: Any, action: Any) -> ActionProcess:
        activation.process.action = action
        return activation.process
