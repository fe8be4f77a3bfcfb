"""Proof that history was not altered: a SHA-256 hash chain over every history row, per agency.

Every history row (django-simple-history) gets one `Seal`:

    seal(n) = SHA-256( seal(n-1) || UTF-8("<chain>|<table>|<n>|<canonical row>") )

with seal(0) = 32 zero bytes. The chain is the row's agency (`agency_id`; an agency's own rows use
its id), or 0, the global chain, for rows without one (fiscal years, platform accounts).

The canonical serialisation lists the table's columns sorted by name as `name=<len>:<text>;`, or
`name=~;` for NULL, where <text> is fixed per kind of column (see `value_text`), so that PostgreSQL
and Python write the same bytes:
- on PostgreSQL a trigger on each history table computes the seal in the INSERT's own round trip,
  under a per-chain advisory lock held to the end of the transaction, so that concurrent writers
  never fork a chain;
- elsewhere (SQLite, the embedded default) `seal_in_python` does the same after each history row.

History, seal, layout and anchor tables are append-only on PostgreSQL: a trigger refuses UPDATE
and DELETE, also for the app's own database user. `install` (run by migration and after every
`migrate`) puts both triggers on every simple-history table, including tables added later.

`verify` recomputes every seal in Python and names each row changed, deleted or inserted without a
seal; daily anchors of each chain head catch a cut-off tail.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

GLOBAL_CHAIN = 0
GENESIS = bytes(32)
# First key of pg_advisory_xact_lock(int, int); the second is the chain.
LOCK_NAMESPACE = 0x4155
SEAL_TRIGGER = "audit_seal"
APPEND_ONLY_TRIGGER = "audit_append_only"
# Our own tables that are append-only besides the history tables.
LEDGER_TABLES = ("audit_seal", "audit_seallayout", "audit_anchor")
HISTORY_MARKER_COLUMNS = {"history_id", "history_date", "history_type", "history_change_reason"}

INT, TEXT, BOOL, DECIMAL, DATETIME, DATE, JSON, UUID, FLOAT = (
    "int",
    "text",
    "bool",
    "decimal",
    "datetime",
    "date",
    "json",
    "uuid",
    "float",
)
KINDS = (INT, TEXT, BOOL, DECIMAL, DATETIME, DATE, JSON, UUID, FLOAT)


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    scale: int = 0

    def as_list(self) -> list:
        return [self.name, self.kind, self.scale]


# ---------------------------------------------------------------------------------------------
# Canonical serialisation


class JsonText(str):
    """A JSON value exactly as PostgreSQL's jsonb prints it (already canonical)."""


