"""The audit trail's own records: the sealed ledger of every history row, its daily anchors, and the
red-flag findings raised for the internal auditors (หน่วยตรวจสอบภายใน).

Also registers django-viewflow's `Process` and `Task` with django-simple-history, here in the `audit`
app so that their history tables, their triggers and their migrations live with us (see `audit.history`).
"""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history import register
from viewflow.workflow.models import Process, Task

from audit.history import (
    PROCESS_LINKS,
    TASK_LINKS,
    AuditedHistoricalRecords,
    WorkflowHistoryLinks,
    capture_trigger,
)
from audit.triggers import append_only


class SealLayout(models.Model):
    """Which columns of a history table, in which order and of which kind, a seal covers.

    A history table gets a new layout when a migration changes its columns; older seals keep pointing
    at the layout they were computed with, so that adding a column never breaks their verification.
    """

    table_name = models.CharField(_("table"), max_length=100)
    # [[column, kind, decimal places], ...] sorted by column name; kinds are those of audit.seal.KINDS.
    columns = models.JSONField(_("columns"))
    signature = models.CharField(_("signature"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("seal layout")
        verbose_name_plural = _("seal layouts")
        ordering = ["table_name", "id"]
        triggers = append_only()

    def __str__(self) -> str:
        return f"{self.table_name} #{self.pk}"


class Seal(models.Model):
    """One link of an agency's hash chain: the seal of one history row (ตราประทับ).

    seal = SHA-256(previous seal || canonical serialisation of the row), written by a PostgreSQL
    trigger in the same statement as the history row. The row doubles as the
    agency-wide change log's index: `seq` orders an agency's changes, so pages seek on (chain, seq).
    No foreign-key constraints: each one would cost a lookup on every historised save.
    """

    pk = models.CompositePrimaryKey("chain", "seq")
    # The agency's id, or 0 for the global chain (fiscal years, platform accounts, unlinked rows).
    chain = models.BigIntegerField(_("chain"))
    seq = models.BigIntegerField(_("sequence"))
    layout = models.ForeignKey(
        SealLayout, verbose_name=_("layout"), on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    history_id = models.BigIntegerField(_("history row"))
    object_id = models.BigIntegerField(_("record"), null=True)
    history_type = models.CharField(_("change type"), max_length=1)
    history_user_id = models.BigIntegerField(_("changed by"), null=True)
    action_id = models.BigIntegerField(_("action"), null=True)
    division_id = models.BigIntegerField(_("division"), null=True)
    sealed_at = models.DateTimeField(_("sealed at"))
    seal = models.BinaryField(_("seal"))

    class Meta:
        verbose_name = _("seal")
        verbose_name_plural = _("seals")
        ordering = ["chain", "seq"]
        triggers = append_only()

    def __str__(self) -> str:
        return f"{self.chain}:{self.seq}"


class Anchor(models.Model):
    """A chain head written down once a day (การยึดหัวสายโซ่), so that cutting off the newest history
    rows together with their seals is still detected. Append-only, like the ledger."""

    chain = models.BigIntegerField(_("chain"))
    seq = models.BigIntegerField(_("sequence"))
    seal = models.BinaryField(_("seal"))
    anchored_at = models.DateTimeField(_("anchored at"), default=timezone.now)

    class Meta:
        verbose_name = _("anchor")
        verbose_name_plural = _("anchors")
        ordering = ["chain", "-seq"]
        indexes = [
            # The verifier compares each chain with its newest anchor.
            models.Index(fields=["chain", "-seq"], name="anchor_chain_seq"),
        ]
        triggers = append_only()

    def __str__(self) -> str:
        return f"{self.chain}:{self.seq}"


class Finding(models.Model):
    """A red flag raised by a risk rule or by the chain verifier (ข้อสังเกตความเสี่ยง), with the
    evidence that raised it. Kept for ever: a rescan never duplicates or rewrites it."""

    class Severity(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")
        CRITICAL = "critical", _("Critical")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        REVIEWED = "reviewed", _("Reviewed")

    agency = models.ForeignKey(
        "approvals.Agency",
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    rule = models.CharField(_("rule"), max_length=50)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    summary = models.CharField(_("summary"), max_length=500)
    evidence = models.JSONField(_("evidence"), default=dict, encoder=DjangoJSONEncoder)
    action = models.ForeignKey(
        "approvals.Action",
        verbose_name=_("action"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # SHA-256 of the rule and the facts that identify what it found: the same thing found again
    # by a rescan has the same fingerprint and is not recorded twice.
    fingerprint = models.CharField(_("fingerprint"), max_length=64, unique=True)
    detected_at = models.DateTimeField(_("detected at"), default=timezone.now)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_note = models.TextField(_("review note"), blank=True)

    history = AuditedHistoricalRecords()

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["-detected_at", "-id"]
        indexes = [
            # The dashboard lists an agency's findings by status, newest first.
            models.Index(fields=["agency", "status", "-detected_at"], name="finding_agency_status"),
        ]

    def __str__(self) -> str:
        return f"{self.rule}: {self.summary[:80]}"


class Redaction(models.Model):
    """A lawful erasure of a person's personal data from the history (การลบข้อมูลส่วนบุคคลออกจากประวัติ): who
    did it, why, on which legal basis, and, for every history row it blanked, what the verifier needs to
    keep verifying that row (audit/personal.py). Append-only and historised: its own history row is sealed
    into the person's agency chain, and the verifier accepts a blanked personal column only when a sealed
    redaction names it."""

    class LegalBasis(models.TextChoices):
        # Translators: พ.ร.บ.คุ้มครองข้อมูลส่วนบุคคล พ.ศ. 2562 มาตรา 33 (สิทธิขอให้ลบข้อมูล)
        ERASURE_REQUEST = "pdpa_erasure", _("The data subject's request to erase (Personal Data Protection Act, s. 33)")
        # Translators: ระเบียบสำนักนายกรัฐมนตรีว่าด้วยงานสารบรรณ พ.ศ. 2526 (การทำลายหนังสือเมื่อครบอายุการเก็บ)
        RETENTION_ENDED = "retention_ended", _("The retention period ended and destruction was approved")
        OTHER_LAW = "other_law", _("Another law or a court order")

    agency = models.ForeignKey(
        "approvals.Agency", verbose_name=_("agency"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    legal_basis = models.CharField(_("legal basis"), max_length=20, choices=LegalBasis.choices)
    # The request's or the approval's document number (เลขที่หนังสือ), as the office filed it.
    reference = models.CharField(_("reference"), max_length=200)
    reason = models.TextField(_("reason"))
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("performed by"), on_delete=models.PROTECT, related_name="+"
    )
    performed_at = models.DateTimeField(_("performed at"), default=timezone.now)
    # [{"table", "history_id", "chain", "seq", "columns": {column: digest or null}, "rest"?, "seal"?}, ...]
    rows = models.JSONField(_("history rows blanked"), default=list)

    history = AuditedHistoricalRecords()

    class Meta:
        verbose_name = _("redaction")
        verbose_name_plural = _("redactions")
        ordering = ["-performed_at", "-id"]
        triggers = append_only()

    def __str__(self) -> str:
        return f"{self.get_legal_basis_display()}: {self.reference}"


# viewflow's own records: `app="audit"` puts their history models and migrations here, with agency and
# action columns so that workflow history joins its agency's chain and the action's timeline. Their capture
# triggers are declared on proxies of ours, because a trigger declared on viewflow's models would need a
# migration in viewflow's own app.
for _model, _links in ((Process, PROCESS_LINKS), (Task, TASK_LINKS)):
    register(
        _model,
        app="audit",
        records_class=AuditedHistoricalRecords,
        bases=[WorkflowHistoryLinks],
        links=_links,
        capture=False,
    )


class WorkflowProcessRecord(Process):
    """viewflow's process rows, seen by the audit trail: their capture trigger is declared here."""

    class Meta:
        proxy = True
        verbose_name = _("workflow process record")
        verbose_name_plural = _("workflow process records")
        triggers = [capture_trigger(Process, PROCESS_LINKS)]


class WorkflowTaskRecord(Task):
    """viewflow's task rows, seen by the audit trail: their capture trigger is declared here."""

    class Meta:
        proxy = True
        verbose_name = _("workflow task record")
        verbose_name_plural = _("workflow task records")
        triggers = [capture_trigger(Task, TASK_LINKS)]
