"""Receivers of the domain events (approvals.signals)."""

from __future__ import annotations

from django.db import transaction
from django.dispatch import receiver

from approvals.signals import action_approved
from reports import public


@receiver(action_approved, dispatch_uid="reports.invalidate_public_page")
def invalidate_public_page_on_approval(sender, action, **kwargs) -> None:
    """A newly approved result must show on the public page: drop its cached copy once the approval commits."""
    agency_id = action.agency_id
    year = action.indicator.measure.plan.fiscal_year.year
    transaction.on_commit(lambda: public.invalidate(agency_id, year))