def _jsonb_string(text: str) -> str:
    out = ['"']
    for char in text:
        code = ord(char)
        if char == '"':
            out.append('\\"')
        elif char == "\\":
            out.append("\\\\")
        elif char == "\b":
            out.append("\\b")
        elif char == "\f":
            out.append("\\f")
        elif char == "\n":
            out.append("\\n")
        elif char == "\r":
            out.append("\\r")
        elif char == "\t":
            out.append("\\t")
        elif code < 0x20:
            out.append(f"\\u{code:04x}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def jsonb_text(value: Any) -> str:
    """The text PostgreSQL prints for `value` stored as jsonb: object keys ordered by length, then
    bytes; `, ` and `: ` separators; numbers as numeric prints them."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float | Decimal):
        number = Decimal(repr(value)) if isinstance(value, float) else value
        text = format(number, "f")
        return "0" if text in {"-0", "0"} else text
    if isinstance(value, str):
        return _jsonb_string(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(jsonb_text(item) for item in value) + "]"
    if isinstance(value, dict):
        keys = sorted((str(key) for key in value), key=lambda key: (len(key.encode()), key.encode()))
        items = {str(key): item for key, item in value.items()}
        return "{" + ", ".join(f"{_jsonb_string(key)}: {jsonb_text(items[key])}" for key in keys) + "}"
    raise TypeError(f"cannot seal a JSON value of type {type(value).__name__}")


def _as_utc_datetime(value: Any) -> datetime.datetime:
    if isinstance(value, str):  # SQLite keeps aware datetimes as naive UTC text
        value = datetime.datetime.fromisoformat(value)
    if timezone.is_naive(value):
        value = value.replace(tzinfo=datetime.UTC)
    return value.astimezone(datetime.UTC)


def value_text(column: Column, value: Any) -> str | None:
    """The canonical text of one column value, as read from PostgreSQL (psycopg) or SQLite."""
    if value is None:
        return None
    kind = column.kind
    if kind == INT:
        return str(int(value))
    if kind == BOOL:
        return "true" if value else "false"
    if kind == DECIMAL:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
        number = number.quantize(Decimal(1).scaleb(-column.scale))
        if number == 0:
            number = abs(number)
        return format(number, "f")
    if kind == DATETIME:
        return _as_utc_datetime(value).strftime("%Y-%m-%dT%H:%M:%S.%f")
    if kind == DATE:
        return value if isinstance(value, str) else value.isoformat()
    if kind == JSON:
        if isinstance(value, JsonText):
            return str(value)
        if isinstance(value, str):  # SQLite keeps JSON as the text json.dumps wrote
            value = json.loads(value)
        return jsonb_text(value)
    if kind == UUID:
        return str(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)))
    if kind == FLOAT:
        return repr(float(value))
    return str(value)


def canonical(columns: Iterable[Column], row: dict[str, Any]) -> str:
    parts = []
    for column in columns:
        text = value_text(column, row.get(column.name))
        parts.append(f"{column.name}=~;" if text is None else f"{column.name}={len(text)}:{text};")
    return "".join(parts)


def compute_seal(previous: bytes, chain: int, table: str, seq: int, canonical_row: str) -> bytes:
    message = f"{chain}|{table}|{seq}|{canonical_row}".encode()
    return hashlib.sha256(bytes(previous) + message).digest()


# ---------------------------------------------------------------------------------------------
# History tables, their columns and what links a row to its chain, action and division


def history_models() -> dict[str, type]:
    """Every simple-history model of the project, by table name."""
    from django.apps import apps
    from simple_history.models import HistoricalChanges

    return {
        model._meta.db_table: model
        for model in apps.get_models()
        if issubclass(model, HistoricalChanges) and not model._meta.proxy
    }


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


def _field_column(model_field) -> Column:
    target = model_field.target_field if model_field.is_relation else model_field
    internal = target.get_internal_type()
    if internal in _INTEGER_TYPES:
        return Column(model_field.column, INT)
    if internal == "BooleanField":
        return Column(model_field.column, BOOL)
    if internal == "DecimalField":
        return Column(model_field.column, DECIMAL, target.decimal_places)
    if internal == "DateTimeField":
        return Column(model_field.column, DATETIME)
    if internal == "DateField":
        return Column(model_field.column, DATE)
    if internal == "JSONField":
        return Column(model_field.column, JSON)
    if internal == "UUIDField":
        return Column(model_field.column, UUID)
    if internal == "FloatField":
        return Column(model_field.column, FLOAT)
    return Column(model_field.column, TEXT)


def columns_from_model(model) -> list[Column]:
    return sorted((_field_column(f) for f in model._meta.concrete_fields), key=lambda c: c.name)


_PG_KINDS = {
    "smallint": INT,
    "integer": INT,
    "bigint": INT,
    "boolean": BOOL,
    "numeric": DECIMAL,
    "timestamp with time zone": DATETIME,
    "date": DATE,
    "jsonb": JSON,
    "json": JSON,
    "uuid": UUID,
    "double precision": FLOAT,
    "real": FLOAT,
}


def columns_from_catalog(connection: BaseDatabaseWrapper) -> dict[str, list[Column]]:
    """The columns of every history table in the database (PostgreSQL)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.table_name, c.column_name, c.data_type, coalesce(c.numeric_scale, 0)
            FROM information_schema.columns c
            JOIN information_schema.tables t
              ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
            WHERE c.table_schema = current_schema()
            ORDER BY c.table_name, c.column_name
            """
        )
        tables: dict[str, list[Column]] = defaultdict(list)
        for table, name, data_type, scale in cursor.fetchall():
            kind = _PG_KINDS.get(data_type, TEXT)
            tables[table].append(Column(name, kind, int(scale) if kind == DECIMAL else 0))
    return {
        table: sorted(columns, key=lambda c: c.name)
        for table, columns in tables.items()
        if HISTORY_MARKER_COLUMNS <= {c.name for c in columns}
    }


@dataclass(frozen=True)
class Links:
    """How a history table's rows name their chain, record, action and division."""

    chain: str | None  # column holding the chain, None for the global chain
    object: str | None
    action: str | None
    division: str | None
    via_submission: bool  # action and division come from the submission the row belongs to


def _instance_table(name: str) -> str:
    from django.apps import apps

    return apps.get_model(name)._meta.db_table


def _history_table_of(name: str) -> str:
    from django.apps import apps

    return apps.get_model(name).history.model._meta.db_table


def links_for(table: str, column_names: set[str]) -> Links:
    agency_table = _history_table_of("approvals.Agency")
    action_table = _history_table_of("approvals.Action")
    division_table = _history_table_of("approvals.Division")
    chain = "id" if table == agency_table else ("agency_id" if "agency_id" in column_names else None)
    obj = "id" if "id" in column_names else None
    via_submission = "submission_id" in column_names and "action_id" not in column_names
    action = "id" if table == action_table else ("action_id" if "action_id" in column_names else None)
    division = "id" if table == division_table else ("division_id" if "division_id" in column_names else None)
    return Links(chain=chain, object=obj, action=action, division=division, via_submission=via_submission)


def layout_signature(table: str, columns: list[Column]) -> str:
    payload = json.dumps([table, [c.as_list() for c in columns]], separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def _layout_id(connection: BaseDatabaseWrapper, table: str, columns: list[Column]) -> int:
    signature = layout_signature(table, columns)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM audit_seallayout WHERE signature = %s", [signature])
        row = cursor.fetchone()
        if row:
            return row[0]
        cursor.execute(
            "INSERT INTO audit_seallayout (table_name, columns, signature, created_at) VALUES (%s, %s, %s, %s)",
            [table, json.dumps([c.as_list() for c in columns]), signature, timezone.now()],
        )
        cursor.execute("SELECT id FROM audit_seallayout WHERE signature = %s", [signature])
        return cursor.fetchone()[0]


# ---------------------------------------------------------------------------------------------
# Reading history rows, the same way for sealing in Python and for verifying


def _quote(connection: BaseDatabaseWrapper, name: str) -> str:
    return connection.ops.quote_name(name)


def fetch_rows(
    connection: BaseDatabaseWrapper, table: str, columns: list[Column], history_ids: Iterable[int]
) -> dict[int, dict[str, Any]]:
    """History rows by history_id, with the values `canonical` expects."""
    ids = list(history_ids)
    result: dict[int, dict[str, Any]] = {}
    postgres = connection.vendor == "postgresql"
    selected = []
    for column in columns:
        quoted = _quote(connection, column.name)
        selected.append(f"{quoted}::text" if postgres and column.kind == JSON else quoted)
    names = [c.name for c in columns]
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            cursor.execute(
                f"SELECT {_quote(connection, 'history_id')}, {', '.join(selected)} FROM {_quote(connection, table)} "
                f"WHERE {_quote(connection, 'history_id')} IN ({', '.join(['%s'] * len(chunk))})",
                chunk,
            )
            for history_id, *values in cursor.fetchall():
                row = dict(zip(names, values, strict=True))
                if postgres:
                    for column in columns:
                        if column.kind == JSON and row[column.name] is not None:
                            row[column.name] = JsonText(row[column.name])
                result[history_id] = row
    return result


def _chain_of(links: Links, row: dict[str, Any]) -> int:
    value = row.get(links.chain) if links.chain else None
    return int(value) if value is not None else GLOBAL_CHAIN


def _submission_links(connection: BaseDatabaseWrapper, submission_id: Any) -> tuple[Any, Any]:
    if submission_id is None:
        return None, None
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT action_id, division_id FROM {_quote(connection, _instance_table('approvals.Submission'))} "
            "WHERE id = %s",
            [submission_id],
        )
        row = cursor.fetchone()
    return row if row else (None, None)


# ---------------------------------------------------------------------------------------------
# Sealing in Python (SQLite and other databases without our trigger)

_layout_cache: dict[tuple[str, str], int] = {}


def _python_layout(connection: BaseDatabaseWrapper, model) -> tuple[int, list[Column]]:
    table = model._meta.db_table
    columns = columns_from_model(model)
    key = (connection.alias, layout_signature(table, columns))
    layout_id = _layout_cache.get(key)
    if layout_id is None:
        layout_id = _layout_id(connection, table, columns)
        # A layout row can disappear when a test flushes the database: cache only once committed.
        if not connection.in_atomic_block:
            _layout_cache[key] = layout_id
    return layout_id, columns


def seal_rows_in_python(connection: BaseDatabaseWrapper, table: str, history_ids: list[int]) -> None:
    """Append seals for these history rows of `table` to their chains (in history_id order)."""
    model = history_models()[table]
    layout_id, columns = _python_layout(connection, model)
    links = links_for(table, {c.name for c in columns})
    rows = fetch_rows(connection, table, columns, history_ids)
    with connection.cursor() as cursor:
        for history_id in sorted(rows):
            row = rows[history_id]
            chain = _chain_of(links, row)
            if connection.vendor == "postgresql":
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, chain % 2147483647])
            cursor.execute(
                "SELECT seq, seal FROM audit_seal WHERE chain = %s ORDER BY seq DESC LIMIT 1",
                [chain],
            )
            head = cursor.fetchone()
            seq = (head[0] if head else 0) + 1
            previous = bytes(head[1]) if head else GENESIS
            if links.via_submission:
                action_id, division_id = _submission_links(connection, row.get("submission_id"))
            else:
                action_id = row.get(links.action) if links.action else None
                division_id = row.get(links.division) if links.division else None
            cursor.execute(
                "INSERT INTO audit_seal (chain, seq, layout_id, history_id, object_id, history_type, "
                "history_user_id, action_id, division_id, sealed_at, seal) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                [
                    chain,
                    seq,
                    layout_id,
                    history_id,
                    row.get(links.object) if links.object else None,
                    row.get("history_type"),
                    row.get("history_user_id"),
                    action_id,
                    division_id,
                    timezone.now(),
                    compute_seal(previous, chain, table, seq, canonical(columns, row)),
                ],
            )


