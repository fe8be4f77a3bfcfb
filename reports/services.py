"""Every state change of the reports app: asking for a rendering, rendering it, publishing it."""

from __future__ import annotations

import hashlib
import logging

from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _

from approvals import permissions
from approvals.exceptions import InvalidTransition
from approvals.models import Plan, Role, RoleAssignment, User
from approvals.services import save_with_history
from approvals.transactions import agency_transaction
from audit import reasons
from notifications import outbox
from reports import renderers
from reports.assembly import assemble_report, cutoff_date, in_office
from reports.models import RenderedReport, ReportFormat
from reports.verification import public_page_url

# The reasons the system records on a rendering's history rows (audit/reasons.py puts them into words).
REASON_REQUESTED = reasons.code(reasons.REPORT_REQUESTED)
REASON_RENDERING = reasons.code(reasons.REPORT_RENDERING)
REASON_RENDERED = reasons.code(reasons.REPORT_RENDERED)
REASON_FAILED = reasons.code(reasons.REPORT_FAILED)
REASON_PUBLISHED = reasons.code(reasons.REPORT_PUBLISHED)

logger = logging.getLogger(__name__)

INVALIDATE_TASK = "reports.invalidate_public_page"


def request_report(
    plan: Plan,
    report_round: int,
    report_format: str,
    *,
    by: User,
    prepared_by: User | None = None,
    reviewed_by: RoleAssignment | None = None,
    approved_by: RoleAssignment | None = None,
) -> RenderedReport:
    """Ask for the official report of `plan` to be rendered in the background; returns the waiting copy.
    The preparer must be a person of the agency with a position; the reviewer and approver must hold the
    chief administrator's and the mayor's office (in their own right or acting) today."""
    permissions.require(by, permissions.RENDER_REPORT, plan)
    if report_format not in ReportFormat.values:
        raise InvalidTransition(_("Unknown format %(format)s.") % {"format": report_format})
    cutoff_date(plan.fiscal_year, report_round)  # refuses a round other than 6 or 12
    if prepared_by is not None and (prepared_by.agency_id != plan.agency_id or not prepared_by.position):
        raise InvalidTransition(
            _("The preparer must be a person of the agency with a position: %(name)s is not.")
            % {"name": prepared_by.get_full_name() or prepared_by.username}
        )
    today = timezone.localdate()
    for assignment, role in ((reviewed_by, Role.CHIEF_ADMINISTRATOR), (approved_by, Role.MAYOR)):
        if assignment is not None and assignment.pk not in {a.pk for a in in_office(plan.agency_id, role, today)}:
            raise InvalidTransition(
                _("%(name)s does not hold the office of %(role)s today.")
                % {"name": assignment.user.get_full_name(), "role": Role(role).label}
            )
    with agency_transaction(plan.agency_id):
        report = save_with_history(
            RenderedReport(
                agency_id=plan.agency_id,
                fiscal_year=plan.fiscal_year,
                round=report_round,
                format=report_format,
                requested_by=by,
                prepared_by=prepared_by,
                reviewed_by=reviewed_by,
                approved_by=approved_by,
            ),
            by=by,
            reason=REASON_REQUESTED,
        )
        # Through the transactional outbox: the rendering is sent to Celery after commit, and a broker that
        # is down only delays it (render_report does nothing for a copy already rendered).
        outbox.enqueue(
            "reports.render_report", {"report_id": report.pk}, key=f"render:{report.pk}", agency=plan.agency_id
        )
    return report


def _set_progress(report: RenderedReport, progress: int) -> None:
    # Saved like every other change (history is never bypassed); a rendering has only a few steps.
    report.progress = progress
    with agency_transaction(report.agency_id):  # the chain lock before the row's (docs/audit.md)
        save_with_history(report, by=report.requested_by, reason=REASON_RENDERING, update_fields=["progress"])


def render_report(report_id: int) -> RenderedReport:
    """Render a waiting copy and store it with its SHA-256. Running it again on a finished copy does nothing."""
    agency_id = RenderedReport.objects.filter(pk=report_id).values_list("agency_id", flat=True).get()
    with agency_transaction(agency_id):
        report = (
            RenderedReport.objects.select_for_update(of=("self",))
            .select_related(
                "fiscal_year",
                "requested_by",
                "prepared_by",
                "reviewed_by__user",
                "reviewed_by__acting_for",
                "approved_by__user",
                "approved_by__acting_for",
            )
            .get(pk=report_id)
        )
        if report.is_finished():
            return report
        report.status = RenderedReport.Status.RUNNING
        report.progress = 5
        save_with_history(report, by=report.requested_by, reason=REASON_RENDERING, update_fields=["status", "progress"])
    try:
        plan = Plan.objects.select_related("agency", "fiscal_year").get(
            agency_id=report.agency_id, fiscal_year=report.fiscal_year
        )
        data = assemble_report(
            plan,
            report.round,
            prepared_by=report.prepared_by,
            reviewed_by=report.reviewed_by,
            approved_by=report.approved_by,
            today=timezone.localdate(report.requested_at),
            verification_url=public_page_url(plan.agency.slug, plan.fiscal_year.year),
        )
        _set_progress(report, 40)
        content = renderers.render(data, report.format)
        _set_progress(report, 85)
        with agency_transaction(agency_id):
            report = RenderedReport.objects.select_for_update().get(pk=report_id)
            report.sha256 = hashlib.sha256(content).hexdigest()
            report.size = len(content)
            report.file.save("report", ContentFile(content), save=False)
            report.status = RenderedReport.Status.DONE
            report.progress = 100
            report.finished_at = timezone.now()
            save_with_history(
                report,
                by=report.requested_by,
                reason=REASON_RENDERED,
                update_fields=["sha256", "size", "file", "status", "progress", "finished_at"],
            )
    except Exception as exc:
        logger.exception("Rendering report %s failed", report_id)
        with agency_transaction(agency_id):
            report = RenderedReport.objects.select_for_update().get(pk=report_id)
            report.status = RenderedReport.Status.FAILED
            report.error = str(exc)[:2000]
            report.finished_at = timezone.now()
            save_with_history(
                report, by=report.requested_by, reason=REASON_FAILED, update_fields=["status", "error", "finished_at"]
            )
    return report


def publish_report(report: RenderedReport, *, by: User, reason: str = "") -> RenderedReport:
    """Offer a finished copy for download on the agency's public page."""
    permissions.require(by, permissions.RENDER_REPORT, report)
    with agency_transaction(report.agency_id):
        # The report's row only, not the fiscal year every agency shares (docs/audit.md, "One lock order").
        report = RenderedReport.objects.select_for_update(of=("self",)).select_related("fiscal_year").get(pk=report.pk)
        if report.status != RenderedReport.Status.DONE:
            raise InvalidTransition(_("Only a finished report can be published."))
        if report.published_at is not None:
            raise InvalidTransition(_("This report is already published."))
        report.published_at = timezone.now()
        report.published_by = by
        save_with_history(
            report, by=by, reason=reason or REASON_PUBLISHED, update_fields=["published_at", "published_by"]
        )
        outbox.after_commit(
            INVALIDATE_TASK, {"agency_id": report.agency_id, "year": report.fiscal_year.year}, agency=report.agency_id
        )
    return report
