"""The audit trail's triggers, declared on the models and installed by migrations (django-pgtrigger).

Four kinds, each a PL/pgSQL row or statement trigger generated from the models:

- `audit_capture` on every historised table: copies each inserted, updated or deleted row into its
  django-simple-history table, with the acting context (audit/context.py) the write was sent with, in the
  statement that made the change. An update that changes none of the columns the history keeps writes no
  row: that is how signing in (which moves only `last_login`) stays out of the history.
- `audit_seal` on every history table: seals each new history row into its agency's hash chain
  (audit/seal/encoding.py gives the same bytes in Python for the verifier).
- `audit_append_only` (UPDATE, DELETE) and `audit_no_truncate` (TRUNCATE) on every history table and
  on the ledger (seals, layouts, anchors): they refuse, for every role. Only a role that may disable
  triggers (the tables' owner, a superuser) gets past them, and the verifier names what it then changed.

Why django-pgtrigger: the triggers live in the models' state, so `makemigrations` writes a migration when
a model change needs a different trigger (and `makemigrations --check` fails in CI until it exists), and
`sqlmigrate` shows every trigger's SQL. The installation template is ours (`TriggerSql`) for one reason:
pgtrigger's own puts a check of a session setting (`pgtrigger.ignore`) in front of every trigger, which
any database role, the app's included, could set to skip the audit trail.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models.fields.related import RelatedField
from pgtrigger import compiler

from audit.seal.encoding import (
    BOOL,
    DATE,
    DATETIME,
    DECIMAL,
    FLOAT,
    HEAD_SETTING,
    INT,
    JSON,
    LOCK_NAMESPACE,
    SALT_COLUMN,
    TEXT,
    UUID,
    Column,
)

CONTEXT_SETTING = "khunatham.context"
CAPTURE, SEAL, APPEND_ONLY, NO_TRUNCATE = "audit_capture", "audit_seal", "audit_append_only", "audit_no_truncate"


class TriggerSql(compiler.UpsertTriggerSql):
    """The installation SQL of our triggers. Migrations name this class and rebuild the SQL from this
    template: never change the template (add a new class for a new one), or migrations that ran would no
    longer describe the database. `setup` is SQL run with the installation (a seal layout's row)."""

    def get_template(self) -> str:
        return """
            CREATE OR REPLACE FUNCTION {pgid}()
            RETURNS TRIGGER AS $$
                {declare}
                BEGIN
                    {func}
                END;
            $$ LANGUAGE plpgsql;
            {setup}
            DROP TRIGGER IF EXISTS {pgid} ON {table};
            CREATE {constraint} TRIGGER {pgid}
                {when} {operation} ON {table}
                {timing}
                {referencing}
                FOR EACH {level} {condition}
                EXECUTE PROCEDURE {execute};

            COMMENT ON TRIGGER {pgid} ON {table} IS '{hash}';
        """

    def __init__(self, *, setup: str = "", **kwargs: Any) -> None:
        self.setup = setup
        super().__init__(**kwargs)

    def get_defaults(self, pgid: str) -> dict[str, str]:
        return {**super().get_defaults(pgid), "setup": self.setup}

    def deconstruct(self) -> tuple[str, Any, dict[str, Any]]:
        path, args, kwargs = super().deconstruct()
        if self.setup:
            kwargs["setup"] = self.setup
        return path, args, kwargs


class AuditTrigger(pgtrigger.Trigger):
    """A trigger compiled with `TriggerSql`."""

    def get_setup(self, model: type[models.Model]) -> str:
        return ""

    def compile(self, model: type[models.Model]) -> compiler.Trigger:
        return compiler.Trigger(
            name=self.name,
            sql=TriggerSql(
                pgid=self.get_pgid(model),
                declare=self.render_declare(model),
                func=self.render_func(model),
                table=model._meta.db_table,
                when=self.when,
                operation=self.operation,
                level=self.level,
                condition=self.render_condition(model),
                execute=self.render_execute(model),
                setup=self.get_setup(model),
            ),
        )


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


_REFUSE = (
    "RAISE EXCEPTION 'ประวัติการแก้ไขแก้หรือลบไม่ได้ (% บน %) / history is append-only: % refused on %', "
    "TG_OP, TG_TABLE_NAME, TG_OP, TG_TABLE_NAME USING ERRCODE = '42501';"
)


class AppendOnly(AuditTrigger):
    """Refuses UPDATE and DELETE of a history or ledger row."""

    name = APPEND_ONLY
    when = pgtrigger.Before
    operation = pgtrigger.Update | pgtrigger.Delete
    func = _REFUSE


class NoTruncate(AuditTrigger):
    """Refuses TRUNCATE of a history or ledger table."""

    name = NO_TRUNCATE
    level = pgtrigger.Statement
    when = pgtrigger.Before
    operation = pgtrigger.Truncate
    func = _REFUSE


def append_only() -> list[AuditTrigger]:
    return [AppendOnly(), NoTruncate()]


# ---------------------------------------------------------------------------------------------------------------
# Capture: a change becomes a history row


@dataclass(frozen=True)
class Links:
    """How the history of a model without its own agency column finds its agency and action: SQL run in the
    capture function (`prelude`, using the declared variables) and the value of each extra history column,
    in terms of `r`, the row that changed."""

    declare: tuple[tuple[str, str], ...] = ()
    prelude: str = ""
    values: dict[str, str] = field(default_factory=dict)


# The columns simple-history gives every history table, and those the acting context fills.
HISTORY_MARKER_COLUMNS = {"history_id", "history_date", "history_type", "history_change_reason"}
CONTEXT_COLUMNS = {
    "history_user_id": "CASE WHEN ctx->>'u' = 'self' THEN {self_id} ELSE (ctx->>'u')::bigint END",
    "history_change_reason": "ctx->>'t'",
    "history_reason_code": "ctx->>'c'",
    "history_reason_params": "ctx->'p'",
    "history_on_behalf_of_id": "(ctx->>'o')::bigint",
    "history_source": "ctx->'s'",
}


@dataclass(frozen=True)
class Captured:
    """A historised model's table and the simple-history table its rows are copied into."""

    model: type[models.Model]
    history_model: type[models.Model]
    links: Links = Links()

    @property
    def table(self) -> str:
        return self.model._meta.db_table

    @property
    def history_table(self) -> str:
        return self.history_model._meta.db_table

    def _columns(self) -> tuple[set[str], set[str]]:
        own = {f.column for f in self.model._meta.concrete_fields if f.column is not None}
        history = {f.column for f in self.history_model._meta.concrete_fields if f.column is not None}
        # The salt of personal columns is the history table's own, filled by its column default.
        return own, history - HISTORY_MARKER_COLUMNS - set(CONTEXT_COLUMNS) - {SALT_COLUMN}

    @property
    def copied(self) -> list[str]:
        """The columns a history row copies from the record (all but those simple-history leaves out)."""
        own, history = self._columns()
        return sorted(history & own)

    @property
    def extras(self) -> list[str]:
        """The history's own columns beyond the record's (a workflow row's agency and action)."""
        own, history = self._columns()
        return sorted(history - own)


class CaptureHistory(AuditTrigger):
    """Writes the history row of every insert, update and delete of a historised table.

    Compiled from the model it is given (the project's, or a migration state's, so that the autodetector sees
    a field added to the model as a new version of the trigger), and from that model's history model, which
    it finds by label in the same registry of models.
    """

    name = CAPTURE
    when = pgtrigger.After
    operation = pgtrigger.Insert | pgtrigger.Update | pgtrigger.Delete

    def __init__(self, history_label: tuple[str, str | None], links: Links | None = None) -> None:
        self.history_label = history_label
        self.links = links or Links()
        super().__init__()

    def captured(self, model: type[models.Model]) -> Captured:
        return Captured(
            model=model._meta.concrete_model or model,  # None only for an abstract model
            history_model=model._meta.apps.get_model(*self.history_label),
            links=self.links,
        )

    def get_declare(self, model: type[models.Model]) -> list[tuple[str, str]]:
        captured = self.captured(model)
        return [
            ("ctx", "jsonb"),
            ("r", f"{_quoted(captured.table)}%ROWTYPE"),
            ("kind", "varchar(1)"),
            *captured.links.declare,
        ]

    def get_func(self, model: type[models.Model]) -> str:
        captured = self.captured(model)
        copied, extras = captured.copied, captured.extras
        missing = set(extras) - set(captured.links.values)
        if missing:
            raise ValueError(f"{captured.history_table}: no capture SQL for the columns {sorted(missing)}")
        # `self`: the account is its own author (signing in rehashes its password; a new account creates itself).
        is_user_table = captured.model._meta.label_lower == settings.AUTH_USER_MODEL.lower()
        self_id = 'r."id"::bigint' if is_user_table else "NULL"
        names = [*copied, "history_date", "history_type", *CONTEXT_COLUMNS, *extras]
        values = [
            *(f"r.{_quoted(name)}" for name in copied),
            "clock_timestamp()",
            "kind",
            *(sql.format(self_id=self_id) for sql in CONTEXT_COLUMNS.values()),
            *(captured.links.values[name] for name in extras),
        ]
        unchanged = " AND ".join(f"OLD.{_quoted(c)} IS NOT DISTINCT FROM NEW.{_quoted(c)}" for c in copied)
        return f"""
                    ctx := nullif(current_setting({_literal(CONTEXT_SETTING)}, true), '')::jsonb;
                    IF TG_OP = 'DELETE' THEN
                        r := OLD; kind := '-';
                    ELSIF TG_OP = 'INSERT' THEN
                        r := NEW; kind := '+';
                    ELSE
                        IF {unchanged} THEN
                            RETURN NULL;
                        END IF;
                        r := NEW; kind := '~';
                    END IF;
                    {captured.links.prelude}
                    INSERT INTO {_quoted(captured.history_table)} ({", ".join(_quoted(n) for n in names)})
                    VALUES ({", ".join(values)});
                    RETURN NULL;"""


# ---------------------------------------------------------------------------------------------------------------
# Seal: a history row joins its agency's hash chain


@dataclass(frozen=True)
class SealLinks:
    """How a history table's rows name their chain, record, action and division."""

    chain: str | None  # column holding the chain (the agency), None for the global chain
    object: str | None
    action: str | None
    division: str | None
    via_submission: bool  # action and division come from the submission the row belongs to


def seal_links(history_model: type[models.Model], label: str) -> SealLinks:
    """`label`: the historised model's ("approvals.Agency"), whose rows the history table keeps."""
    names = {f.column for f in history_model._meta.concrete_fields}
    chain = "id" if label == "approvals.Agency" else ("agency_id" if "agency_id" in names else None)
    via_submission = "submission_id" in names and "action_id" not in names
    action = "id" if label == "approvals.Action" else ("action_id" if "action_id" in names else None)
    division = "id" if label == "approvals.Division" else ("division_id" if "division_id" in names else None)
    return SealLinks(
        chain=chain,
        object="id" if "id" in names else None,
        action=action,
        division=division,
        via_submission=via_submission,
    )


_INTEGER_TYPES = {
    "AutoField",
    "BigAutoField",
    "SmallAutoField",
    "IntegerField",
    "BigIntegerField",
    "SmallIntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "PositiveBigIntegerField",
}


def _field_column(model_field: models.Field, personal: bool = False) -> Column:
    target = model_field.target_field if isinstance(model_field, RelatedField) else model_field
    internal = target.get_internal_type()
    column = model_field.column
    assert column is not None  # every concrete field has its column
    if internal in _INTEGER_TYPES:
        return Column(column, INT, personal=personal)
    kinds = {
        "BooleanField": BOOL,
        "DateTimeField": DATETIME,
        "DateField": DATE,
        "JSONField": JSON,
        "UUIDField": UUID,
        "FloatField": FLOAT,
    }
    if isinstance(target, models.DecimalField):
        return Column(column, DECIMAL, target.decimal_places, personal=personal)
    return Column(column, kinds.get(internal, TEXT), personal=personal)


def columns_of(history_model: type[models.Model], personal: tuple[str, ...] = ()) -> list[Column]:
    """The columns a seal covers, sorted by name, with the kind that fixes each one's text; those named in
    `personal` are sealed through a salted digest (audit/personal.py), and the salt itself is not sealed."""
    fields = [f for f in history_model._meta.concrete_fields if f.column != SALT_COLUMN]
    return sorted((_field_column(f, f.column in personal) for f in fields), key=lambda c: c.name)


def layout_signature(table: str, columns: list[Column]) -> str:
    # "declared" tells these layouts from those the run-time installer wrote before (their ids were serial).
    payload = json.dumps(["declared", table, [c.as_list() for c in columns]], separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def layout_id(signature: str) -> int:
    """A layout's id, fixed by its signature, so that the seal function can name it in its own text."""
    return int(signature[:15], 16)


def _sql_text(column: Column, row: str = "NEW") -> str:
    """A column's canonical text in SQL, as encoding.sealed_text writes it, read from `row` (the trigger's NEW, or
    a history table's alias for the verifier)."""
    ref = f"{row}.{_quoted(column.name)}"
    if column.kind == DATETIME:
        text = f"to_char({ref} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US')"
    elif column.kind == DATE:
        text = f"to_char({ref}, 'YYYY-MM-DD')"
    else:
        text = f"({ref})::text"
    if column.personal:
        # NULL stays NULL; a value becomes "#" + SHA-256(salt || its text), as encoding.canonical writes it.
        salt = f"coalesce(uuid_send({row}.{_quoted(SALT_COLUMN)}), ''::bytea)"
        return f"('#' || encode(sha256({salt} || convert_to({text}, 'UTF8')), 'hex'))"
    return text


def canonical_sql(columns: list[Column], row: str = "NEW", texts: dict[str, str] | None = None) -> str:
    """The SQL of a row's canonical text (encoding.canonical): the seal trigger's over NEW, and the verifier's over
    a history table's rows (audit/seal/verifier.py), so that both recompute a seal the same way. `texts`: SQL
    already holding some columns' text (the trigger's variables for personal columns' digests)."""
    pieces = []
    for column in columns:
        text = (texts or {}).get(column.name) or _sql_text(column, row)
        pieces.append(f"{_literal(column.name + '=')} || coalesce(length({text})::text || ':' || {text}, '~') || ';'")
    return " || ".join(pieces) or "''"


class SealHistoryRow(AuditTrigger):
    """Seals each new history row into its chain, in the INSERT's own statement.

    seal(n) = SHA-256(seal(n-1) || UTF-8("<chain>|<table>|<n>|<canonical row>")), as audit/seal/encoding.py.
    The first row a transaction seals on a chain takes the chain's lock and reads its head from audit_seal;
    the head it writes is kept in a transaction-local setting, which later rows of the same transaction read
    instead: while the lock is held nobody else appends, and a savepoint rolled back undoes the setting, the
    lock taken inside it and the seal rows together.
    """

    name = SEAL
    when = pgtrigger.After
    operation = pgtrigger.Insert

    def __init__(self, tracked_label: str, personal: tuple[str, ...] = ()) -> None:
        # The historised model's label ("approvals.Agency"): the agency's own rows are its chain.
        self.tracked_label = tracked_label
        # Columns holding personal data, sealed through a salted digest so that they can be erased.
        self.personal = tuple(sorted(personal))
        super().__init__()

    def _layout(self, history_model: type[models.Model]) -> tuple[str, list[Column], str]:
        table = history_model._meta.db_table
        columns = columns_of(history_model, self.personal)
        return table, columns, layout_signature(table, columns)

    def get_setup(self, model: type[models.Model]) -> str:
        table, columns, signature = self._layout(model)
        return (
            "INSERT INTO audit_seallayout (id, table_name, columns, signature, created_at) VALUES ("
            f"{layout_id(signature)}, {_literal(table)}, {_literal(json.dumps([c.as_list() for c in columns]))}, "
            f"{_literal(signature)}, now()) ON CONFLICT DO NOTHING;"
        )

    def get_declare(self, model: type[models.Model]) -> list[tuple[str, str]]:
        return [
            ("c", "bigint"),
            ("a", "bigint"),
            ("d", "bigint"),
            ("head", "text"),
            ("hseq", "bigint"),
            ("hseal", "bytea"),
            ("s", "bytea"),
            # One variable per personal column: its salted digest is computed once, not for its length too.
            *((f"p{number}", "text") for number, _column in self._personal_columns(model)),
        ]

    def _personal_columns(self, model: type[models.Model]) -> list[tuple[int, Column]]:
        _table, columns, _signature = self._layout(model)
        return list(enumerate(column for column in columns if column.personal))

    def get_func(self, model: type[models.Model]) -> str:
        table, columns, signature = self._layout(model)
        links = seal_links(model, self.tracked_label)
        chain = f"coalesce(NEW.{_quoted(links.chain)}, 0)" if links.chain else "0"
        digests = {column.name: f"p{number}" for number, column in self._personal_columns(model)}
        canonical = canonical_sql(columns, texts=digests)
        if links.via_submission:
            submission_table = _quoted(model._meta.apps.get_model("approvals", "Submission")._meta.db_table)
            prelude = f"SELECT action_id, division_id INTO a, d FROM {submission_table} WHERE id = NEW.submission_id;"
        else:
            action = f"NEW.{_quoted(links.action)}" if links.action else "NULL"
            division = f"NEW.{_quoted(links.division)}" if links.division else "NULL"
            prelude = f"a := {action}; d := {division};"
        for number, column in self._personal_columns(model):
            prelude += f" p{number} := {_sql_text(column)};"
        obj = f"NEW.{_quoted(links.object)}" if links.object else "NULL"
        names = {c.name for c in columns}
        user = "NEW.history_user_id" if "history_user_id" in names else "NULL"
        genesis = "'\\x" + "00" * 32 + "'::bytea"
        return f"""
                    c := {chain};
                    {prelude}
                    head := current_setting({_literal(HEAD_SETTING)} || c, true);
                    IF coalesce(head, '') = '' THEN
                        PERFORM pg_advisory_xact_lock({LOCK_NAMESPACE}, (c % 2147483647)::int);
                        SELECT h.seq, h.seal INTO hseq, hseal FROM audit_seal h WHERE h.chain = c
                            ORDER BY h.seq DESC LIMIT 1;
                    ELSE
                        hseq := split_part(head, ':', 1)::bigint;
                        hseal := decode(split_part(head, ':', 2), 'hex');
                    END IF;
                    hseq := coalesce(hseq, 0) + 1;
                    s := sha256(coalesce(hseal, {genesis}) || convert_to(
                        c::text || {_literal("|" + table + "|")} || hseq::text || '|' || {canonical}, 'UTF8'));
                    INSERT INTO audit_seal (chain, seq, layout_id, history_id, object_id, history_type,
                                            history_user_id, action_id, division_id, sealed_at, seal)
                    VALUES (c, hseq, {layout_id(signature)}, NEW.history_id, {obj}, NEW.history_type, {user}, a, d,
                            clock_timestamp(), s);
                    PERFORM set_config({_literal(HEAD_SETTING)} || c, hseq::text || ':' || encode(s, 'hex'), true);
                    RETURN NULL;"""