def seal_after_history_row(sender, history_instance, using=None, **kwargs) -> None:
    """post_create_historical_record receiver: seal the new row where no trigger does it."""
    connection = connections[history_instance._state.db or using or DEFAULT_DB_ALIAS]
    if connection.vendor == "postgresql":
        return  # the trigger sealed it in the INSERT itself
    seal_rows_in_python(connection, sender._meta.db_table, [history_instance.pk])


# ---------------------------------------------------------------------------------------------
# Installing the triggers (PostgreSQL), idempotent


def _sql_text(column: Column) -> str:
    ref = f'NEW."{column.name}"'
    if column.kind == DATETIME:
        return f"to_char({ref} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US')"
    if column.kind == DATE:
        return f"to_char({ref}, 'YYYY-MM-DD')"
    return f"({ref})::text"


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _function_name(table: str) -> str:
    name = f"audit_seal__{table}"
    if len(name) > 63:
        name = f"audit_seal__{hashlib.sha256(table.encode()).hexdigest()[:40]}"
    return name


def _index_name(table: str) -> str:
    name = f"{table}_audit_prev"
    if len(name) > 63:
        name = f"audit_prev_{hashlib.sha256(table.encode()).hexdigest()[:40]}"
    return name


def seal_function_sql(table: str, layout_id: int, columns: list[Column]) -> str:
    """The trigger function that seals each new row of `table` in the INSERT's own round trip."""
    names = {c.name for c in columns}
    links = links_for(table, names)
    chain = f'coalesce(NEW."{links.chain}", 0)' if links.chain else "0"
    pieces = []
    for column in columns:
        text = _sql_text(column)
        pieces.append(
            f"{_sql_literal(column.name + '=')} || coalesce(length({text})::text || ':' || {text}, '~') || ';'"
        )
    canonical_sql = " || ".join(pieces) or "''"
    if links.via_submission:
        submission_table = _instance_table("approvals.Submission")
        prelude = f'SELECT action_id, division_id INTO a, d FROM "{submission_table}" WHERE id = NEW.submission_id;'
    else:
        action = f'NEW."{links.action}"' if links.action else "NULL"
        division = f'NEW."{links.division}"' if links.division else "NULL"
        prelude = f"a := {action}; d := {division};"
    obj = f'NEW."{links.object}"' if links.object else "NULL"
    user = "NEW.history_user_id" if "history_user_id" in names else "NULL"
    genesis = "'\\x" + "00" * 32 + "'::bytea"
    return f"""
CREATE OR REPLACE FUNCTION "{_function_name(table)}"() RETURNS trigger LANGUAGE plpgsql AS $seal$
DECLARE
  c bigint := {chain};
  a bigint;
  d bigint;
  hseq bigint;
  hseal bytea;
BEGIN
  {prelude}
  PERFORM pg_advisory_xact_lock({LOCK_NAMESPACE}, (c % 2147483647)::int);
  SELECT s.seq, s.seal INTO hseq, hseal FROM audit_seal s WHERE s.chain = c ORDER BY s.seq DESC LIMIT 1;
  hseq := coalesce(hseq, 0) + 1;
  INSERT INTO audit_seal (chain, seq, layout_id, history_id, object_id, history_type, history_user_id,
                          action_id, division_id, sealed_at, seal)
  VALUES (c, hseq, {layout_id}, NEW.history_id, {obj}, NEW.history_type, {user}, a, d, clock_timestamp(),
          sha256(coalesce(hseal, {genesis}) || convert_to(
            c::text || {_sql_literal("|" + table + "|")} || hseq::text || '|' || {canonical_sql}, 'UTF8')));
  RETURN NULL;
END
$seal$;
""".strip()


