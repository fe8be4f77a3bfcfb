"""Viewflow process records. The domain data lives in approvals; a process only points at its action."""

from __future__ import annotations

from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.db import models
from django.db.models import BooleanField, F, Func, Q
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process

from approvals.models import Action, Decision, Submission


class ActionProcess(Process):
    """The journey of one action of the plan (กระบวนการดำเนินการตามแนวทาง) through its divisions, the
    chief administrator's review and the mayor's approval."""

    action = models.OneToOneField(Action, verbose_name=_("action"), on_delete=models.PROTECT, related_name="process")
    # viewflow's Process.data (a JSONField of an untyped package, so of no type the checker can determine).
    data: Any

    class Meta:
        verbose_name = _("action process")
        verbose_name_plural = _("action processes")
        ordering = ["-created"]

    def __str__(self) -> str:
        return str(self.action)

    def save(self, *args, **kwargs) -> None:
        # The capture triggers of viewflow's process and task tables read the agency and action from the
        # process's data (audit.history.PROCESS_LINKS): the history rows join the agency's hash chain and the
        # action's timeline. The parent row is written before this table's, so the data has to carry them.
        if self.action_id and (self.data or {}).get("action_id") != self.action_id:
            self.data = {**(self.data or {}), "agency_id": self.action.agency_id, "action_id": self.action_id}
        if not self._state.adding and not args and kwargs.get("update_fields") is None:
            # A process keeps its action for life: viewflow's saves change viewflow_process only, so this table's
            # row (not historised) is not rewritten with the same action_id by a second UPDATE.
            kwargs["update_fields"] = [field.name for field in Process._meta.concrete_fields if not field.primary_key]
        super().save(*args, **kwargs)

    # The decision the service completing the step has just written (engine.complete), under the flow lock: the
    # latest of its stage, which the gates after the step read without reading it back.
    just_decided: Decision | None = None

    def _latest_decision(self, stage: str) -> Decision | None:
        decided = self.just_decided
        if decided is not None and decided.action_id == self.action_id and decided.stage == stage:
            return decided
        return Decision.objects.filter(action_id=self.action_id, stage=stage).order_by("-decided_at", "-pk").first()

    @property
    def is_accepted(self) -> bool:
        """The gate after the review: the latest review decision accepted the results."""
        decision = self._latest_decision(Decision.Stage.REVIEW)
        return decision is not None and decision.outcome == Decision.Outcome.ACCEPTED

    @property
    def is_approved(self) -> bool:
        decision = self._latest_decision(Decision.Stage.APPROVAL)
        return decision is not None and decision.outcome == Decision.Outcome.APPROVED

    @property
    def is_returned_to_review(self) -> bool:
        decision = self._latest_decision(Decision.Stage.APPROVAL)
        return (
            decision is not None
            and decision.outcome == Decision.Outcome.RETURNED
            and decision.return_target == Decision.ReturnTarget.REVIEW
        )

    @property
    def divisions_with_work(self) -> list[int]:
        """Divisions with an open draft in the action's current round: the branches of the next split."""
        return list(
            Submission.objects.filter(
                action_id=self.action_id, round=F("action__current_round"), status=Submission.Status.DRAFT
            )
            .order_by("division__sort_order", "division__name")
            .values_list("division_id", flat=True)
        )


class _EqualsAny(Func):
    """`column = ANY(ARRAY(subquery))`."""

    template = "%(expressions)s)"
    arg_joiner = " = ANY("
    output_field = BooleanField()


def in_agency(agency_id: int) -> Q:
    """Condition on viewflow tasks: of the agency's action processes.

    viewflow's task table has no agency column; the join through the process to the action lets PostgreSQL scan
    every open task of every agency and filter (19 ms for a staff member's queue at 1,000 agencies, 0.3 ms at one):
    with a condition on the task besides (the queue's "mine or my queues'"), it will not look the tasks up by
    process. The agency's process ids as an array, computed once (an InitPlan), make it look them up by the
    process index whatever the number of agencies (bench/province.py, pages at 1,000 / 1 agencies)."""
    processes = ActionProcess.objects.filter(action__agency_id=agency_id).order_by().values("process_ptr_id")
    return Q(_EqualsAny(F("process_id"), ArraySubquery(processes)))
