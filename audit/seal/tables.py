"""History tables: which they are, how a row names its chain, and reading their rows the same way for
verifying as the seal trigger wrote them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper

from audit.seal.encoding import GLOBAL_CHAIN, JSON, SALT_COLUMN, Column, JsonText

# A history model: a class simple-history (an untyped package) makes at run time, with attributes of its own
# (instance_type, history_id, history_type ...) that no static type names.
HistoryModel = Any


def history_models() -> dict[str, HistoryModel]:
    """Every simple-history model of the project, by table name."""
    from django.apps import apps
    from simple_history.models import HistoricalChanges

    return {
        model._meta.db_table: model
        for model in apps.get_models()
        if issubclass(model, HistoricalChanges) and not model._meta.proxy
    }


def captured_models() -> list:
    """Every historised model with its capture trigger's view of it (audit.triggers.Captured)."""
    import pgtrigger

    from audit.triggers import CaptureHistory

    return [trigger.captured(model) for model, trigger in pgtrigger.registered() if isinstance(trigger, CaptureHistory)]


def _instance_table(name: str) -> str:
    from django.apps import apps

    return apps.get_model(name)._meta.db_table


def _history_table_of(name: str) -> str:
    from django.apps import apps

    return apps.get_model(name).history.model._meta.db_table


def chain_column(table: str) -> str | None:
    """The column of a history table that names its chain (None: the global chain), as the seal trigger
    reads it; None too for a table the project no longer has."""
    from audit.triggers import seal_links

    model = history_models().get(table)
    return seal_links(model, model.instance_type._meta.label).chain if model is not None else None


def _quote(connection: BaseDatabaseWrapper, name: str) -> str:
    return connection.ops.quote_name(name)


def fetch_rows(
    connection: BaseDatabaseWrapper, table: str, columns: list[Column], history_ids: Iterable[int]
) -> dict[int, dict[str, Any]]:
    """History rows by history_id, with the values `canonical` expects."""
    ids = list(history_ids)
    result: dict[int, dict[str, Any]] = {}
    selected = []
    for column in columns:
        quoted = _quote(connection, column.name)
        selected.append(f"{quoted}::text" if column.kind == JSON else quoted)
    names = [c.name for c in columns]
    if any(c.personal for c in columns):
        # The salt of the personal columns' digests is read with them, though not sealed itself.
        selected.append(_quote(connection, SALT_COLUMN))
        names.append(SALT_COLUMN)
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            cursor.execute(
                f"SELECT history_id, {', '.join(selected)} FROM {_quote(connection, table)} WHERE history_id = ANY(%s)",
                [chunk],
            )
            for history_id, *values in cursor.fetchall():
                row = dict(zip(names, values, strict=True))
                for column in columns:
                    if column.kind == JSON and row[column.name] is not None:
                        row[column.name] = JsonText(row[column.name])
                result[history_id] = row
    return result


def _chains(connection: BaseDatabaseWrapper) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {_quote(connection, _instance_table('approvals.Agency'))} "
            "UNION SELECT chain FROM audit_anchor"
        )
        found = {row[0] for row in cursor.fetchall()}
    return sorted(found | {GLOBAL_CHAIN})
