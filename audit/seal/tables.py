"""History tables: which they are, their columns and layouts, what links a row to its chain, action
and division, and reading their rows the same way for sealing in Python and for verifying."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from audit.seal.encoding import (
    BOOL,
    DATE,
    DATETIME,
    DECIMAL,
    FLOAT,
    GLOBAL_CHAIN,
    INT,
    JSON,
    TEXT,
    UUID,
    Column,
    JsonText,
)

HISTORY_MARKER_COLUMNS = {"history_id", "history_date", "history_type", "history_change_reason"}


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


def _chains(connection: BaseDatabaseWrapper) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {_quote(connection, _instance_table('approvals.Agency'))} "
            "UNION SELECT chain FROM audit_anchor"
        )
        found = {row[0] for row in cursor.fetchall()}
    return sorted(found | {GLOBAL_CHAIN})
