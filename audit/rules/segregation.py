"""Attempts to break segregation of duties: someone who submitted results for an action tried to
review or approve it, or a reviewer tried to approve what they reviewed (approvals.AccessRefusal)."""

from __future__ import annotations

from collections.abc import Iterator

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from approvals import permissions
from approvals.models import AccessRefusal, Decision, Submission
from audit.rules.base import Hit, Rule, person


def scan(agency, now) -> Iterator[Hit]:
    refusals = (
        AccessRefusal.objects.filter(
            agency=agency,
            action__isnull=False,
            permission__in=[permissions.REVIEW_SUBMISSION, permissions.APPROVE_SUBMISSION],
        )
        .select_related("user", "action")
        .order_by("attempted_at", "pk")
    )
    for refusal in refusals:
        assert refusal.action_id is not None  # action__isnull=False above
        submitted = Submission.objects.filter(
            action_id=refusal.action_id, submitted_by=refusal.user, submitted_at__lte=refusal.attempted_at
        ).exists()
        reviewed = refusal.permission == permissions.APPROVE_SUBMISSION and (
            Decision.objects.filter(
                action_id=refusal.action_id,
                stage=Decision.Stage.REVIEW,
                decided_by=refusal.user,
                decided_at__lte=refusal.attempted_at,
            ).exists()
        )
        if not (submitted or reviewed):
            continue  # refused for lacking the role, not a conflict of duties
        yield Hit(
            key=f"refusal:{refusal.pk}",
            summary=_("%(person)s tried to %(what)s action %(action)s after having %(done)s it")
            % {
                "person": refusal.user,
                "what": _("review") if refusal.permission == permissions.REVIEW_SUBMISSION else _("approve"),
                "action": refusal.action,
                "done": _("submitted results for") if submitted else _("reviewed"),
            },
            action_id=refusal.action_id,
            evidence={
                "refusal_id": refusal.pk,
                "person": person(refusal.user),
                "permission": refusal.permission,
                "attempted_at": refusal.attempted_at,
                "refusal_reason": refusal.reason,
                "had_submitted": submitted,
                "had_reviewed": reviewed,
            },
        )


RULE = Rule(
    code="segregation_attempt",
    title=gettext_lazy("Attempt to break segregation of duties"),
    rationale=gettext_lazy(
        "The person who reports results must not also accept or approve them, and the reviewer must not "
        "also approve. A refused attempt shows someone tried; repeated attempts deserve a conversation."
    ),
    severity="high",
    scan=scan,
)
