"""Receivers of the domain events (approvals.signals)."""

from __future__ import annotations

from django.dispatch import receiver

from approvals.models import Action
from approvals.signals import action_approved
from notifications import outbox
from reports.services import INVALIDATE_TASK


@receiver(action_approved, dispatch_uid="reports.invalidate_public_page")
def invalidate_public_page_on_approval(sender, action: Action, **kwargs) -> None:
    """A newly approved result must show on the public page: drop its cached copy once the approval commits.
    With Redis down the approval still answers success; the page is dropped later by a worker."""
    year = action.fiscal_year_number()
    outbox.after_commit(INVALIDATE_TASK, {"agency_id": action.agency_id, "year": year}, agency=action.agency_id)
