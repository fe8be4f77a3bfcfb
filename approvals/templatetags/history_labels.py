"""Readable labels for the short English reasons that releases before reason codes wrote into history rows
("save draft", "refused", ...), which an upgraded database still holds. Rows written since carry a code
that audit/reasons.py puts into words. A reason a person typed is shown exactly as typed."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

# The history keeps the code's own words (they are evidence); pages show them in the reader's language.
MACHINE_REASONS = {
    "accepted": _("accepted by the chief administrator"),
    "activate plan": _("plan activated"),
    "add evidence": _("evidence attached"),
    "admin": _("changed in the administration pages"),
    "approved": _("approved by the mayor"),
    "check failed": _("check failed"),
    "check finished": _("check finished"),
    "check progress": _("check in progress"),
    "check requested": _("check asked for"),
    "check started": _("check started"),
    "failed": _("failed"),
    "history verification": _("history verification"),
    "import": _("imported from the annual report"),
    "manage.py risk_scan": _("risk scan run by hand"),
    "marked all as read": _("all marked as read"),
    "marked as read": _("marked as read"),
    "nightly risk scan": _("nightly risk scan"),
    "nightly verification": _("nightly verification"),
    "notification preferences changed": _("notification preferences changed"),
    "reassign": _("task reassigned"),
    "risk scan": _("red-flag scan"),
    "sample year scan": _("red-flag scan at the end of the sample year"),
    "refused": _("refused"),
    "rendered": _("report rendered"),
    "rendering": _("report being rendered"),
    "requested": _("report requested"),
    "save draft": _("draft saved"),
    "submit results": _("results submitted"),
    "system account": _("system account"),
}


@register.filter
def reason_label(reason: object) -> str:
    """The reader's-language label of a reason the code wrote, or the reason itself."""
    if not reason:
        return ""
    label = MACHINE_REASONS.get(str(reason))
    return str(label) if label is not None else str(reason)
