"""Flow nodes of our own: the per-division split, and task nodes whose access rules come from
approvals.permissions (viewflow's open-source edition has neither)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.http import Http404
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.utils.translation import gettext as _
from viewflow import this
from viewflow.workflow import flow
from viewflow.workflow.activation import Activation
from viewflow.workflow.base import Node
from viewflow.workflow.exceptions import FlowRuntimeError
from viewflow.workflow.flow import utils as flow_utils
from viewflow.workflow.models import Task
from viewflow.workflow.nodes.mixins import NextNodeMixin
from viewflow.workflow.nodes.view import ViewActivation
from viewflow.workflow.status import STATUS
from viewflow.workflow.token import Token

from approvals import permissions
from approvals.models import Action
from approvals.types import AuthenticatedHttpRequest

OPEN_STATUSES = (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED)


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
    """Task URLs (assign, release, execute) check our rules before viewflow's: an action of another agency
    is not found (404); a refusal is explained and recorded for the auditors (403, approvals.permissions);
    a finished task sends the person to the action's page with a message saying who finished it."""

    index_view_class = None
    detail_view_class = None
    cancel_view_class = None
    undo_view_class = None
    revive_view_class = None

    @property
    def assign_view(self) -> Callable[..., HttpResponseBase]:
        from workflows.views import TakeTaskView

        return TakeTaskView.as_view()

    @property
    def unassign_view(self) -> Callable[..., HttpResponseBase]:
        from workflows.views import ReleaseTaskView

        return ReleaseTaskView.as_view()

    def require_allowed(self, user: Any, task: Any, action: Action) -> None:
        raise NotImplementedError

    def allowed(self, user: Any, task: Any, action: Action) -> bool:
        raise NotImplementedError

    def _guard(self, wrapped: Callable[..., HttpResponseBase], url_name: str) -> Callable[..., HttpResponseBase]:
        node = self

        def guarded(
            request: AuthenticatedHttpRequest, process_pk: int, task_pk: int, **kwargs: Any
        ) -> HttpResponseBase:
            task = get_object_or_404(node.flow_class.task_class, pk=task_pk, process_id=process_pk)
            action = action_of_task(task)
            if not Action.objects.visible_to(request.user).filter(pk=action.pk).exists():
                permissions.refuse_outside_scope(Task, request.user, {"pk": task.pk})
                raise Http404(_("No such task."))
            if task.status not in OPEN_STATUSES:
                by = task.owner or _("someone else")
                messages.info(request, _("This task was already completed by %(person)s.") % {"person": by})
                return redirect("workflows:action-detail", pk=action.pk)
            node.require_allowed(request.user, task, action)
            if url_name in ("execute", "assign") and task.owner_id not in (None, request.user.pk):
                messages.info(request, _("%(person)s is working on this task.") % {"person": task.owner})
                return redirect("workflows:action-detail", pk=action.pk)
            if url_name == "execute" and task.owner_id is None:
                return redirect(task.flow_task.reverse("assign", args=[process_pk, task_pk]))
            return wrapped(request, process_pk=process_pk, task_pk=task_pk, **kwargs)

        return guarded

    @property
    def view_path(self) -> Any:
        return path(
            f"<int:process_pk>/{self.name}/<int:task_pk>/execute/",
            self._guard(flow_utils.wrap_view(self, self.view), "execute"),
            name="execute",
        )

    @property
    def assign_path(self) -> Any:
        return path(
            f"<int:process_pk>/{self.name}/<int:task_pk>/assign/",
            self._guard(flow_utils.wrap_task_view(self, self.assign_view, permission=self.can_assign), "assign"),
            name="assign",
        )

    @property
    def unassign_path(self) -> Any:
        return path(
            f"<int:process_pk>/{self.name}/<int:task_pk>/unassign/",
            self._guard(flow_utils.wrap_task_view(self, self.unassign_view, permission=self.can_unassign), "unassign"),
            name="unassign",
        )

    def can_assign(self, user: Any, task: Any) -> bool:
        return super().can_assign(user, task) and self.allowed(user, task, action_of_task(task))

    def can_execute(self, user: Any, task: Any) -> bool:
        return super().can_execute(user, task) and self.allowed(user, task, action_of_task(task))


class DivisionTaskView(GuardedViewMixin, flow.View):
    """A division's task: any member of the division may take it from the division's queue."""

    def require_allowed(self, user: Any, task: Any, action: Action) -> None:
        permissions.require(user, permissions.division_permission(task.data["division"]), action)

    def allowed(self, user: Any, task: Any, action: Action) -> bool:
        return permissions.check(user, permissions.division_permission(task.data["division"]), action) is None


class ExecutiveActivation(ViewActivation):
    """Completing an executive task re-checks segregation of duties for its owner, whoever called it:
    viewflow checks transition permissions only inside its own views."""

    @ViewActivation.status.super()
    def complete(self) -> None:
        permissions.require(self.task.owner, self.flow_task.decision_permission, self.process.action)
        super().complete.original()


class ExecutiveTaskView(GuardedViewMixin, flow.View):
    """The chief administrator's review or the mayor's approval, refused to anyone whom segregation of
    duties excludes (someone who submitted for the action, or, for approval, who reviewed it)."""

    activation_class = ExecutiveActivation

    def __init__(self, view: Any, *, decision_permission: str, **kwargs: Any) -> None:
        super().__init__(view, **kwargs)
        self.decision_permission = decision_permission

    def require_allowed(self, user: Any, task: Any, action: Action) -> None:
        permissions.require(user, self.decision_permission, action)

    def allowed(self, user: Any, task: Any, action: Action) -> bool:
        return permissions.check(user, self.decision_permission, action) is None