APPEND_ONLY_FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $refuse$
BEGIN
  RAISE EXCEPTION 'ประวัติการแก้ไขแก้หรือลบไม่ได้ (% บน %) / history is append-only: % refused on %',
    TG_OP, TG_TABLE_NAME, TG_OP, TG_TABLE_NAME
    USING ERRCODE = '42501';
END
$refuse$;
""".strip()


def _triggers_by_table(connection: BaseDatabaseWrapper) -> dict[str, set[str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE NOT t.tgisinternal AND n.nspname = current_schema()
            """
        )
        found: dict[str, set[str]] = defaultdict(set)
        for table, trigger in cursor.fetchall():
            found[table].add(trigger)
    return found


def _function_sources(connection: BaseDatabaseWrapper) -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.proname, p.prosrc FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = current_schema() AND p.proname LIKE 'audit\\_%%'"
        )
        return dict(cursor.fetchall())


def _unsealed_history_ids(connection: BaseDatabaseWrapper, table: str) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT h.history_id FROM "{table}" h WHERE NOT EXISTS ('
            "SELECT 1 FROM audit_seal s JOIN audit_seallayout l ON l.id = s.layout_id "
            "WHERE l.table_name = %s AND s.history_id = h.history_id) ORDER BY h.history_id",
            [table],
        )
        return [row[0] for row in cursor.fetchall()]


