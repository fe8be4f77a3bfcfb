"""Flow nodes of our own: the per-division split, and task nodes whose access rules come from
approvals.permissions (viewflow's open-source edition has neither)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.db import connection
from django.db.models import Exists, F, OuterRef, Value
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow import this
from viewflow.workflow import flow
from viewflow.workflow.activation import Activation
from viewflow.workflow.base import Node
from viewflow.workflow.context import context as flow_context
from viewflow.workflow.exceptions import FlowRuntimeError
from viewflow.workflow.models import Process, Task
from viewflow.workflow.nodes.end import EndActivation
from viewflow.workflow.nodes.if_gate import IfActivation
from viewflow.workflow.nodes.mixins import NextNodeActivationMixin, NextNodeMixin
from viewflow.workflow.nodes.switch import SwitchActivation
from viewflow.workflow.nodes.view import ViewActivation
from viewflow.workflow.signals import flow_finished, task_finished, task_started
from viewflow.workflow.status import STATUS
from viewflow.workflow.token import Token

from approvals import permissions
from approvals.models import Action, Submission
from approvals.types import AuthenticatedHttpRequest

OPEN_STATUSES = (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED)
# Marks a task's data carries: who the system gave the step to (others who may do it can take it over), and
# whose work a substitute carries during a leave (it goes back to them after).
GIVEN_TO = "given_to"
COVERING_FOR = "covering_for"
# The day (ISO) the person on leave took the task back from their substitute: they are working on it, so the
# daily hand-over does not give it to the substitute again during that leave.
KEPT_DURING_LEAVE = "kept_during_leave"


class DivisionSplitActivation(Activation):
    """Opens one branch per division that has work to do in the action's current round."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.division_ids: list[int] = []
        super().__init__(*args, **kwargs)

    @Activation.status.super()
    def activate(self) -> None:
        self.division_ids = list(self.flow_task._divisions(self))
        if not self.division_ids:
            raise FlowRuntimeError(f"No division has work to do at {self.flow_task.name}")

    @Activation.status.super()
    def create_next(self) -> Iterator[Activation]:
        # Every branch token shares the split's prefix, so that the Join counts exactly these branches.
        tokens = Token.split_token_source(self.task.token, self.task.pk)
        for division_id in self.division_ids:
            yield self.flow_task._next._create(prev_activation=self, token=next(tokens), data={"division": division_id})


