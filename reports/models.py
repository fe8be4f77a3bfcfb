"""Rendered copies of the official progress report, kept with their hash, who asked and when."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from approvals.models import Agency, AgencyScopedQuerySet, FiscalYear, RoleAssignment
from audit.history import AuditedHistoricalRecords


class ReportRound(models.IntegerChoices):
    """The two reporting rounds of a fiscal year (รอบ ๖ เดือน, รอบ ๑๒ เดือน)."""

    # Translators: รอบ ๖ เดือน
    SIX_MONTHS = 6, _("6-month round")
    # Translators: รอบ ๑๒ เดือน
    TWELVE_MONTHS = 12, _("12-month round")


class ReportFormat(models.TextChoices):
    PDF = "pdf", "PDF"
    DOCX = "docx", _("Word (DOCX)")
    XLSX = "xlsx", _("Excel (XLSX)")


def rendered_report_upload_to(instance: RenderedReport, filename: str) -> str:
    # Named by content hash, like evidence: the stored name says nothing, the hash ties it to content.
    return f"reports/{instance.agency_id}/{instance.sha256[:2]}/{instance.sha256}.{instance.format}"


class RenderedReportQuerySet(AgencyScopedQuerySet):
    def published(self) -> RenderedReportQuerySet:
        return self.filter(status=RenderedReport.Status.DONE, published_at__isnull=False)


class RenderedReport(models.Model):
    """One rendering of the official progress report (รายงานผลการดำเนินงานตามมาตรการส่งเสริมคุณธรรมและ
    ความโปร่งใสภายในหน่วยงาน) for a fiscal year and round, in one format. Never overwritten: each request
    makes a new row, so the history shows every copy that was handed out."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Rendering")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    agency = models.ForeignKey(Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="+")
    fiscal_year = models.ForeignKey(
        FiscalYear, verbose_name=_("fiscal year"), on_delete=models.PROTECT, related_name="+"
    )
    round = models.PositiveSmallIntegerField(_("round"), choices=ReportRound.choices)
    format = models.CharField(_("format"), max_length=4, choices=ReportFormat.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    file = models.FileField(_("file"), upload_to=rendered_report_upload_to, max_length=300, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    error = models.TextField(_("error"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    # Who signs the copy: chosen on the render page (the reviewer and approver are role assignments in force on
    # the day asked for, so an acting appointment prints as รักษาราชการแทน).
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("prepared by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_by = models.ForeignKey(
        RoleAssignment,
        verbose_name=_("reviewed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_by = models.ForeignKey(
        RoleAssignment,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = RenderedReportQuerySet.as_manager()
    history = AuditedHistoricalRecords()

    class Meta:
        verbose_name = _("rendered report")
        verbose_name_plural = _("rendered reports")
        ordering = ["-requested_at"]
        indexes = [
            # The render page lists an agency's copies, newest first; the public page looks for published ones.
            models.Index(fields=["agency", "fiscal_year", "-requested_at"], name="renderedreport_agency_year"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="renderedreport_progress_0_100"),
            # A finished copy always carries its hash; only finished copies can be published.
            models.CheckConstraint(condition=~Q(status="done") | ~Q(sha256=""), name="renderedreport_done_has_sha256"),
            models.CheckConstraint(
                condition=Q(published_at__isnull=True) | Q(status="done"), name="renderedreport_publish_only_done"
            ),
        ]

    def __str__(self) -> str:
        return _("Progress report %(year)s, %(round)s (%(format)s)") % {
            "year": self.fiscal_year.year,
            "round": self.get_round_display(),
            "format": self.get_format_display(),
        }

    # The rendering's steps as the background task reports them (progress in %), and what each is called.
    STEPS = (
        (0, _("Waiting for the background worker")),
        (5, _("Gathering the approved results")),
        (40, _("Drawing the document")),
        (85, _("Storing the file and its SHA-256")),
        (100, _("Ready")),
    )

    def step(self) -> str:
        if self.status == self.Status.FAILED:
            return str(self.Status.FAILED.label)
        return str(next(label for progress, label in reversed(self.STEPS) if self.progress >= progress))

    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    def download_name(self) -> str:
        return f"ita-report-{self.fiscal_year.year}-{self.round}m.{self.format}"