def install(connection: BaseDatabaseWrapper | None = None) -> list[str]:
    """Put the seal and append-only triggers on every history table; returns the tables changed.

    Idempotent: run by the audit migration and after every `migrate` (also for history tables that
    other apps add later). A table getting its seal trigger for the first time has its existing rows
    sealed first, in history order, so that rows written before the trigger existed are covered.
    """
    connection = connection or connections[DEFAULT_DB_ALIAS]
    if connection.vendor == "postgresql":
        return _install_postgresql(connection)
    if connection.vendor == "sqlite":
        return _install_sqlite(connection)
    return []


def _install_postgresql(connection: BaseDatabaseWrapper) -> list[str]:
    changed: list[str] = []
    with transaction.atomic(using=connection.alias):
        tables = columns_from_catalog(connection)
        triggers = _triggers_by_table(connection)
        sources = _function_sources(connection)
        with connection.cursor() as cursor:
            if "audit_refuse_change" not in sources:
                cursor.execute(APPEND_ONLY_FUNCTION_SQL)
            for table in sorted(tables):
                columns = tables[table]
                layout_id = _layout_id(connection, table, columns)
                function_sql = seal_function_sql(table, layout_id, columns)
                function = _function_name(table)
                body = function_sql.split("$seal$")[1]
                if sources.get(function) != body:
                    cursor.execute(function_sql)
                    changed.append(table)
                if SEAL_TRIGGER not in triggers.get(table, set()):
                    _seal_existing_rows(connection, table)
                    cursor.execute(
                        f'CREATE TRIGGER {SEAL_TRIGGER} AFTER INSERT ON "{table}" '
                        f'FOR EACH ROW EXECUTE FUNCTION "{function}"()'
                    )
                    if table not in changed:
                        changed.append(table)
            cursor.execute("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()")
            indexes = {row[0] for row in cursor.fetchall()}
            for table in sorted(tables):
                if "id" in {c.name for c in tables[table]} and _index_name(table) not in indexes:
                    # Pages show each row against the one before it: seek (id, history_id) rather than
                    # read every version of a record with a long history.
                    cursor.execute(f'CREATE INDEX "{_index_name(table)}" ON "{table}" (id, history_id)')
            for table in [*sorted(tables), *LEDGER_TABLES]:
                if APPEND_ONLY_TRIGGER not in triggers.get(table, set()):
                    cursor.execute(
                        f'CREATE TRIGGER {APPEND_ONLY_TRIGGER} BEFORE UPDATE OR DELETE ON "{table}" '
                        "FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()"
                    )
    return changed


