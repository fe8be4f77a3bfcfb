"""Who oversees which agencies: a province or a district, read-only."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from approvals.grants import GrantByOrder
from audit.history import AuditedHistoricalRecords


class OversightAssignmentQuerySet(models.QuerySet):
    def active(self, on=None) -> OversightAssignmentQuerySet:
        on = on or timezone.localdate()
        return self.filter(status=OversightAssignment.Status.IN_EFFECT, valid_from__lte=on).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=on)
        )

    def proposed(self) -> OversightAssignmentQuerySet:
        return self.filter(status=OversightAssignment.Status.PROPOSED)


class OversightAssignment(GrantByOrder):
    """A province or district oversight role (ท้องถิ่นจังหวัด / ท้องถิ่นอำเภอ): the person reads the
    public-level facts of every agency of the province (or of its district) and changes nothing. Proposed by a
    platform operator with the order that appoints the person, it takes effect once a second platform operator
    confirms it (four eyes, as an agency's executive grants: the fields and services of `GrantByOrder`); the
    person belongs to no agency."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="oversight_assignments",
    )
    province = models.CharField(_("province"), max_length=100)
    # Blank: the whole province (ท้องถิ่นจังหวัด); otherwise one district (ท้องถิ่นอำเภอ).
    district = models.CharField(_("district"), max_length=100, blank=True)

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
