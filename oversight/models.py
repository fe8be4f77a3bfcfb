"""Who oversees which agencies: a province or a district, read-only."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.history import AuditedHistoricalRecords


class OversightAssignmentQuerySet(models.QuerySet):
    def active(self, on=None) -> OversightAssignmentQuerySet:
        on = on or timezone.localdate()
        return self.filter(status=OversightAssignment.Status.IN_EFFECT, valid_from__lte=on).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=on)
        )

    def proposed(self) -> OversightAssignmentQuerySet:
        return self.filter(status=OversightAssignment.Status.PROPOSED)


class OversightAssignment(models.Model):
    """A province or district oversight role (ท้องถิ่นจังหวัด / ท้องถิ่นอำเภอ): the person reads the
    public-level facts of every agency of the province (or of its district) and changes nothing. Proposed by a
    platform operator with the order that appoints the person, it takes effect once a second platform operator
    confirms it (four eyes, as an agency's executive grants); the person belongs to no agency."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed, awaiting confirmation")
        IN_EFFECT = "in_effect", _("In effect")
        DECLINED = "declined", _("Declined")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="oversight_assignments",
    )
    province = models.CharField(_("province"), max_length=100)
    # Blank: the whole province (ท้องถิ่นจังหวัด); otherwise one district (ท้องถิ่นอำเภอ).
    district = models.CharField(_("district"), max_length=100, blank=True)
    valid_from = models.DateField(_("valid from"), default=timezone.localdate)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("granted by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Rows from before the four-eyes rule were granted in effect; a new grant is proposed (oversight.services).
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.IN_EFFECT)
    # Translators: เลขที่คำสั่ง, the number of the written order that appoints the person.
    order_number = models.CharField(_("order number"), max_length=60, blank=True)
    # Translators: ลงวันที่ (of the order)
    order_date = models.DateField(_("order date"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    history = AuditedHistoricalRecords()
    objects = OversightAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("oversight assignment")
        verbose_name_plural = _("oversight assignments")
        ordering = ["province", "district", "user_id"]
        indexes = [
            # approvals.permissions.oversight_area: a person's assignments in effect, at every request.
            models.Index(fields=["user", "valid_from"], name="oversight_user_from"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(province=""), name="oversight_names_a_province"),
        ]

    def __str__(self) -> str:
        return f"{self.province} / {self.district}" if self.district else self.province

    def is_active(self, on=None) -> bool:
        on = on or timezone.localdate()
        return (
            self.status == self.Status.IN_EFFECT
            and self.valid_from <= on
            and (self.valid_until is None or self.valid_until >= on)
        )
