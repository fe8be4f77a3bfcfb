"""History models: django-simple-history's, with the acting context's columns and the audit triggers.

simple-history gives every historised model its history model, manager and the pages that read them. Its
Python writer is switched off (`SIMPLE_HISTORY_ENABLED = False`): the database writes every history row
itself, in the statement that made the change (audit/triggers.py), so that no path of the app, and no
path around it, changes a record without a history row.

- `AuditedHistoricalRecords` is the `history = ...` of every historised model: it adds the columns the
  acting context fills (`HistoryContext`) and declares the model's capture trigger and its history
  table's seal and append-only triggers, which migrations then install.
- viewflow's `Process` and `Task` are historised in the audit app (audit/models.py), with
  `WorkflowHistoryLinks`: their history rows carry the agency and action the process works on, so that
  workflow history joins its agency's hash chain and the action's timeline.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.contrib.postgres.functions import RandomUUID
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from audit import reasons
from audit.triggers import CaptureHistory, Links, SealHistoryRow, append_only


class HistoryContext(models.Model):
    """What every history row records besides the row: the acting context it was written in.

    `history_user` (who) and `history_change_reason` (the words a person typed) are simple-history's own;
    a reason the system writes is a code with parameters instead (audit/reasons.py shows it in words).
    """

    # NULL, not "": the row's reason is the typed text instead (the capture trigger writes what it was sent).
    history_reason_code = models.CharField(_("reason code"), max_length=80, null=True, blank=True)  # noqa: DJ001
    history_reason_params = models.JSONField(_("reason details"), null=True, blank=True)
    history_on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("on behalf of"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    # {"kind": "request" | "job" | "command" | "migration", "name": ..., "id": ..., "method": ..., "view": ...}
    history_source = models.JSONField(_("made through"), null=True, blank=True)
    # simple-history's own column on the history models made with this base.
    history_change_reason: str | None

    class Meta:
        abstract = True

    @property
    def history_reason(self) -> str:
        """The code of the reason the system wrote, or the words a person typed."""
        return self.history_reason_code or self.history_change_reason or ""

    def get_history_reason_display(self) -> str:
        """The reason in words, in the reader's language (audit/reasons.py)."""
        return reasons.describe(self.history_reason_code, self.history_reason_params, self.history_change_reason)


class PersonalDataSalt(models.Model):
    """The random salt of a history row whose personal columns are sealed through a salted digest
    (audit/personal.py): set by the column's default when the capture trigger inserts the row, erased with
    the personal values by a redaction, never sealed itself."""

    history_salt = models.UUIDField(_("salt"), null=True, blank=True, editable=False, db_default=RandomUUID())

    class Meta:
        abstract = True


class AuditedHistoricalRecords(HistoricalRecords):
    """`HistoricalRecords` whose rows the database writes and seals.

    `links` says how the history row finds its agency and action when the model has no such columns
    (viewflow's records). `capture=False` leaves the capture trigger to be declared elsewhere: on a proxy
    in our own app for a model of another app, so that its migration is ours (audit/models.py).
    `personal_fields` names the fields that hold a person's personal data (ข้อมูลส่วนบุคคล): their history is
    sealed through a salted digest, so that a lawful erasure can blank them without breaking the chain
    (audit/personal.py).
    """

    def __init__(
        self,
        *args: Any,
        bases: Sequence[type] = (),
        links: Links | None = None,
        capture: bool = True,
        personal_fields: Sequence[str] = (),
        **kwargs,
    ):
        self.personal_fields = tuple(personal_fields)
        salt = [PersonalDataSalt] if self.personal_fields else []
        super().__init__(*args, bases=[HistoryContext, *salt, *bases], **kwargs)
        self.links = links or Links()
        self.capture = capture
        self.history_model: type[models.Model] | None = None

    def get_meta_options(self, model: type[models.Model]) -> dict[str, Any]:
        options = super().get_meta_options(model)
        # A record's history in order, and each row against the one before it (pages, the verifier's check
        # of every record against its last history row): seek (id, history_id), not every version of it.
        options["indexes"] = (*options.get("indexes", ()), models.Index(fields=(model._meta.pk.attname, "history_id")))
        return options

    def create_history_model(self, model: type[models.Model], inherited: bool) -> type[models.Model]:
        self.history_model = super().create_history_model(model, inherited)
        return self.history_model

    def finalize(self, sender: type[models.Model], **kwargs: Any) -> None:
        super().finalize(sender, **kwargs)
        if sender is not self.cls or self.history_model is None:
            return
        history_model = self.history_model
        if self.capture:
            capture_trigger(sender, self.links, history_model).register(sender)
        personal = tuple(sender._meta.get_field(name).column for name in self.personal_fields)
        SealHistoryRow(sender._meta.label, personal=personal).register(history_model)
        for trigger in append_only():
            trigger.register(history_model)


def capture_trigger(
    model: type[models.Model], links: Links | None = None, history_model: type[models.Model] | None = None
) -> CaptureHistory:
    """The capture trigger of a historised model, writing into its history model."""
    # A historised model's simple-history manager; Model declares none.
    history_model = history_model or model.history.model  # type: ignore[attr-defined]
    return CaptureHistory((history_model._meta.app_label, history_model._meta.model_name), links)


class WorkflowHistoryLinks(models.Model):
    """Extra columns of viewflow's history rows: the agency and action the process works on."""

    # Indexed for one agency's verification (audit/seal/verifier.py), which reads that agency's rows only.
    agency_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    action_id = models.BigIntegerField(null=True, blank=True, db_index=True)

    class Meta:
        abstract = True


# A process names its agency and action in its data (workflows.models.ActionProcess.save), or names its
# action in its data or as its artifact; its tasks read the same from their process. The capture function
# looks the action's agency up only when the data does not carry it.
_LINKS_FROM_PROCESS = """
    link_action := coalesce(
        (p.data->>'action_id')::bigint,
        CASE WHEN p.artifact_content_type_id = (
            SELECT ct.id FROM django_content_type ct WHERE ct.app_label = 'approvals' AND ct.model = 'action'
        ) THEN p.artifact_object_id END
    );
    link_agency := (p.data->>'agency_id')::bigint;
    IF link_agency IS NULL AND link_action IS NOT NULL THEN
        SELECT x.agency_id INTO link_agency FROM approvals_action x WHERE x.id = link_action;
    END IF;"""
_LINK_VALUES = {"agency_id": "link_agency", "action_id": "link_action"}
PROCESS_LINKS = Links(
    declare=(("p", "viewflow_process%ROWTYPE"), ("link_action", "bigint"), ("link_agency", "bigint")),
    prelude="p := r;" + _LINKS_FROM_PROCESS,
    values=_LINK_VALUES,
)
TASK_LINKS = Links(
    declare=(("p", "viewflow_process%ROWTYPE"), ("link_action", "bigint"), ("link_agency", "bigint")),
    prelude="SELECT * INTO p FROM viewflow_process WHERE id = r.process_id;" + _LINKS_FROM_PROCESS,
    values=_LINK_VALUES,
)