def _seal_existing_rows(connection: BaseDatabaseWrapper, table: str) -> None:
    if table not in history_models():
        return
    unsealed = _unsealed_history_ids(connection, table)
    if unsealed:
        seal_rows_in_python(connection, table, unsealed)


def _install_sqlite(connection: BaseDatabaseWrapper) -> list[str]:
    """SQLite: seals come from Python; triggers only make the tables append-only."""
    changed = []
    tables = [*history_models(), *LEDGER_TABLES]
    existing = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        for table in tables:
            if table not in existing:
                continue
            for operation in ("UPDATE", "DELETE"):
                cursor.execute(
                    f'CREATE TRIGGER IF NOT EXISTS "{APPEND_ONLY_TRIGGER}_{operation.lower()}_{table}" '
                    f'BEFORE {operation} ON "{table}" BEGIN '
                    f"SELECT RAISE(ABORT, 'history is append-only: {operation} refused on {table}'); END"
                )
            changed.append(table)
    return changed


def tables_missing_triggers(connection: BaseDatabaseWrapper | None = None) -> dict[str, set[str]]:
    """History and ledger tables without the seal or append-only trigger (PostgreSQL)."""
    connection = connection or connections[DEFAULT_DB_ALIAS]
    triggers = _triggers_by_table(connection)
    missing: dict[str, set[str]] = {}
    for table in history_models():
        lacking = {SEAL_TRIGGER, APPEND_ONLY_TRIGGER} - triggers.get(table, set())
        if lacking:
            missing[table] = lacking
    for table in LEDGER_TABLES:
        if APPEND_ONLY_TRIGGER not in triggers.get(table, set()):
            missing[table] = {APPEND_ONLY_TRIGGER}
    return missing


# ---------------------------------------------------------------------------------------------
# Verification


@dataclass
class Issue:
    """One thing the verifier found wrong."""

    kind: str  # changed, deleted, inserted, missing_seals, anchor_mismatch, truncated, unknown_layout
    chain: int
    table: str = ""
    history_id: int | None = None
    seq: int | None = None
    detail: str = ""

    # Thai first, then English, as everything the auditors read.
    LABELS = {
        "changed": "ถูกแก้ไขนอกระบบ / changed outside the app",
        "deleted": "ถูกลบนอกระบบ / deleted outside the app",
        "inserted": "ถูกเพิ่มนอกระบบ (ไม่มีตราประทับ) / inserted outside the app (no seal)",
        "missing_seals": "ตราประทับหายไปจากสายโซ่ / seals missing from the chain",
        "anchor_mismatch": "หัวสายโซ่ไม่ตรงกับที่ยึดไว้ / chain differs from its anchor",
        "truncated": "ท้ายสายโซ่ถูกตัดออก / tail of the chain cut off",
        "unknown_layout": "ตราประทับอ้างถึงโครงสร้างที่ไม่รู้จัก / seal refers to an unknown layout",
    }

    def describe(self) -> str:
        where = f"chain {self.chain}"
        if self.seq is not None:
            where += f" seq {self.seq}"
        if self.table:
            where += f" {self.table}"
        if self.history_id is not None:
            where += f" history_id={self.history_id}"
        text = f"{self.LABELS.get(self.kind, self.kind)}: {where}"
        return f"{text} ({self.detail})" if self.detail else text

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "chain": self.chain,
            "table": self.table,
            "history_id": self.history_id,
            "seq": self.seq,
            "detail": self.detail,
        }


