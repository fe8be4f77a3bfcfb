"""Models of planning the next year: the ITA result of the year just assessed, and the review of a plan drafted
from it. Imported by approvals/models.py so that Django and the migrations see them."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from audit.history import AuditedHistoricalRecords


def _scoped_manager() -> models.Manager:
    # Imported late: approvals.models imports this module at its end.
    from approvals.models import AgencyScopedQuerySet

    return AgencyScopedQuerySet.as_manager()


class ItaResult(models.Model):
    """An agency's ITA result for an assessed fiscal year (ผลการประเมิน ITA): the total score out of 100."""

    agency = models.ForeignKey(
        "approvals.Agency", verbose_name=_("agency"), on_delete=models.PROTECT, related_name="ita_results"
    )
    fiscal_year = models.ForeignKey(
        "approvals.FiscalYear", verbose_name=_("assessed fiscal year"), on_delete=models.PROTECT, related_name="+"
    )
    total = models.DecimalField(
        _("total score"), max_digits=5, decimal_places=2, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    source_name = models.CharField(_("source"), max_length=255, blank=True)

    objects = _scoped_manager()
    history = AuditedHistoricalRecords()

    class Meta:
        verbose_name = _("ITA result")
        verbose_name_plural = _("ITA results")
        ordering = ["agency", "-fiscal_year__year"]
        constraints = [
            # One result per agency and assessed year: the scores page shows and replaces it.
            models.UniqueConstraint(fields=["agency", "fiscal_year"], name="ita_result_one_per_agency_and_year"),
            models.CheckConstraint(condition=Q(total__gte=0, total__lte=100), name="ita_result_total_0_100"),
        ]

    def __str__(self) -> str:
        return _("ITA result %(year)s: %(total)s") % {"year": self.fiscal_year.year, "total": self.total}


class IndicatorScore(models.Model):
    """The score of one ITA indicator (คะแนนตัวชี้วัด), 1 to 10, in an agency's ITA result."""

    agency = models.ForeignKey("approvals.Agency", verbose_name=_("agency"), on_delete=models.PROTECT, related_name="+")
    result = models.ForeignKey(ItaResult, verbose_name=_("ITA result"), on_delete=models.PROTECT, related_name="scores")
    number = models.PositiveSmallIntegerField(_("ITA number"), validators=[MinValueValidator(1), MaxValueValidator(10)])
    score = models.DecimalField(
        _("score"), max_digits=5, decimal_places=2, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )

    objects = _scoped_manager()
    history = AuditedHistoricalRecords()

    class Meta:
        verbose_name = _("indicator score")
        verbose_name_plural = _("indicator scores")
        ordering = ["result", "number"]
        constraints = [
            # The result page lists indicators 1-10 once each.
            models.UniqueConstraint(fields=["result", "number"], name="indicator_score_one_per_number"),
            models.CheckConstraint(condition=Q(number__gte=1, number__lte=10), name="indicator_score_number_1_10"),
            models.CheckConstraint(condition=Q(score__gte=0, score__lte=100), name="indicator_score_0_100"),
        ]

    def __str__(self) -> str:
        return _("Indicator %(number)s: %(score)s") % {"number": self.number, "score": self.score}


class PlanReview(models.Model):
    """The way of a plan drafted for the next fiscal year (ร่างแผนปีถัดไป) through review by the chief
    administrator and approval by the mayor, before it is activated."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft, being edited")
        SUBMITTED = "submitted", _("Waiting for the chief administrator's review")
        ACCEPTED = "accepted", _("Waiting for the mayor's approval")
        APPROVED = "approved", _("Approved, ready to activate")
        ACTIVATED = "activated", _("Activated")

    agency = models.ForeignKey("approvals.Agency", verbose_name=_("agency"), on_delete=models.PROTECT, related_name="+")
    plan = models.OneToOneField(
        "approvals.Plan", verbose_name=_("draft plan"), on_delete=models.PROTECT, related_name="review"
    )
    source_plan = models.ForeignKey(
        "approvals.Plan", verbose_name=_("drafted from"), on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reviewed by"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("approved by"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    return_reason = models.TextField(_("reason of the last return"), blank=True)

    objects = _scoped_manager()
    history = AuditedHistoricalRecords()

    class Meta:
        verbose_name = _("plan review")
        verbose_name_plural = _("plan reviews")
        ordering = ["agency", "-plan__fiscal_year__year"]

    def __str__(self) -> str:
        return _("Draft plan %(year)s (%(state)s)") % {
            "year": self.plan.fiscal_year.year,
            "state": self.get_state_display(),
        }

    def is_editable(self) -> bool:
        return self.state == self.State.DRAFT
