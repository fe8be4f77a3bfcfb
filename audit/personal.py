"""Personal data in a history that is append-only and sealed (ข้อมูลส่วนบุคคล; พ.ร.บ.คุ้มครองข้อมูลส่วนบุคคล
พ.ศ. 2562): how a person's data is erased on a lawful request, or when its retention period ends, without
breaking the verification of the hash chains. docs/operations.md explains it for operators.

What is personal: the fields a historised model declares with `AuditedHistoricalRecords(personal_fields=...)`
(an account's username, names and email; a LINE user id). Everything else in the history is the record of
official acts, kept for its retention period and not erased by this.

How new rows are sealed: a history table with personal columns has a seal layout that seals each of them as
"#" + SHA-256(salt || value), with a random salt per row kept in the row's `history_salt` column, which is not
sealed (audit/triggers.py, audit/seal/encoding.py). Until erasure the verifier recomputes the digests from
the values and the salt.

How a person is erased (`erase_personal_data`, as the tables' owner, in one transaction):
1. every history row of the person's records (their account, their notification preference) not yet
   redacted is checked against its seal; one that does not verify stops the erasure (the history must be
   investigated first, not papered over);
2. for each row a redaction entry is made: for a salted layout, each personal column's digest; for a row
   sealed before salted layouts existed (its seal covers the plain values), the row's seal and a SHA-256 of
   every other column (audit/seal/redactions.py says what the verifier then accepts);
3. the personal columns of those rows are blanked and their salt erased, with the append-only trigger of
   those history tables switched off for that statement only (only the owner may);
4. a `Redaction` record (who, why, the legal basis, the reference, the entries) is written: append-only,
   historised and so sealed into the person's agency chain;
5. the live records are anonymised through the ordinary path (their history rows name the redaction), so
   that each record still equals its last history row.
After it, `audit_verify` passes; a blanked row without its redaction, or any other change, still fails.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pgtrigger
from django.apps import apps
from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone

from approvals import permissions
from approvals.exceptions import InvalidTransition
from approvals.models import User
from audit import context, reasons, roles
from audit.models import Redaction
from audit.seal import redactions
from audit.seal.encoding import GENESIS, SALT_COLUMN, canonical, compute_seal, personal_digest, value_text
from audit.seal.tables import HistoryModel, fetch_rows
from audit.seal.verifier import _layouts as seal_layouts
from audit.triggers import APPEND_ONLY, SealHistoryRow


@dataclass(frozen=True)
class PersonalTable:
    """A history table with personal columns, and how its rows name their person."""

    history_model: HistoryModel
    columns: tuple[str, ...]
    person_column: str  # the history column holding the person's id ("id" of an account's own rows)
    append_only_trigger: str

    @property
    def table(self) -> str:
        return self.history_model._meta.db_table

    @property
    def model(self) -> type[models.Model]:
        return self.history_model.instance_type


def _is_user_model(model: type[models.Model]) -> bool:
    return model._meta.label_lower == settings.AUTH_USER_MODEL.lower()


def personal_tables() -> list[PersonalTable]:
    """Every history table whose seal layout declares personal columns."""
    registered = pgtrigger.registered()
    found = []
    for history_model, trigger in registered:
        if not isinstance(trigger, SealHistoryRow) or not trigger.personal:
            continue
        model = history_model.instance_type
        if _is_user_model(model):
            person_column = model._meta.pk.column
        else:
            links = [f for f in model._meta.concrete_fields if f.is_relation and _is_user_model(f.related_model)]
            if len(links) != 1:
                raise ValueError(f"{model._meta.label}: personal fields need exactly one link to the person")
            person_column = links[0].column
        append_only = next(t for m, t in registered if m is history_model and t.name == APPEND_ONLY)
        found.append(PersonalTable(history_model, trigger.personal, person_column, append_only.get_pgid(history_model)))
    return sorted(found, key=lambda table: table.table)


def _entries(personal: PersonalTable, person_id: int, already: set[tuple[str, int]]) -> list[dict]:
    """The redaction entries of one table's rows of the person, each row checked against its seal first."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT history_id FROM {quote(personal.table)} WHERE {quote(personal.person_column)} = %s "
            "ORDER BY history_id",
            [person_id],
        )
        ids = [history_id for (history_id,) in cursor.fetchall() if (personal.table, history_id) not in already]
        if not ids:
            return []
        cursor.execute(
            "SELECT s.history_id, s.chain, s.seq, s.layout_id, s.seal, p.seal FROM audit_seal s "
            "JOIN audit_seallayout l ON l.id = s.layout_id "
            "LEFT JOIN audit_seal p ON p.chain = s.chain AND p.seq = s.seq - 1 "
            "WHERE l.table_name = %s AND s.history_id = ANY(%s)",
            [personal.table, ids],
        )
        seals = {row[0]: row[1:] for row in cursor.fetchall()}
    layouts = {layout_id: columns for layout_id, (_table, columns) in seal_layouts(connection).items()}
    entries = []
    for history_id in ids:
        if history_id not in seals:
            raise InvalidTransition(
                f"แถวประวัติ {personal.table} #{history_id} ไม่มีตราประทับ: ตรวจสอบด้วย audit_verify ก่อนลบข้อมูล / "
                f"history row {personal.table} #{history_id} has no seal: investigate with audit_verify first."
            )
        chain, seq, layout_id, stored, previous = seals[history_id]
        columns = layouts[layout_id]
        row = fetch_rows(connection, personal.table, columns, [history_id])[history_id]
        previous = bytes(previous) if previous is not None else (GENESIS if seq == 1 else None)
        if previous is None or compute_seal(previous, chain, personal.table, seq, canonical(columns, row)) != bytes(
            stored
        ):
            raise InvalidTransition(
                f"แถวประวัติ {personal.table} #{history_id} ไม่ตรงกับตราประทับ: ตรวจสอบด้วย audit_verify ก่อนลบข้อมูล / "
                f"history row {personal.table} #{history_id} does not match its seal: investigate with "
                "audit_verify before erasing anything."
            )
        entry: dict = {"table": personal.table, "history_id": history_id, "chain": chain, "seq": seq}
        salted = {column.name: column for column in columns if column.personal}
        if salted:
            entry["columns"] = {
                name: None
                if (text := value_text(column, row.get(name))) is None
                else personal_digest(row.get(SALT_COLUMN), text)
                for name, column in salted.items()
            }
        else:
            blanked = {column.name: None for column in columns if column.name in personal.columns}
            entry.update(columns=blanked, rest=redactions.rest_digest(columns, row, blanked), seal=bytes(stored).hex())
        entries.append(entry)
    return entries


