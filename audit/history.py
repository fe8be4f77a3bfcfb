"""Complete history: who and why on every history row, and viewflow's records historised.

- `acting_as(user, reason)` names the acting person and the reason for every history row written
  inside it, when the code saving the row did not (commands and Celery tasks use it; Celery tasks
  get it automatically, acting as the system account).
- `ConcreteModelHistoricalRecords` registers viewflow's `Process` and `Task`: flows save proxy
  subclasses, whose `post_save` sender is the proxy and whose field list includes jsonstore fields.
- `WorkflowHistoryLinks` adds `agency_id` and `action_id` to their history rows, so that workflow
  history joins its agency's hash chain and the action's timeline.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models.signals import post_delete, post_save, pre_delete
from simple_history.models import HistoricalRecords


@dataclass(frozen=True)
class _Acting:
    user: Callable[[], Any]
    reason: str


_acting: contextvars.ContextVar[_Acting | None] = contextvars.ContextVar("audit_acting", default=None)


@contextlib.contextmanager
def acting_as(user: Any | Callable[[], Any], reason: str) -> Iterator[None]:
    """History rows written inside this block without their own user or reason get these.

    `user` may be a callable (e.g. `approvals.services.system_user`), called only when a row needs it.
    """
    resolve = user if callable(user) else (lambda: user)
    token = _acting.set(_Acting(user=resolve, reason=reason))
    try:
        yield
    finally:
        _acting.reset(token)


def _command_context() -> _Acting | None:
    """A management command run from the shell acts as the system account, the command being the reason."""
    program = os.path.basename(sys.argv[0]) if sys.argv else ""
    if program not in {"manage.py", "django-admin"} or len(sys.argv) < 2:
        return None
    from approvals.services import system_user

    return _Acting(user=system_user, reason=f"manage.py {sys.argv[1]}")


def default_who_and_why(user_id: Any, reason: str | None) -> tuple[Any, str | None]:
    """The acting user and reason of a history row, defaulted from the context where the saving code
    gave none."""
    if user_id is not None and reason:
        return user_id, reason
    # Code that says who acts and why (services driving viewflow, Celery tasks) is heard in a web request
    # too; otherwise a web request keeps what the middleware named (the signed-in person), and only a
    # command run from the shell falls back to the system account.
    context = _acting.get()
    if context is None:
        if getattr(HistoricalRecords.context, "request", None) is not None:
            return user_id, reason
        context = _command_context()
    if context is None:
        return user_id, reason
    if user_id is None:
        user_id = getattr(context.user(), "pk", None)
    return user_id, reason or context.reason


def fill_in_who_and_why(sender, history_instance, **kwargs) -> None:
    """pre_create_historical_record receiver (where simple-history writes history rows: SQLite)."""
    if isinstance(history_instance, WorkflowHistoryLinks):
        history_instance.agency_id, history_instance.action_id = workflow_links(kwargs["instance"])
    history_instance.history_user_id, history_instance.history_change_reason = default_who_and_why(
        history_instance.history_user_id, history_instance.history_change_reason
    )


def celery_task_started(task=None, **kwargs) -> None:
    """Celery task_prerun receiver: a background task acts as the system account."""
    from approvals.services import system_user

    name = getattr(task, "name", "task")
    token = _acting.set(_Acting(user=system_user, reason=f"celery {name}"))
    if task is not None:
        task.request.audit_acting_token = token


def celery_task_finished(task=None, **kwargs) -> None:
    token = getattr(getattr(task, "request", None), "audit_acting_token", None)
    if token is not None:
        _acting.reset(token)


class WorkflowHistoryLinks(models.Model):
    """Extra columns of viewflow's history rows: the agency and action the process works on."""

    agency_id = models.BigIntegerField(null=True, blank=True)
    action_id = models.BigIntegerField(null=True, blank=True, db_index=True)

    class Meta:
        abstract = True


def _links_of(obj: Any) -> tuple[int | None, int | None]:
    from approvals.models import Action

    if isinstance(obj, Action):
        return obj.agency_id, obj.pk
    return getattr(obj, "agency_id", None), getattr(obj, "action_id", None)


