"""Personal API tokens: another system reads what its owner may read, until the owner revokes it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from approvals.models import Agency
from audit.history import AuditedHistoricalRecords


class ApiTokenQuerySet(models.QuerySet):
    def live(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """A personal API token (โทเค็น API): created and revoked by its owner, it lets another system read with
    the owner's role (the province's oversight, or an agency's own figures). Only a SHA-256 digest of the
    secret is stored; the secret is shown once, when it is created."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="api_tokens"
    )
    # The owner's agency when it was created (its chain); none for the province's oversight.
    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("name"), max_length=100)
    # The first characters of the secret, so that its owner recognises it in the list.
    prefix = models.CharField(_("prefix"), max_length=16)
    digest = models.CharField(_("SHA-256 of the secret"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    history = AuditedHistoricalRecords()
    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]
        indexes = [
            # The owner's token page lists their tokens.
            models.Index(fields=["user", "-created_at"], name="apitoken_user_created"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_live(self) -> bool:
        return self.revoked_at is None
