"""Published OIT links that changed or died: the link checker (oit/checker.py) found that the address the
mayor approved for an OIT disclosure item now serves different content, or no longer answers."""

from __future__ import annotations

from collections.abc import Iterator

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.rules.base import Hit, Rule


def changed_hit(check) -> Hit:
    return Hit(
        key=f"oit-item:{check.item_id}:content:{check.sha256}",
        summary=_("The published link of OIT item %(item)s now serves different content") % {"item": check.item},
        action_id=check.item.action_id,
        evidence={
            "link_check_id": check.pk,
            "url": check.url,
            "sha256": check.sha256,
            "content_type": check.content_type,
            "checked_at": check.checked_at,
        },
    )


def dead_hit(check) -> Hit:
    return Hit(
        key=f"oit-item:{check.item_id}:dead:{check.pk}",
        summary=_("The published link of OIT item %(item)s no longer answers") % {"item": check.item},
        action_id=check.item.action_id,
        evidence={
            "link_check_id": check.pk,
            "url": check.url,
            "status": check.status_code,
            "error": check.error,
            "checked_at": check.checked_at,
        },
    )


def starts_dead_streak(check, previous) -> bool:
    """A dead check raises a finding when the link was alive (or unchecked) before, not every night again."""
    return previous is None or previous.url != check.url or previous.is_alive()


def _checks(agency, outcomes):
    from oit.models import LinkCheck

    return (
        LinkCheck.objects.filter(agency=agency, outcome__in=outcomes)
        .select_related("item")
        .order_by("checked_at", "pk")
    )


def scan_changed(agency, now) -> Iterator[Hit]:
    for check in _checks(agency, ["changed"]):
        yield changed_hit(check)


def scan_dead(agency, now) -> Iterator[Hit]:
    from oit.models import LinkCheck

    for check in _checks(agency, ["dead", "refused"]):
        previous = (
            LinkCheck.objects.filter(item_id=check.item_id, checked_at__lte=check.checked_at)
            .exclude(pk=check.pk)
            .order_by("-checked_at", "-pk")
            .first()
        )
        if starts_dead_streak(check, previous):
            yield dead_hit(check)


CHANGED = Rule(
    code="oit_link_changed",
    title=gettext_lazy("Published OIT document changed"),
    rationale=gettext_lazy(
        "What the mayor approved is what the public must see. A document changed after the approval was not "
        "reviewed, and a quiet change of a published record is how one is falsified."
    ),
    severity="medium",
    scan=scan_changed,
)

DEAD = Rule(
    code="oit_link_dead",
    title=gettext_lazy("Published OIT link dead"),
    rationale=gettext_lazy(
        "The OIT assessment scores what the assessor can open. A dead link loses the item's score and hides "
        "information the agency must publish."
    ),
    severity="medium",
    scan=scan_dead,
)
