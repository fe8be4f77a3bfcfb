"""The link checker's work (การตรวจลิงก์ที่เผยแพร่): visit the address the mayor approved for each OIT item,
record what answered (a historised LinkCheck), and raise a finding when the content changed or the link died."""

from __future__ import annotations

from django.db.models import QuerySet

from approvals.models import Action, User
from approvals.services import save_with_history
from approvals.transactions import agency_transaction
from audit import context, reasons
from audit import services as audit_services
from audit.models import Finding
from audit.rules import oit_links
from oit.linkcheck import fetch
from oit.models import DisclosureItem, LinkCheck
from oit.progress import approved_link_of

CHECKED = context.code(reasons.OIT_LINK_CHECKED)
FOUND = context.code(reasons.OIT_LINK_FINDING)


def items_to_check() -> QuerySet[DisclosureItem]:
    return DisclosureItem.objects.filter(action__status=Action.Status.DONE).select_related("action").order_by("pk")


def check_item(item: DisclosureItem, *, by: User) -> tuple[LinkCheck | None, Finding | None]:
    """Check one approved item's address; returns the check and the finding it raised, if any."""
    link = approved_link_of(item)
    if link is None:
        return None, None
    fetched = fetch(link.url)  # outside any transaction: the network is slow, the locks are not held meanwhile
    previous = item.link_checks.order_by("-checked_at", "-pk").first()
    baseline = (
        item.link_checks.filter(
            url=link.url, outcome__in=[LinkCheck.Outcome.OK, LinkCheck.Outcome.FIRST, LinkCheck.Outcome.CHANGED]
        )
        .order_by("-checked_at", "-pk")
        .first()
    )
    if fetched.refused:
        outcome = LinkCheck.Outcome.REFUSED
    elif not fetched.alive:
        outcome = LinkCheck.Outcome.DEAD
    elif baseline is None:
        outcome = LinkCheck.Outcome.FIRST
    elif baseline.sha256 != fetched.sha256:
        outcome = LinkCheck.Outcome.CHANGED
    else:
        outcome = LinkCheck.Outcome.OK
    with agency_transaction(item.agency_id):
        check = save_with_history(
            LinkCheck(
                agency_id=item.agency_id,
                item=item,
                url=link.url,
                outcome=outcome,
                status_code=fetched.status,
                content_type=fetched.content_type,
                sha256=fetched.sha256,
                size=fetched.size,
                truncated=fetched.truncated,
                error=fetched.error[:500],
            ),
            by=by,
            reason=CHECKED,
        )
    finding = None
    if outcome == LinkCheck.Outcome.CHANGED:
        rule, hit = oit_links.CHANGED, oit_links.changed_hit(check)
    elif outcome in (LinkCheck.Outcome.DEAD, LinkCheck.Outcome.REFUSED) and oit_links.starts_dead_streak(
        check, previous
    ):
        rule, hit = oit_links.DEAD, oit_links.dead_hit(check)
    else:
        return check, None
    finding = audit_services.record_finding(
        rule=rule.code, severity=rule.severity, agency=item.agency, hit=hit, by=by, reason=FOUND
    )
    return check, finding


def check_all(*, by: User) -> int:
    """Check every approved item of every agency; returns how many findings were raised."""
    raised = 0
    for item in items_to_check().select_related("agency"):
        _check, finding = check_item(item, by=by)
        raised += finding is not None
    return raised
