"""Template tags that let the plan's own pages show an OIT item's address, without those pages knowing OIT.

They ask the database only for actions of an OIT indicator (the indicator is already loaded with the action),
and once per page for all of its submissions, so the plan's pages keep their fixed number of queries."""

from __future__ import annotations

from typing import Any

from django import template

from approvals.models import Indicator, Plan
from oit.models import DisclosureItem
from oit.progress import Completion, completion

register = template.Library()


def _is_oit(action: Any) -> bool:
    indicator = getattr(action, "indicator", None)
    return getattr(indicator, "assessment", None) == Indicator.Assessment.OIT


@register.simple_tag
def oit_item_of(action: Any) -> DisclosureItem | None:
    """The OIT item an action carries out, if it is one."""
    if not _is_oit(action):
        return None
    return DisclosureItem.objects.filter(action_id=action.pk).first()


@register.simple_tag(takes_context=True)
def published_link_of(context: template.Context, submission: Any) -> str:
    """The address a division gave for an OIT item in this submission ("" for anything else)."""
    action = getattr(submission, "action", None) if "action" not in context else context["action"]
    if action is None or not _is_oit(action):
        return ""
    # Asked once per page: kept on the action the page shows (the same object in every include).
    links = getattr(action, "_oit_published_links", None)
    if links is None:
        from oit.models import PublishedLink

        links = dict(PublishedLink.objects.filter(submission__action_id=action.pk).values_list("submission_id", "url"))
        action._oit_published_links = links
    return links.get(submission.pk, "")


@register.simple_tag
def oit_completion(plan: Plan | None) -> Completion | None:
    """The plan's OIT items approved of all (oit.progress, the one definition), for a page of the plan that
    shows them apart from its measures' figures; None when the plan adopted no catalogue. One query."""
    if plan is None:
        return None
    return completion([plan.pk]).get(plan.pk)