@dataclass
class Report:
    chains: dict[int, tuple[int, bytes]] = field(default_factory=dict)  # chain -> (head seq, head seal)
    rows_checked: int = 0
    issues: list[Issue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.issues


def _chains(connection: BaseDatabaseWrapper) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {_quote(connection, _instance_table('approvals.Agency'))} "
            "UNION SELECT chain FROM audit_anchor"
        )
        found = {row[0] for row in cursor.fetchall()}
    return sorted(found | {GLOBAL_CHAIN})


def _layouts(connection: BaseDatabaseWrapper) -> dict[int, tuple[str, list[Column]]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, table_name, columns FROM audit_seallayout")
        layouts = {}
        for layout_id, table, columns in cursor.fetchall():
            if isinstance(columns, str):
                columns = json.loads(columns)
            layouts[layout_id] = (table, [Column(*item) for item in columns])
    return layouts


def _seals(connection: BaseDatabaseWrapper, chain: int, batch: int) -> Iterator[list[tuple]]:
    last = 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                "SELECT seq, layout_id, history_id, seal FROM audit_seal WHERE chain = %s AND seq > %s "
                "ORDER BY seq LIMIT %s",
                [chain, last, batch],
            )
            rows = cursor.fetchall()
            if not rows:
                return
            yield rows
            last = rows[-1][0]


def _verify_chain(
    connection: BaseDatabaseWrapper,
    chain: int,
    layouts: dict[int, tuple[str, list[Column]]],
    sealed: dict[str, set[int]],
    report: Report,
    batch: int,
) -> None:
    previous: bytes | None = GENESIS
    expected_seq = 1
    for seals in _seals(connection, chain, batch):
        wanted: dict[int, list[int]] = defaultdict(list)
        for _seq, layout_id, history_id, _seal in seals:
            wanted[layout_id].append(history_id)
        rows: dict[tuple[int, int], dict[str, Any]] = {}
        for layout_id, ids in wanted.items():
            if layout_id not in layouts:
                continue
            table, columns = layouts[layout_id]
            for history_id, row in fetch_rows(connection, table, columns, ids).items():
                rows[(layout_id, history_id)] = row
        for seq, layout_id, history_id, stored in seals:
            stored = bytes(stored)
            report.rows_checked += 1
            if seq != expected_seq:
                report.issues.append(
                    Issue("missing_seals", chain, seq=expected_seq, detail=f"seq {expected_seq}..{seq - 1}")
                )
                previous = None  # the next link was computed from a seal we no longer have
            if layout_id not in layouts:
                report.issues.append(Issue("unknown_layout", chain, seq=seq, history_id=history_id))
                previous, expected_seq = stored, seq + 1
                continue
            table, columns = layouts[layout_id]
            sealed[table].add(history_id)
            row = rows.get((layout_id, history_id))
            if row is None:
                report.issues.append(Issue("deleted", chain, table=table, history_id=history_id, seq=seq))
            elif previous is not None and compute_seal(previous, chain, table, seq, canonical(columns, row)) != stored:
                report.issues.append(Issue("changed", chain, table=table, history_id=history_id, seq=seq))
            previous, expected_seq = stored, seq + 1
    report.chains[chain] = (expected_seq - 1, previous or b"")


def _rows_of_chain(connection: BaseDatabaseWrapper, table: str, chain: int) -> Iterator[int]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {_quote(connection, table)} WHERE 1 = 0")
        names = {column[0] for column in cursor.description}
    links = links_for(table, names)
    if links.chain:
        column = _quote(connection, links.chain)
        condition = f"{column} IS NULL" if chain == GLOBAL_CHAIN else f"{column} = %s"
        params = [] if chain == GLOBAL_CHAIN else [chain]
    elif chain == GLOBAL_CHAIN:
        condition, params = "1 = 1", []
    else:
        return
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT history_id FROM {_quote(connection, table)} WHERE {condition}", params)
        while True:
            rows = cursor.fetchmany(5000)
            if not rows:
                return
            for (history_id,) in rows:
                yield history_id