def _blank(personal: PersonalTable, history_ids: list[int]) -> None:
    """Blank the personal columns and the salt of these history rows, past the append-only trigger for this
    statement only (as the tables' owner, inside the caller's transaction)."""
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(column)} = ''" for column in personal.columns)
    with connection.cursor() as cursor:
        # Deferred foreign-key checks would otherwise block ALTER TABLE in this transaction.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"ALTER TABLE {quote(personal.table)} DISABLE TRIGGER {quote(personal.append_only_trigger)}")
        cursor.execute(
            f"UPDATE {quote(personal.table)} SET {assignments}, {quote(SALT_COLUMN)} = NULL WHERE history_id = ANY(%s)",
            [history_ids],
        )
        cursor.execute(f"ALTER TABLE {quote(personal.table)} ENABLE TRIGGER {quote(personal.append_only_trigger)}")


def _anonymise(personal: PersonalTable, person: User) -> None:
    """The live record keeps its id and its place in every relation, and loses what identified the person."""
    model = personal.model
    records: list[models.Model]
    if _is_user_model(model):
        records = [person]
    else:
        link = next(f for f in model._meta.concrete_fields if f.column == personal.person_column)
        records = list(model._base_manager.select_for_update().filter(**{link.attname: person.pk}))
    username_field = getattr(model, "USERNAME_FIELD", None)
    for record in records:
        fields = [f for f in model._meta.concrete_fields if f.column in personal.columns]
        for field in fields:
            # The username stays unique, and says what happened.
            setattr(record, field.attname, f"erased-{person.pk}" if field.name == username_field else "")
        if record is person:
            person.is_active = False
            person.set_unusable_password()
            fields += [f for f in model._meta.concrete_fields if f.name in ("is_active", "password")]
        record.save(update_fields=[f.name for f in fields])


