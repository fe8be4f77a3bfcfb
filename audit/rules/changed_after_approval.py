"""Results or evidence changed after the mayor approved the action: approved results are locked,
so any later change to what was done, the outcome, the progress or the evidence files is a red flag."""

from __future__ import annotations

from collections.abc import Iterator

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from approvals.models import Decision, Evidence, Submission
from audit.rules.base import Hit, Rule

RESULT_FIELDS = ("results", "outcome", "progress")


def scan(agency, now) -> Iterator[Hit]:
    approvals = Decision.objects.filter(
        agency=agency, stage=Decision.Stage.APPROVAL, outcome=Decision.Outcome.APPROVED
    ).select_related("action")
    for decision in approvals:
        later = Submission.history.filter(action_id=decision.action_id, history_date__gt=decision.decided_at)
        for row in later.order_by("history_id"):
            previous = row.prev_record
            changed = [
                name for name in RESULT_FIELDS if previous is None or getattr(previous, name) != getattr(row, name)
            ]
            if row.history_type == "~" and not changed:
                continue  # a status change (the approval itself), not a change of results
            yield Hit(
                key=f"submission-history:{row.history_id}",
                summary=_("Results of action %(action)s changed after its approval (%(fields)s)")
                % {"action": decision.action, "fields": ", ".join(changed) or row.get_history_type_display()},
                action_id=decision.action_id,
                evidence={
                    "decision_id": decision.pk,
                    "approved_at": decision.decided_at,
                    "submission_id": row.id,
                    "history_id": row.history_id,
                    "changed_at": row.history_date,
                    "changed_by": row.history_user_id,
                    "fields": {name: [getattr(previous, name, None), getattr(row, name)] for name in changed},
                },
            )
        submission_ids = Submission.objects.filter(action_id=decision.action_id).values_list("pk", flat=True)
        evidence_rows = Evidence.history.filter(
            submission_id__in=list(submission_ids), history_date__gt=decision.decided_at
        ).order_by("history_id")
        for row in evidence_rows:
            yield Hit(
                key=f"evidence-history:{row.history_id}",
                summary=_("Evidence of action %(action)s %(change)s after its approval: %(file)s")
                % {
                    "action": decision.action,
                    "change": {"+": _("added"), "-": _("deleted")}.get(row.history_type, _("changed")),
                    "file": row.original_name,
                },
                action_id=decision.action_id,
                evidence={
                    "decision_id": decision.pk,
                    "approved_at": decision.decided_at,
                    "evidence_id": row.id,
                    "history_id": row.history_id,
                    "change": row.history_type,
                    "changed_at": row.history_date,
                    "changed_by": row.history_user_id,
                    "file": row.original_name,
                    "sha256": row.sha256,
                    "removed": row.is_removed,
                },
            )


RULE = Rule(
    code="changed_after_approval",
    title=gettext_lazy("Results or evidence changed after approval"),
    rationale=gettext_lazy(
        "Once the mayor approves, the results and their evidence are what the agency reports to the NACC. "
        "Changing them afterwards rewrites what was approved without a new approval."
    ),
    severity="high",
    scan=scan,
)
