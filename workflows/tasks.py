"""Background jobs of the workflow. Idempotent: they take ids and call services."""

from __future__ import annotations

from celery import shared_task

from approvals import steps
from approvals.models import Agency


@shared_task(name="workflows.settle_steps")
def settle_steps() -> int:
    """Every morning: appointments and substitutes start and end by date, so the open steps follow them."""
    from approvals.services import system_user

    moved = 0
    for agency_id in Agency.objects.values_list("pk", flat=True):
        moved += len(steps.settle_steps(agency_id, by=system_user()))
    return moved
