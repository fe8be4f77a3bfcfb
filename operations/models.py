"""What the operations app keeps: the last verification outcome of each hash chain, for the metrics."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ChainCheck(models.Model):
    """The last verification of one hash chain (ผลการตรวจสายโซ่ล่าสุด): when, up to which link, how many
    problems. One row per chain, replaced by each verification (audit.signals.chains_verified). Not
    historised: it is a reading of the ledger, which is itself the record; a broken chain is also recorded
    for good as a critical finding (audit.services.verify_chains)."""

    chain = models.BigIntegerField(_("chain"), unique=True)
    checked_at = models.DateTimeField(_("checked at"), default=timezone.now)
    issues = models.PositiveIntegerField(_("problems found"), default=0)
    head_seq = models.BigIntegerField(_("head sequence"), default=0)

    class Meta:
        verbose_name = _("chain check")
        verbose_name_plural = _("chain checks")
        ordering = ["chain"]

    def __str__(self) -> str:
        return f"{self.chain}: {self.issues} @ {self.checked_at:%Y-%m-%d %H:%M}"
