"""Periodic work of the audit trail (scheduled in settings.CELERY_BEAT_SCHEDULE). Idempotent: running
one twice changes nothing the second time."""

from __future__ import annotations

from celery import shared_task

from approvals.services import system_user
from audit import seal, services


@shared_task(name="audit.anchor_chains")
def anchor_chains() -> int:
    """Write down today's head of every hash chain; returns how many chains moved."""
    return len(seal.anchor_chains())


@shared_task(name="audit.verify_chains")
def verify_chains() -> int:
    """Recompute every seal; a broken chain records a critical finding. Returns the problems found."""
    report, _findings = services.verify_chains(by=system_user())
    return len(report.issues)


@shared_task(name="audit.scan_risks")
def scan_risks() -> int:
    """Run every red-flag rule over every agency; returns the number of new findings."""
    return len(services.run_risk_scan(by=system_user()))
