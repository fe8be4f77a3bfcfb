"""Flow nodes of our own: the per-division split, and task nodes whose access rules come from
approvals.permissions (viewflow's open-source edition has neither)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.utils.translation import gettext as _
from viewflow import this
from viewflow.workflow import flow
from viewflow.workflow.activation import Activation
from viewflow.workflow.base import Node
from viewflow.workflow.exceptions import FlowRuntimeError
from viewflow.workflow.models import Task
from viewflow.workflow.nodes.mixins import NextNodeMixin
from viewflow.workflow.nodes.view import ViewActivation
from viewflow.workflow.status import STATUS
from viewflow.workflow.token import Token

from approvals import permissions
from approvals.models import Action
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


class DivisionTaskView(GuardedViewMixin, flow.View):
    """A division's task: any member of the division may take it from the division's queue."""

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
