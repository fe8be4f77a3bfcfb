"""Template tags that let the plan's own pages show an OIT item's address, without those pages knowing OIT."""

from __future__ import annotations

from typing import Any

from django import template

from oit.models import DisclosureItem, PublishedLink

register = template.Library()


@register.simple_tag
def oit_item_of(action: Any) -> DisclosureItem | None:
    """The OIT item an action carries out, if it is one."""
    action_id = getattr(action, "pk", None)
    return DisclosureItem.objects.filter(action_id=action_id).first() if action_id else None


@register.simple_tag
def published_link_of(submission: Any) -> PublishedLink | None:
    submission_id = getattr(submission, "pk", None)
    return PublishedLink.objects.filter(submission_id=submission_id).first() if submission_id else None
