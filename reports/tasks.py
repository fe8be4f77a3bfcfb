"""Background jobs of the reports app. Idempotent, and they take ids, not objects."""

from __future__ import annotations

from celery import shared_task

from reports import services


@shared_task(name="reports.render_report")
def render_report_task(report_id: int) -> str:
    return services.render_report(report_id).status