class DivisionSplit(NextNodeMixin, Node):
    """A parallel split with one branch per division (แยกงานให้แต่ละส่วนราชการ): `divisions(activation)`
    returns the division ids; each branch task gets `task.data["division"]`."""

    activation_class = DivisionSplitActivation
    task_type = "PARALLEL_GATEWAY"
    bpmn_element = "parallelGateway"
    shape = {
        "width": 50,
        "height": 50,
        "svg": '<path class="gateway" d="M25,0L50,25L25,50L0,25L25,0"/>'
        '<text class="gateway-marker" font-size="32px" x="25" y="35">+</text>',
    }

    def __init__(self, divisions: Callable[[Activation], list[int]] | Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._divisions = divisions

    def _resolve(self, instance: Any) -> None:
        super()._resolve(instance)
        self._divisions = this.resolve(instance, self._divisions)


# An open join task's id, as `engine.locked_task` reads it with a division's task (None: no open join task); a
# division task read otherwise does not say, and the join looks for one itself.
NOT_READ = object()


def done_task(flow_task: Any, process: Any, token: Token, data: Any, seed: Any, now: Any) -> Any:
    """A node's task as viewflow would leave it once done, built (not saved) to be written once: the join's and the
    gateways' (a savepoint and a second write for a task that is done the moment it exists buy nothing)."""
    task = flow_task.flow_class.task_class(
        process=process, flow_task=flow_task, token=token, status=STATUS.DONE, created=now, started=now, finished=now
    )
    task.data = data if data is not None else {}
    task.seed = seed
    return task


class DivisionJoinActivation(NextNodeActivationMixin, Activation):
    """The gathering of one round's divisions (รวมผลทุกส่วนราชการ), created done when the round's last division
    submits: it links every branch of the round (`task.previous`) and moves on to the review at once."""

    type = "join"

    @classmethod
    def create(
        cls, flow_task: Any, prev_activation: Activation, token: Token, data: Any = None, seed: Any = None
    ) -> DivisionJoinActivation:
        task_class = flow_task.flow_class.task_class
        now = timezone.now()
        base = token.get_base_split_token() if token.is_split_token() else token
        legacy = getattr(prev_activation.task, "open_join_id", NOT_READ)
        if legacy is NOT_READ:
            legacy = (
                task_class._default_manager.filter(
                    process_id=prev_activation.process.pk, flow_task=flow_task, status__in=[STATUS.NEW, STATUS.STARTED]
                )
                .values_list("pk", flat=True)
                .first()
            )
        if legacy is not None:
            # A join viewflow's own Join opened at the round's first submission (a round begun before this node
            # replaced it): that task is the round's gathering, finished now.
            task = task_class._default_manager.get(pk=legacy)
            task.process = prev_activation.process
            task.status = STATUS.DONE
            task.started = task.started or now
            task.finished = now
        else:
            task = done_task(flow_task, prev_activation.process, base, data, seed, now)
        task.save()
        cls._link_branches(task, prev_activation.task.token)
        return cls(task)

    @staticmethod
    def _link_branches(join: Any, token: Token) -> None:
        """Link every finished branch of the round to the join (`join.previous`), as viewflow's Join links each
        task that arrives, in one INSERT … SELECT: the branches share the split's token prefix (viewflow's
        `Token.get_common_split_prefix`), and Django's ORM writes no INSERT from a SELECT, so the SELECT is the
        ORM's own query (its LIKE escaped) inside a hand-written INSERT of the through table."""
        prefix = "{}_".format(token.token.rsplit("_", 1)[0])
        task_class = type(join)
        branches = (
            task_class._default_manager.filter(process_id=join.process_id, token__startswith=prefix, status=STATUS.DONE)
            .exclude(pk=join.pk)
            .order_by()
            .values_list(Value(join.pk), "pk")
        )
        select, params = branches.query.sql_with_params()
        link = task_class.previous.through._meta
        quote = connection.ops.quote_name
        columns = ", ".join(
            quote(link.get_field(name).column)
            for name in (f"from_{task_class._meta.model_name}", f"to_{task_class._meta.model_name}")
        )
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {quote(link.db_table)} ({columns}) {select} ON CONFLICT DO NOTHING", params)


class DivisionJoin(flow.Join):
    """Waits until every division the round went to has submitted (ทุกส่วนราชการส่งผลแล้ว), then hands the
    action to the review. Whether the round is complete comes from the domain: the submit service knows whether
    another division of the round still drafts (`DivisionTaskActivation.round_complete`); the join then exists
    only once, created by the last division's submission. A returned round went to the chosen divisions only:
    only they draft in it, so the join waits for them alone.

    viewflow's Join (kept as the base class for its shape and its name on the chart) creates its task at the first
    branch and, at each branch, links it, reads the process again and counts the still-open tasks of the split;
    this node does none of that for a division that is not the last."""

    activation_class = DivisionJoinActivation

    def round_complete(self, activation: Activation) -> bool:
        told = getattr(activation, "round_complete", None)
        if told is not None:
            return bool(told)
        return not Submission.objects.filter(
            action_id=activation.process.action_id, round=F("action__current_round"), status=Submission.Status.DRAFT
        ).exists()


class DecidedAtOnce(Activation):
    """A gateway decided as it is reached: its task is written once, done (one INSERT and its link to the task
    before), as workflows/starting.py writes the start and the split.

    viewflow writes the task new, decides inside a savepoint of its own and writes the task again, done; the
    savepoint only serves its background mode, where an error is kept on the task instead of raised. In the
    services an error is raised and rolls back the whole transaction anyway, so there the savepoint and the second
    write buy nothing; a background activation (`propagate_exception` off) takes viewflow's own path."""

    def decide(self) -> None:
        raise NotImplementedError

    @classmethod
    def create(
        cls, flow_task: Any, prev_activation: Activation, token: Token, data: Any = None, seed: Any = None
    ) -> Activation:
        if not flow_context.propagate_exception:
            return super().create(flow_task, prev_activation, token, data=data, seed=seed)
        task = done_task(flow_task, prev_activation.process, token, data, seed, timezone.now())
        activation = cls(task)
        activation.decide()
        task.save()
        task.previous.add(prev_activation.task)
        return activation


class GateActivation(DecidedAtOnce, IfActivation):
    def decide(self) -> None:
        self._condition_result = self.flow_task._condition(self)


class Gate(flow.If):
    """viewflow's If, decided as it is reached (`DecidedAtOnce`)."""

    activation_class = GateActivation


class ChoiceActivation(DecidedAtOnce, SwitchActivation):
    def decide(self) -> None:
        # SwitchActivation.activate's choice, without its savepoint: the first case that holds, else the default.
        for node, condition in self.flow_task._branches:
            if condition:
                if condition(self):
                    self.next_task = node
                    break
            else:
                self.next_task = node
        if not self.next_task:
            raise FlowRuntimeError(f"No next task available for {self.flow_task.name}")


class Choice(flow.Switch):
    """viewflow's Switch, decided as it is reached (`DecidedAtOnce`)."""

    activation_class = ChoiceActivation


class FinishActivation(DecidedAtOnce, EndActivation):
    def decide(self) -> None:
        # EndActivation.activate, without its savepoint: the process is finished unless another task is still open
        # (the end's own task is not written yet).
        # The count of open tasks and the process's finishing are one conditional UPDATE: it finishes the process
        # only if no task of it is open (as viewflow's count then save, in one statement under the flow lock).
        task_started.send(sender=self.flow_class, process=self.process, task=self.task)
        still_open = self.flow_class.task_class._default_manager.filter(
            process_id=OuterRef("pk"), finished__isnull=True
        )
        now = timezone.now()
        finished = bool(
            Process._default_manager.filter(pk=self.process.pk)
            .exclude(Exists(still_open))
            .update(status=STATUS.DONE, finished=now)
        )
        if finished:
            self.process.status = STATUS.DONE
            self.process.finished = now
        task_finished.send(sender=self.flow_class, process=self.process, task=self.task)
        if finished:
            flow_finished.send(sender=self.flow_class, process=self.process, task=self.task)


class Finish(flow.End):
    """viewflow's End, decided as it is reached (`DecidedAtOnce`)."""

    activation_class = FinishActivation


def action_of_task(task: Any) -> Action:
    return Action.objects.select_related("agency").get(process__pk=task.process_id)


def _agency_of_task(task: Any) -> int | None:
    return Action.objects.filter(process__pk=task.process_id).values_list("agency_id", flat=True).first()


# A task carries no agency of its own: a refused look-up of another agency's task finds it through its action.
permissions.agency_of_model(Task, _agency_of_task)


if TYPE_CHECKING:
    # The mixin's attributes and super() calls are those of the node it is mixed into (viewflow's untyped View).
    from viewflow.workflow.flow import View as _MixedIntoNode
else:
    _MixedIntoNode = object


class GuardedViewMixin(_MixedIntoNode):
    """Task URLs (take, release, the task page) are plain views over one service call each: an action of
    another agency is not found (404, recorded); a finished task sends the person to the action's page
    with a message saying who finished it. viewflow's own wrappers (a lock, an activation and a permission
    check on every request, before the service's own) are not used."""

    index_view_class = None
    detail_view_class = None
    cancel_view_class = None
    undo_view_class = None
    revive_view_class = None

    def permission_for(self, task: Any) -> str:
        """The permission (approvals.permissions) that working on `task` needs."""
        raise NotImplementedError

    def require_allowed(self, user: Any, task: Any, action: Action) -> None:
        permissions.require(user, self.permission_for(task), action)

    def allowed(self, user: Any, task: Any, action: Action) -> bool:
        return permissions.check(user, self.permission_for(task), action) is None

    def _guard(self, view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        node = self

        def guarded(request: AuthenticatedHttpRequest, process_pk: int, task_pk: int, **kwargs: Any) -> HttpResponse:
            task = get_object_or_404(
                node.flow_class.task_class.objects.select_related("owner"),
                pk=task_pk,
                process_id=process_pk,
                flow_task=node,
            )
            action = action_of_task(task)
            if not Action.objects.visible_to(request.user).filter(pk=action.pk).exists():
                permissions.refuse_outside_scope(Task, request.user, {"pk": task.pk})
                raise Http404(_("No such task."))
            if task.status not in OPEN_STATUSES:
                by = task.owner or _("someone else")
                messages.info(request, _("This task was already completed by %(person)s.") % {"person": by})
                return redirect("workflows:action-detail", pk=action.pk)
            return view(request, task=task, action=action)

        return guarded

    @property
    def view_path(self) -> Any:
        return path(f"<int:process_pk>/{self.name}/<int:task_pk>/execute/", self._guard(self.view), name="execute")

    @property
    def assign_path(self) -> Any:
        from workflows.views import take_task

        return path(f"<int:process_pk>/{self.name}/<int:task_pk>/assign/", self._guard(take_task), name="assign")

    @property
    def unassign_path(self) -> Any:
        from workflows.views import release_task

        return path(f"<int:process_pk>/{self.name}/<int:task_pk>/unassign/", self._guard(release_task), name="unassign")

    def can_assign(self, user: Any, task: Any) -> bool:
        return super().can_assign(user, task) and self.allowed(user, task, action_of_task(task))

    def can_execute(self, user: Any, task: Any) -> bool:
        return super().can_execute(user, task) and self.allowed(user, task, action_of_task(task))


class DivisionTaskActivation(ViewActivation):
    """A division's task moves on to the join only when it ends its round (`DivisionJoin`)."""

    # Told by the service that completes the task (engine.complete): no other division of the round still drafts.
    round_complete: bool | None = None

    @ViewActivation.status.super()
    def create_next(self) -> Iterator[Activation]:
        if self.flow_task._next.round_complete(self):
            yield from super().create_next.original()


class DivisionTaskView(GuardedViewMixin, flow.View):
    """A division's task: any member of the division may take it from the division's queue."""

    activation_class = DivisionTaskActivation

    def permission_for(self, task: Any) -> str:
        return permissions.division_permission(task.data["division"])


class ExecutiveActivation(ViewActivation):
    """Completing an executive task re-checks segregation of duties for its owner, whoever called it:
    viewflow checks transition permissions only inside its own views. A service that has checked it already
    for the owner marks the activation (`checked_for`), so that one path checks once."""

    checked_for: int | None = None

    @ViewActivation.status.super()
    def complete(self) -> None:
        if self.checked_for is None or self.checked_for != self.task.owner_id:
            permissions.require(self.task.owner, self.flow_task.decision_permission, self.process.action)
        super().complete.original()


class ExecutiveTaskView(GuardedViewMixin, flow.View):
    """The chief administrator's review or the mayor's approval, refused to anyone whom segregation of
    duties excludes (someone who submitted for the action, or, for approval, who reviewed it)."""

    activation_class = ExecutiveActivation

    def __init__(self, view: Any, *, decision_permission: str, **kwargs: Any) -> None:
        super().__init__(view, **kwargs)
        self.decision_permission = decision_permission

    def permission_for(self, task: Any) -> str:
        return self.decision_permission
