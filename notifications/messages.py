"""The words of each notification, rendered in the active language from the event and its details.

Details (`params`) are stored as plain data when the notification is created: `action` (the action as a
clerk knows it), `reason`, `due_date` (ISO date), `when` (before / today / overdue), `days`, `round`.
Emails and LINE messages are rendered in Thai; the notification centre follows the reader's language.
"""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _
from django.utils.translation import ngettext, override

from approvals.thaidate import be_date


def _due(params: dict) -> str:
    raw = params.get("due_date")
    if not raw:
        return "-"
    return be_date(datetime.date.fromisoformat(raw), "long")


def title(event: str, params: dict) -> str:
    """One line: what happened, and to which action."""
    values = {"action": params.get("action", ""), "due": _due(params), "days": params.get("days", 0)}
    if event == "assigned":
        return _("New task for your division: %(action)s") % values
    if event == "returned":
        return _("Returned for correction: %(action)s") % values
    if event == "review_requested":
        return _("Results wait for your review: %(action)s") % values
    if event == "approval_requested":
        return _("Results wait for your approval: %(action)s") % values
    if event == "approved":
        return _("Approved: %(action)s") % values
    if event == "cancelled":
        return _("Cancelled: %(action)s") % values
    if event == "reminder":
        when = params.get("when")
        if when == "today":
            return _("Due today: %(action)s") % values
        if when == "overdue":
            return _("Overdue by %(days)s days: %(action)s") % values
        if when == "before" and params.get("due_date"):
            return _("Due in %(days)s days (%(due)s): %(action)s") % values
        # Reminders count down to a due date, and only actions with one are reminded (notifications.reminders);
        # a reminder recorded without one (by hand, or before that rule) says so instead of "in 0 days (-)".
        return _("Reminder (no due date set): %(action)s") % values
    if event == "escalation":
        return _("Overdue by %(days)s days, escalated to you: %(action)s") % values
    if event == "history_altered":
        return _("History altered outside the app: %(count)s rows of chain %(chain)s do not match their seals") % {
            "count": params.get("count", 0),
            "chain": params.get("chain", ""),
        }
    if event == "role_granted":
        return _("In effect: %(grant)s") % {"grant": params.get("grant", "")}
    if event == "digest":
        count = len(params.get("items", []))
        return ngettext(
            "Daily digest %(date)s: %(count)s notification",
            "Daily digest %(date)s: %(count)s notifications",
            count,
        ) % {"date": _day(params.get("date")), "count": count}
    if event == "grant_proposed":
        return _("Waiting for your confirmation: %(grant)s") % {"grant": params.get("grant", "")}
    return str(params.get("action", event))


def _day(raw: str | None) -> str:
    return be_date(datetime.date.fromisoformat(raw), "long") if raw else "-"


def _digest_body(params: dict) -> str:
    """The digest: one short paragraph per notification, oldest first, each with its link."""
    from django.conf import settings

    lines = [title("digest", params), ""]
    for number, item in enumerate(params.get("items", []), start=1):
        lines.append(f"{number}. {body(item['event'], item['params'])}".replace("\n", "\n   "))
        if item.get("url"):
            lines.append("   " + _("Open: %(url)s") % {"url": f"{settings.NOTIFICATION_SITE_URL}{item['url']}"})
        lines.append("")
    lines.append(_("You receive one digest a day; choose what comes at once on your notification settings page."))
    return "\n".join(lines)


def body(event: str, params: dict) -> str:
    """A few lines: the reason for a return or cancellation, the due date, who acted."""
    if event == "digest":
        return _digest_body(params)
    lines = [title(event, params)]
    if params.get("reason"):
        lines.append(_("Reason: %(reason)s") % {"reason": params["reason"]})
    if params.get("due_date"):
        lines.append(_("Due date: %(due)s") % {"due": _due(params)})
    if params.get("order"):
        lines.append(_("Order: %(order)s") % {"order": params["order"]})
    if params.get("divisions"):
        lines.append(_("Divisions: %(divisions)s") % {"divisions": ", ".join(params["divisions"])})
    if params.get("by"):
        lines.append(_("By: %(person)s") % {"person": params["by"]})
    return "\n".join(lines)


def thai_text(event: str, params: dict, url: str) -> tuple[str, str]:
    """The subject and text of an email or LINE message, in Thai, with the link to open."""
    with override("th"):
        text = body(event, params)
        if url:
            text += "\n\n" + _("Open: %(url)s") % {"url": url}
        return title(event, params), text
