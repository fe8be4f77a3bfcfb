"""Stand-ins for the workflow services (not on main yet): the same row changes and domain events,
sent inside the transaction exactly as approvals.services will send them."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from approvals import signals
from approvals.models import Action, Decision, Division, Submission, User
from approvals.services import save_with_history


def assign(action: Action, divisions: list[Division], *, by: User, round: int = 1) -> None:
    with transaction.atomic():
        signals.task_assigned.send(
            sender=Action, action=action, by=by, divisions=divisions, round=round, returned=False, reason=""
        )


def submit(action: Action, division: Division, *, by: User, round: int = 1) -> Submission:
    """A division submits its results; being the last one, the chief administrator is asked to review."""
    with transaction.atomic():
        submission = Submission(
            agency=action.agency,
            action=action,
            division=division,
            round=round,
            status=Submission.Status.SUBMITTED,
            results="จัดประชุมชี้แจงแผนการใช้จ่ายงบประมาณ",
            outcome="บุคลากรทราบแผน",
            progress=100,
            submitted_by=by,
            submitted_at=timezone.now(),
        )
        save_with_history(submission, by=by, reason="submitted")
        action.status = Action.Status.AWAITING_REVIEW
        save_with_history(action, by=by, reason="submitted", update_fields=["status"])
        signals.review_requested.send(sender=Submission, action=action, by=by, round=round)
    return submission


def return_to_divisions(action: Action, divisions: list[Division], *, by: User, reason: str) -> Decision:
    """The chief administrator returns the action; services send both events of a return."""
    with transaction.atomic():
        decision = Decision(
            agency=action.agency,
            action=action,
            round=action.current_round,
            stage=Decision.Stage.REVIEW,
            outcome=Decision.Outcome.RETURNED,
            reason=reason,
            return_target=Decision.ReturnTarget.DIVISIONS,
            returned_divisions=[d.pk for d in divisions],
            decided_by=by,
        )
        save_with_history(decision, by=by, reason=reason)
        signals.action_returned.send(sender=Decision, action=action, by=by, decision=decision)
        signals.task_assigned.send(
            sender=Action,
            action=action,
            by=by,
            divisions=divisions,
            round=action.current_round + 1,
            returned=True,
            reason=reason,
        )
    return decision


def decide(action: Action, *, by: User, stage: str, outcome: str) -> Decision:
    """An acceptance by the chief administrator or an approval by the mayor."""
    with transaction.atomic():
        decision = Decision(
            agency=action.agency,
            action=action,
            round=action.current_round,
            stage=stage,
            outcome=outcome,
            decided_by=by,
        )
        save_with_history(decision, by=by, reason=outcome)
        if outcome == Decision.Outcome.ACCEPTED:
            signals.approval_requested.send(sender=Decision, action=action, by=by, decision=decision)
        else:
            signals.action_approved.send(sender=Decision, action=action, by=by, decision=decision)
    return decision
