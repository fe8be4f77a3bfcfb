"""The OIT disclosure items of an agency's year, carried out as actions of its plan, where each is published,
and what the link checker found there."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from approvals.models import Action, Agency, AgencyScopedQuerySet, Plan, Submission
from audit.history import AuditedHistoricalRecords


class DisclosureItem(models.Model):
    """An item of the OIT catalogue (รายการข้อมูลที่ต้องเปิดเผยต่อสาธารณะ ตามแบบตรวจ OIT) adopted by an
    agency for one assessment year. Its work is an action of the plan: the responsible division publishes and
    uploads, the chief administrator reviews, the mayor approves."""

    agency = models.ForeignKey(Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="+")
    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="+")
    action = models.OneToOneField(
        Action, verbose_name=_("action"), on_delete=models.PROTECT, related_name="disclosure_item"
    )
    assessment_year = models.PositiveSmallIntegerField(_("assessment year (B.E.)"))
    # As the year's catalogue numbers it ("O1"); numbers change between years.
    number = models.CharField(_("item number"), max_length=10)
    position = models.PositiveSmallIntegerField(_("position"))
    title = models.CharField(_("title"), max_length=500)
    # Translators: ข้อมูลที่ต้องเผยแพร่
    publish = models.TextField(_("what must be published"))
    # Translators: ช่วงเวลาที่ข้อมูลต้องครอบคลุม
    period = models.CharField(_("period it must cover"), max_length=300)
    usual_division = models.CharField(_("usual responsible division"), max_length=200)
    confirmed = models.BooleanField(_("confirmed against a cited source"), default=False)

    objects = AgencyScopedQuerySet.as_manager()
    history = AuditedHistoricalRecords()

    class Meta:
        verbose_name = _("OIT disclosure item")
        verbose_name_plural = _("OIT disclosure items")
        ordering = ["plan", "assessment_year", "position"]
        constraints = [
            # A catalogue is adopted once per plan: an item number appears once per plan and year.
            models.UniqueConstraint(fields=["plan", "assessment_year", "number"], name="oititem_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class PublishedLink(models.Model):
    """Where the division published the item in one round (ที่อยู่ URL ที่เผยแพร่): part of its submission."""

    agency = models.ForeignKey(Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="+")
    submission = models.OneToOneField(
        Submission, verbose_name=_("submission"), on_delete=models.PROTECT, related_name="published_link"
    )
    url = models.URLField(_("published at (URL)"), max_length=1000)

    objects = AgencyScopedQuerySet.as_manager()
    history = AuditedHistoricalRecords()

    class Meta:
        verbose_name = _("published link")
        verbose_name_plural = _("published links")
        ordering = ["submission"]

    def __str__(self) -> str:
        return self.url


class LinkCheck(models.Model):
    """One visit of the link checker to an approved item's published URL (การตรวจลิงก์): what answered, and
    the SHA-256 of what it served (at most the size limit)."""

    class Outcome(models.TextChoices):
        OK = "ok", _("Reachable, unchanged")
        FIRST = "first", _("Reachable, first check")
        CHANGED = "changed", _("Content changed")
        DEAD = "dead", _("Dead link")
        REFUSED = "refused", _("Refused: private address")

    agency = models.ForeignKey(Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(
        DisclosureItem, verbose_name=_("OIT disclosure item"), on_delete=models.PROTECT, related_name="link_checks"
    )
    url = models.URLField(_("URL"), max_length=1000)
    checked_at = models.DateTimeField(_("checked at"), default=timezone.now)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    status_code = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    content_type = models.CharField(_("content type"), max_length=200, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    size = models.PositiveBigIntegerField(_("bytes read"), default=0)
    truncated = models.BooleanField(_("cut at the size limit"), default=False)
    error = models.CharField(_("error"), max_length=500, blank=True)

    objects = AgencyScopedQuerySet.as_manager()
    history = AuditedHistoricalRecords()

    class Meta:
        verbose_name = _("link check")
        verbose_name_plural = _("link checks")
        ordering = ["item", "-checked_at", "-id"]
        indexes = [
            # The checker compares with the item's latest check; the progress page shows it.
            models.Index(fields=["item", "-checked_at"], name="linkcheck_item_latest"),
        ]

    def __str__(self) -> str:
        return f"{self.url}: {self.get_outcome_display()}"

    def is_alive(self) -> bool:
        return self.outcome in (self.Outcome.OK, self.Outcome.FIRST, self.Outcome.CHANGED)