def _flow_process(task: Any) -> Any:
    """The task's process as its flow's own process class (e.g. a subclass with an `action` field)."""
    try:
        # viewflow 2 names it `coerced_process`; a task loaded from the database holds a base Process.
        return task.coerced_process or task.process
    except Exception:  # an unknown or removed flow class: fall back to the base process row
        return task.process


def workflow_links(instance: Any) -> tuple[int | None, int | None]:
    """(agency id, action id) of a viewflow Process or Task: the process's own `action` (a flow's
    process class may have one), its artifact, or `agency_id`/`action_id` kept in the process data."""
    from viewflow.workflow.models import Task

    process = _flow_process(instance) if isinstance(instance, Task) and instance.process_id else instance
    candidates = [instance, process] if process is not instance else [instance]
    for candidate in candidates:
        action = getattr(candidate, "action", None)
        if action is not None and hasattr(action, "agency_id"):
            return _links_of(action)
    for candidate in candidates:
        if getattr(candidate, "artifact_object_id", None) and getattr(candidate, "artifact_content_type_id", None):
            agency_id, action_id = _links_of(candidate.artifact)
            if agency_id is not None:
                return agency_id, action_id
    for candidate in candidates:
        data = getattr(candidate, "data", None) or {}
        if isinstance(data, dict) and (data.get("agency_id") or data.get("action_id")):
            action_id = data.get("action_id")
            agency_id = data.get("agency_id")
            if agency_id is None and action_id is not None:
                from approvals.models import Action

                agency_id = Action.objects.filter(pk=action_id).values_list("agency_id", flat=True).first()
            return agency_id, action_id
    return None, None


class ConcreteModelHistoricalRecords(HistoricalRecords):
    """HistoricalRecords for a model that is saved through proxy subclasses (viewflow processes).

    The history model always copies the registered model's fields (a proxy's jsonstore fields are
    virtual, kept in the `data` column), and saves or deletes sent for a subclass, proxy or
    multi-table (a flow's process class with its own table), are forwarded: Django sends them with the
    subclass as sender only.
    """

    def fields_included(self, model):
        return super().fields_included(self.cls)

    def finalize(self, sender, **kwargs):
        super().finalize(sender, **kwargs)
        if sender is not self.cls:
            return
        uid = f"audit-proxy-history-{self.cls._meta.label}"
        post_save.connect(self._forward_save, weak=False, dispatch_uid=f"{uid}-save")
        pre_delete.connect(self._forward_pre_delete, weak=False, dispatch_uid=f"{uid}-pre-delete")
        post_delete.connect(self._forward_delete, weak=False, dispatch_uid=f"{uid}-delete")

    def _is_subclass_of_ours(self, sender) -> bool:
        return sender is not self.cls and isinstance(sender, type) and issubclass(sender, self.cls)

    def _forward_save(self, sender, instance, created, **kwargs):
        if self._is_subclass_of_ours(sender):
            self.post_save(instance, created, **kwargs)

    def _forward_pre_delete(self, sender, instance, **kwargs):
        if self._is_subclass_of_ours(sender):
            self.pre_delete(instance, **kwargs)

    def _forward_delete(self, sender, instance, **kwargs):
        if self._is_subclass_of_ours(sender):
            self.post_delete(instance, **kwargs)


def reuse_history_manager_classes() -> None:
    """Build each model's history manager class once instead of on every `obj.history` access.

    django-simple-history 3.13's HistoryDescriptor calls `Manager.from_queryset()` on every access, and
    every historised save reads it: that new class costs about a sixth of the save (bench/seal_cost.py).
    The class it builds is always the same for a descriptor, so keeping it changes nothing else. Drop this
    when simple-history caches it itself.
    """
    from simple_history.manager import HistoryDescriptor

    if getattr(HistoryDescriptor, "_khunatham_cached", False):
        return

    def __get__(self, instance, owner):
        manager_class = self.__dict__.get("_manager_class")
        if manager_class is None:
            manager_class = self.manager_class.from_queryset(self.queryset_class)
            self._manager_class = manager_class
        return manager_class(self.model, instance)

    HistoryDescriptor.__get__ = __get__
    HistoryDescriptor._khunatham_cached = True
