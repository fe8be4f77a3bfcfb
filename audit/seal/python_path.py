"""Sealing in Python: SQLite and other databases without our trigger."""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from audit.seal.encoding import GENESIS, HEAD_SETTING, LOCK_NAMESPACE, Column, canonical, compute_seal
from audit.seal.tables import (
    _chain_of,
    _layout_id,
    _submission_links,
    columns_from_model,
    fetch_rows,
    history_models,
    layout_signature,
    links_for,
)

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
                # The seal triggers' cached head of this chain would be stale after this row.
                cursor.execute("SELECT set_config(%s, '', true)", [f"{HEAD_SETTING}{chain}"])
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