def read_anchor_file(path: str | Path) -> list[tuple[int, int, bytes]]:
    anchors = []
    file = Path(path)
    if not file.exists():
        return anchors
    for line in file.read_text(encoding="utf-8").splitlines():
        if line.strip():
            entry = json.loads(line)
            anchors.append((int(entry["chain"]), int(entry["seq"]), bytes.fromhex(entry["seal"])))
    return anchors


def _check_anchors(connection: BaseDatabaseWrapper, chain: int, report: Report) -> None:
    head_seq, _head = report.chains.get(chain, (0, b""))
    with connection.cursor() as cursor:
        cursor.execute("SELECT seq, seal, anchored_at FROM audit_anchor WHERE chain = %s", [chain])
        anchors = [(seq, bytes(seal), str(at)) for seq, seal, at in cursor.fetchall()]
    anchor_file = getattr(settings, "AUDIT_ANCHOR_FILE", "")
    if anchor_file:
        anchors += [(seq, seal, "file") for c, seq, seal in read_anchor_file(anchor_file) if c == chain]
    for seq, seal, anchored_at in anchors:
        with connection.cursor() as cursor:
            cursor.execute("SELECT seal FROM audit_seal WHERE chain = %s AND seq = %s", [chain, seq])
            row = cursor.fetchone()
        if row is None:
            report.issues.append(
                Issue(
                    "truncated",
                    chain,
                    seq=seq,
                    detail=f"anchor {anchored_at} recorded seq {seq}; the chain now ends at seq {head_seq}",
                )
            )
        elif bytes(row[0]) != seal:
            report.issues.append(Issue("anchor_mismatch", chain, seq=seq, detail=f"anchor {anchored_at}"))


def verify(*, chain: int | None = None, using: str = DEFAULT_DB_ALIAS, batch: int = 2000) -> Report:
    """Recompute every seal of one chain (or all) and name every row that does not match."""
    connection = connections[using]
    report = Report()
    layouts = _layouts(connection)
    chains = [chain] if chain is not None else _chains(connection)
    tables = sorted(set(history_models()) | {table for table, _columns in layouts.values()})
    for current in chains:
        sealed: dict[str, set[int]] = defaultdict(set)
        _verify_chain(connection, current, layouts, sealed, report, batch)
        _check_anchors(connection, current, report)
        for table in tables:
            for history_id in _rows_of_chain(connection, table, current):
                if history_id not in sealed[table]:
                    report.issues.append(Issue("inserted", current, table=table, history_id=history_id))
    return report


# ---------------------------------------------------------------------------------------------
# Anchors


def chain_heads(using: str = DEFAULT_DB_ALIAS) -> dict[int, tuple[int, bytes]]:
    connection = connections[using]
    heads = {}
    with connection.cursor() as cursor:
        for chain in _chains(connection):
            cursor.execute(
                "SELECT seq, seal FROM audit_seal WHERE chain = %s ORDER BY seq DESC LIMIT 1",
                [chain],
            )
            row = cursor.fetchone()
            if row:
                heads[chain] = (row[0], bytes(row[1]))
    return heads


def anchor_chains(using: str = DEFAULT_DB_ALIAS) -> list[tuple[int, int, bytes]]:
    """Write down each chain head that moved since its last anchor (the table, and the file if set)."""
    from audit.models import Anchor

    written = []
    now = timezone.now()
    with transaction.atomic(using=using):
        for chain, (seq, seal) in chain_heads(using).items():
            last = Anchor.objects.using(using).filter(chain=chain).order_by("-seq").first()
            if last is not None and last.seq == seq:
                continue
            Anchor.objects.using(using).create(chain=chain, seq=seq, seal=seal, anchored_at=now)
            written.append((chain, seq, seal))
    anchor_file = getattr(settings, "AUDIT_ANCHOR_FILE", "")
    if anchor_file and written:
        with open(anchor_file, "a", encoding="utf-8") as file:
            for chain, seq, seal in written:
                entry = {"chain": chain, "seq": seq, "seal": seal.hex(), "anchored_at": now.isoformat()}
                file.write(json.dumps(entry) + "\n")
    return written
