"""Decisions in batches (พิจารณาเป็นชุด): the chief administrator accepts, or the mayor approves, several ready
actions with one confirmation and one reason. Each action still gets its own decision, its own history and its
own segregation-of-duties check, in its own transaction: an action that is refused is reported, the rest
proceed."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from approvals import permissions, services
from approvals.exceptions import DomainError, InvalidTransition
from approvals.models import Action, Decision, Role, Submission, User


@dataclass
class BatchOutcome:
    decided: list[Decision] = field(default_factory=list)
    # (action, why it was refused or could not be decided)
    refused: list[tuple[Action, str]] = field(default_factory=list)


def stage_of(user: User) -> str | None:
    """The stage a person decides in batches: the mayor's approval or the chief administrator's review."""
    me = permissions.standing(user)
    if Role.MAYOR in me.roles:
        return Action.Status.AWAITING_APPROVAL
    if Role.CHIEF_ADMINISTRATOR in me.roles:
        return Action.Status.AWAITING_REVIEW
    return None


def ready_actions(user: User, status: str) -> QuerySet[Action]:
    """The agency's actions waiting at `status`, with what their one-page summary shows (constant queries)."""
    current = (
        Submission.objects.exclude(status__in=[Submission.Status.RETURNED, Submission.Status.CANCELLED])
        .select_related("division", "submitted_by")
        .annotate(evidence_count=Count("evidence", filter=Q(evidence__is_removed=False)))
        .order_by("division__sort_order", "division__name")
    )
    reviews = Decision.objects.filter(stage=Decision.Stage.REVIEW).select_related("decided_by", "on_behalf_of")
    return (
        Action.objects.visible_to(user)
        .filter(status=status)
        .select_related("indicator__measure__plan__fiscal_year")
        .prefetch_related(
            Prefetch("submissions", queryset=current, to_attr="summary_submissions"),
            Prefetch("decisions", queryset=reviews.order_by("-decided_at", "-pk"), to_attr="summary_reviews"),
        )
        .order_by("due_date", "indicator__measure__number", "indicator__number", "position")
    )


def decide_in_batch(actions: list[Action], *, by: User, reason: str) -> BatchOutcome:
    """Accept (chief administrator) or approve (mayor) each of `actions` with one reason; each through the
    same service as a single decision, so each is checked, decided and recorded on its own."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidTransition(_("Write one reason for the decisions of the batch."))
    if not actions:
        raise InvalidTransition(_("Choose at least one action."))
    outcome = BatchOutcome()
    statuses = dict(Action.objects.filter(pk__in=[a.pk for a in actions]).values_list("pk", "status"))
    for action in actions:
        # Where the action is now decides which step this is, not the copy the page was built from.
        awaiting_approval = statuses.get(action.pk) == Action.Status.AWAITING_APPROVAL
        decide = services.approve_action if awaiting_approval else services.accept_action
        try:
            outcome.decided.append(decide(action, by=by, reason=reason))
        except DomainError as error:
            outcome.refused.append((action, str(error)))
    return outcome
