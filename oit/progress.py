"""What the OIT progress view and the public page show of an agency's OIT items: one definition of an item's
state, from its action's status (approvals.figures' statuses) and its latest link check."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from approvals.models import Action, Plan, Submission
from oit.models import DisclosureItem, LinkCheck, PublishedLink


@dataclass
class ItemRow:
    item: DisclosureItem
    division: str
    status: str
    status_label: str
    url: str
    last_check: LinkCheck | None
    # Why the item still counts as missing (empty when it is published, approved and its link answers).
    missing: str | Promise

    @property
    def is_missing(self) -> bool:
        return bool(self.missing)


def _latest_link(item: DisclosureItem) -> str:
    links = [s.published_link for s in item.action.submissions.all() if hasattr(s, "published_link")]
    return links[-1].url if links else ""


def _approved_link(item: DisclosureItem) -> str:
    links = [
        s.published_link
        for s in item.action.submissions.all()
        if s.status == Submission.Status.APPROVED and hasattr(s, "published_link")
    ]
    return links[-1].url if links else ""


def items_of(plan: Plan) -> list[DisclosureItem]:
    submissions = Submission.objects.select_related("published_link").order_by("round", "pk")
    return list(
        DisclosureItem.objects.filter(plan=plan)
        .select_related("action")
        .prefetch_related(
            "action__divisions",
            Prefetch("action__submissions", queryset=submissions),
            Prefetch("link_checks", queryset=LinkCheck.objects.order_by("-checked_at", "-id")),
        )
        .order_by("assessment_year", "position")
    )


def missing_reason(item: DisclosureItem, last_check: LinkCheck | None) -> str | Promise:
    status = item.action.status
    if status == Action.Status.DONE:
        if last_check is not None and not last_check.is_alive():
            return _("The published link no longer answers")
        return ""
    if status == Action.Status.CANCELLED:
        return _("Cancelled")
    if status == Action.Status.AWAITING_REVIEW:
        return _("Waiting for the chief administrator's review")
    if status == Action.Status.AWAITING_APPROVAL:
        return _("Waiting for the mayor's approval")
    if status == Action.Status.RETURNED:
        return _("Returned to the division")
    return _("Not published yet")


def rows(plan: Plan) -> list[ItemRow]:
    result = []
    for item in items_of(plan):
        checks = list(item.link_checks.all())
        last = checks[0] if checks else None
        result.append(
            ItemRow(
                item=item,
                division=", ".join(d.name for d in item.action.divisions.all()),
                status=item.action.status,
                status_label=item.action.get_status_display(),
                url=_latest_link(item),
                last_check=last,
                missing=missing_reason(item, last),
            )
        )
    return result


def approved_items(plan: Plan) -> list[tuple[DisclosureItem, str]]:
    """The items the mayor approved, each with the address approved for it ("" when none was recorded): what
    the public page lists, exactly the items `completion` counts approved."""
    return [(item, _approved_link(item)) for item in items_of(plan) if item.action.status == Action.Status.DONE]


def approved_link_of(item: DisclosureItem) -> PublishedLink | None:
    return (
        PublishedLink.objects.filter(
            submission__action_id=item.action_id, submission__status=Submission.Status.APPROVED
        )
        .order_by("-submission__round", "-pk")
        .first()
    )


@dataclass(frozen=True)
class Completion:
    """How far a plan's adopted OIT catalogue is done: its items whose action the mayor approved, of all its
    items (cancelled ones included: an item not disclosed is missing, whatever the reason)."""

    approved: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.approved / self.total) if self.total else 0


def completion(plan_ids: list[int], division_ids: Collection[int] | None = None) -> dict[int, Completion]:
    """Each plan's OIT completion, in one query whatever the number of plans; a plan that adopted no
    catalogue is absent. With `division_ids`, only the items those divisions are responsible for (a division's
    dashboard)."""
    items = DisclosureItem.objects.filter(plan_id__in=plan_ids)
    if division_ids is not None:
        items = items.filter(action__divisions__in=division_ids)
    rows = (
        items.values("plan_id")
        .annotate(
            total=Count("id", distinct=True),
            approved=Count("id", distinct=True, filter=Q(action__status=Action.Status.DONE)),
        )
        .values_list("plan_id", "approved", "total")
    )
    return {plan_id: Completion(approved=approved, total=total) for plan_id, approved, total in rows}
