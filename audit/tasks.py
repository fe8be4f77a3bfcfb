"""Background work of the audit trail: the checks asked for on the auditors' page, and the periodic work
scheduled in settings.CELERY_BEAT_SCHEDULE. Idempotent: running one twice changes nothing the second time."""

from __future__ import annotations

from celery import shared_task

from approvals.models import Agency
from approvals.services import system_user
from audit import seal, services
from audit.models import AuditRun


@shared_task(name="audit.anchor_chains")
def anchor_chains() -> int:
    """Write down today's head of every hash chain; returns how many chains moved."""
    return len(seal.anchor_chains())


@shared_task(name=services.PERFORM_CHECK_TASK)
def perform_check(run_id: int) -> str:
    """Run a check asked for on the auditors' page (a finished one is left as it is)."""
    return services.perform_check(run_id).status


@shared_task(name="audit.verify_chains")
def verify_chains() -> int:
    """Recompute every seal, kept as a check; a broken chain records a critical finding. Returns the
    problems found."""
    run = services.run_check_now(
        AuditRun.Kind.VERIFICATION,
        None,
        by=system_user(),
        origin=AuditRun.Origin.NIGHTLY,
        reason=services.REASON_NIGHTLY_VERIFICATION,
    )
    return run.problems


@shared_task(name="audit.scan_risks")
def scan_risks() -> int:
    """Run every red-flag rule over every agency, one check each; returns the number of new findings."""
    new = 0
    for agency in Agency.objects.order_by("pk"):
        run = services.run_check_now(
            AuditRun.Kind.SCAN,
            agency,
            by=system_user(),
            origin=AuditRun.Origin.NIGHTLY,
            reason=services.REASON_NIGHTLY_SCAN,
        )
        new += run.findings.count()
    # And the records of no agency (fiscal years, platform accounts), for the rules that look at them.
    run = services.run_check_now(
        AuditRun.Kind.SCAN, None, by=system_user(), origin=AuditRun.Origin.NIGHTLY, reason=services.REASON_NIGHTLY_SCAN
    )
    return new + run.findings.count()
