"""The grant made by a written order (คำสั่งแต่งตั้ง), abstract: an agency's roles (approvals.models.RoleAssignment) and
an oversight officer's area (oversight.models.OversightAssignment) are such grants. In a module of its own, which
imports nothing of the project's, so that the oversight app can extend it without importing the agency's models."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class GrantByOrder(models.Model):
    """What every grant made by a written order (คำสั่งแต่งตั้ง) records for its four eyes: who proposed it, the
    order's number and date, its status, and who confirmed it and when. An agency's executive roles and stand-ins
    (`RoleAssignment`) and an oversight officer's area (`oversight.OversightAssignment`) are such grants; one pair
    of services confirms or declines either (`approvals.services.confirm_proposal`, `decline_proposal`)."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed, awaiting confirmation")
        IN_EFFECT = "in_effect", _("In effect")
        DECLINED = "declined", _("Declined")

    # The person granted: each grant declares its own foreign key (their reverse names differ).
    user: Any
    user_id: int

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
    # Rows from before the four-eyes rule were granted in effect; a new grant by order is proposed (the services).
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

    class Meta:
        abstract = True

    def is_active(self, on: datetime.date | None = None) -> bool:
        on = on or timezone.localdate()
        return (
            self.status == self.Status.IN_EFFECT
            and self.valid_from <= on
            and (self.valid_until is None or self.valid_until >= on)
        )
