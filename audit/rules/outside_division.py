"""Edits by someone outside the responsible division: a submission's results, or its evidence, written
by a person who was not a member (staff or head) of the submission's division on that day. The workflow's
own bookkeeping is not an edit: blank drafts made when a plan is activated, and the new round a return
opens, pre-filled with the division's own results and evidence, by the person who returned it, with the
return's reason. Anyone else copying the division's earlier results or files into a round is flagged."""

from __future__ import annotations

from collections.abc import Iterator

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from approvals.models import DIVISION_ROLES, Decision, Evidence, RoleAssignment, Submission
from approvals.services import SYSTEM_USERNAME
from audit.rules.base import Hit, Rule

RESULT_FIELDS = ("results", "outcome", "progress")


def _member(memberships, user_id: int, division_id: int, moment) -> bool:
    day = timezone.localdate(moment)
    return any(
        m.user_id == user_id
        and m.division_id == division_id
        and m.valid_from <= day
        and (m.valid_until is None or m.valid_until >= day)
        for m in memberships
    )


def _written_by_the_return(action_id: int, round_number: int, row, returns: set) -> bool:
    """Written by the person whose return opened this round, with the return's reason."""
    return (action_id, round_number, row.history_user_id, row.history_change_reason) in returns


def _carried_over(row, earlier: dict, returns: set) -> bool:
    """A new submission that writes nothing of its own: the blank draft of an activation, or a return's
    new round pre-filled with what the same division submitted in the round before."""
    if not row.results and not row.outcome and not row.progress:
        return True
    before = earlier.get((row.action_id, row.division_id, row.round - 1))
    return (
        before is not None
        and all(before[f] == getattr(row, f) for f in RESULT_FIELDS)
        and _written_by_the_return(row.action_id, row.round, row, returns)
    )


def _copied_by_a_return(submission: tuple | None, row, files: set, returns: set) -> bool:
    if submission is None:
        return False
    action_id, division_id, round_number = submission
    return any(
        ((action_id, division_id, r), row.sha256) in files for r in range(1, round_number)
    ) and _written_by_the_return(action_id, round_number, row, returns)


def scan(agency, now) -> Iterator[Hit]:
    memberships = list(RoleAssignment.objects.filter(agency=agency, role__in=DIVISION_ROLES))
    submissions = Submission.objects.filter(agency=agency)
    divisions = dict(submissions.values_list("pk", "division_id"))
    earlier = {
        (s["action_id"], s["division_id"], s["round"]): s
        for s in submissions.values("action_id", "division_id", "round", *RESULT_FIELDS)
    }
    # Evidence a return copies into the new round: the same file on an earlier round of the same division.
    rounds = {
        s["pk"]: (s["action_id"], s["division_id"], s["round"])
        for s in submissions.values("pk", "action_id", "division_id", "round")
    }
    files = {
        (rounds[e["submission_id"]], e["sha256"])
        for e in Evidence.objects.filter(agency=agency).values("submission_id", "sha256")
        if e["submission_id"] in rounds
    }
    # (action, round it opened, who returned it, their reason) of every return that opened a new round.
    returns = {
        (d["action_id"], d["round"] + 1, d["decided_by_id"], d["reason"])
        for d in Decision.objects.filter(
            agency=agency, outcome=Decision.Outcome.RETURNED, return_target=Decision.ReturnTarget.DIVISIONS
        ).values("action_id", "round", "decided_by_id", "reason")
    }
    rows = Submission.history.filter(agency_id=agency.pk, history_user__isnull=False).exclude(
        history_user__username=SYSTEM_USERNAME
    )
    for row in rows.select_related("history_user").order_by("history_id"):
        if row.history_type == "-":
            continue
        if row.history_type == "+" and _carried_over(row, earlier, returns):
            continue
        if row.history_type == "~":
            previous = row.prev_record
            if previous is not None and all(getattr(previous, f) == getattr(row, f) for f in RESULT_FIELDS):
                continue  # status changes by reviewers are decisions, not edits
        if _member(memberships, row.history_user_id, row.division_id, row.history_date):
            continue
        yield Hit(
            key=f"submission-history:{row.history_id}",
            summary=_("%(person)s, not a member of the division, edited results of submission %(submission)s")
            % {"person": row.history_user, "submission": row.id},
            action_id=row.action_id,
            evidence={
                "submission_id": row.id,
                "history_id": row.history_id,
                "division_id": row.division_id,
                "edited_by": row.history_user_id,
                "edited_at": row.history_date,
                "change": row.history_type,
            },
        )
    evidence_rows = Evidence.history.filter(agency_id=agency.pk, history_type__in=["+", "~"]).exclude(
        history_user__username=SYSTEM_USERNAME
    )
    for row in evidence_rows.filter(history_user__isnull=False).select_related("history_user").order_by("history_id"):
        division_id = divisions.get(row.submission_id)
        if division_id is None or _member(memberships, row.history_user_id, division_id, row.history_date):
            continue
        if row.history_type == "+" and _copied_by_a_return(rounds.get(row.submission_id), row, files, returns):
            continue
        yield Hit(
            key=f"evidence-history:{row.history_id}",
            summary=_("%(person)s, not a member of the division, changed evidence %(file)s")
            % {"person": row.history_user, "file": row.original_name},
            action_id=Submission.objects.filter(pk=row.submission_id).values_list("action_id", flat=True).first(),
            evidence={
                "evidence_id": row.id,
                "history_id": row.history_id,
                "division_id": division_id,
                "edited_by": row.history_user_id,
                "edited_at": row.history_date,
                "sha256": row.sha256,
                "change": row.history_type,
            },
        )


RULE = Rule(
    code="outside_division_edit",
    title=gettext_lazy("Edit by someone outside the responsible division"),
    rationale=gettext_lazy(
        "Only the responsible division reports its own results. Someone else writing them, or their "
        "evidence, may be putting words in the division's mouth."
    ),
    severity="medium",
    scan=scan,
)