def erase_personal_data(person: User, *, by: User, reason: str, legal_basis: str, reference: str) -> Redaction:
    """Erase `person`'s personal data from their records and from every history row, keeping every chain
    verifiable; returns the sealed record of the erasure. Runs as the tables' owner (DATABASE_OWNER_URL)."""
    permissions.require(by, permissions.ERASE_PERSONAL_DATA, person)
    reason, reference = (reason or "").strip(), (reference or "").strip()
    if not reason or not reference:
        raise InvalidTransition("ต้องระบุเหตุผลและเลขที่หนังสืออ้างอิง / a reason and the reference document are required.")
    if legal_basis not in Redaction.LegalBasis.values:
        raise InvalidTransition(f"ฐานทางกฎหมายไม่ถูกต้อง / unknown legal basis: {legal_basis}")
    with roles.as_owner(connection), transaction.atomic():
        person = User.objects.select_for_update().get(pk=person.pk)
        already = set(redactions.load(connection))
        tables = personal_tables()
        entries = {personal.table: _entries(personal, person.pk, already) for personal in tables}
        for personal in tables:
            if entries[personal.table]:
                _blank(personal, [entry["history_id"] for entry in entries[personal.table]])
        redaction = Redaction(
            agency_id=person.agency_id,
            person=person,
            legal_basis=legal_basis,
            reference=reference,
            reason=reason,
            performed_by=by,
            rows=[entry for personal in tables for entry in entries[personal.table]],
        )
        with context.acting(by=by, reason=reason):
            redaction.save()
        with context.acting(by=by, reason=reasons.code(reasons.PERSONAL_DATA_ERASED, redaction=redaction.pk)):
            for personal in tables:
                _anonymise(personal, person)
    return redaction


def retention_years() -> dict[str, int | None]:
    return dict(settings.RETENTION_YEARS)


def accounts_due(now: datetime.datetime | None = None) -> list[User]:
    """Accounts whose personal data is due for erasure at the end of their retention period: inactive, not
    yet erased, and unchanged for RETENTION_YEARS["approvals.User"] years."""
    years = retention_years().get(settings.AUTH_USER_MODEL)
    if not years:
        return []
    cutoff = (now or timezone.now()) - datetime.timedelta(days=round(365.25 * years))
    erased = Redaction.objects.values("person_id")
    history = User.history.model
    stale = history.objects.values("id").annotate(last=Max("history_date")).filter(last__lt=cutoff).values("id")
    return list(User.objects.filter(is_active=False, pk__in=stale).exclude(pk__in=erased).order_by("pk"))


def records_due(now: datetime.datetime | None = None) -> dict[str, int]:
    """How many records of each kind with a retention period have been unchanged for longer than it (the
    draft list for the destruction committee, ระเบียบงานสารบรรณ)."""
    now = now or timezone.now()
    due: dict[str, int] = {}
    for label, years in retention_years().items():
        if not years:
            continue
        model = apps.get_model(label)
        cutoff = now - datetime.timedelta(days=round(365.25 * years))
        history = model.history.model
        due[label] = history.objects.values("id").annotate(last=Max("history_date")).filter(last__lt=cutoff).count()
    return due
