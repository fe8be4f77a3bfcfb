"""Background jobs of the reports app. Idempotent, and they take ids, not objects."""

from __future__ import annotations

from celery import shared_task

from reports import public, services


@shared_task(name="reports.render_report")
def render_report_task(report_id: int) -> str:
    return services.render_report(report_id).status


@shared_task(name="reports.invalidate_public_page", acks_late=True)
def invalidate_public_page(agency_id: int, year: int) -> None:
    """Drop the cached public page of an agency's year (after an approval or a publication). Raises while the
    cache is unreachable, so that the outbox keeps it until it is done."""
    public.invalidate(agency_id, year)
