"""What the verifier accepts of a redaction (audit/personal.py): a personal column blanked in a history row,
when a sealed redaction record names that row and recorded, at the time, what keeps the row verifiable.

- A row sealed with a salted layout (its personal columns sealed as "#" + SHA-256(salt || value)): the
  redaction recorded each blanked column's digest, and the row's seal is recomputed with them. Every other
  column still has to match the seal exactly.
- A row sealed before salted layouts existed (its seal covers the plain values, which are gone): the
  redaction recorded the row's seal and a SHA-256 of every column it did NOT blank, after checking the row
  against its seal. The verifier accepts the stored seal as that link of the chain only when it is the one
  recorded, and checks the rest of the row against the recorded digest.

In both cases the blanked columns must hold the erased value ("" or NULL) and nothing else; a row blanked
without a sealed redaction naming it, or changed in any other column, is reported as changed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper

from audit.seal.encoding import Column, canonical

TABLE = "audit_historicalredaction"
ERASED = ("", None)


def rest_digest(columns: list[Column], row: Mapping[str, Any], blanked: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical text of the columns a redaction did not blank."""
    kept = [column for column in columns if column.name not in blanked]
    return hashlib.sha256(canonical(kept, dict(row)).encode()).hexdigest()


def load(connection: BaseDatabaseWrapper) -> dict[tuple[str, int], dict[str, Any]]:
    """Every row entry of every SEALED redaction record, by (history table, history_id). A redaction row that
    has no seal (inserted outside the app) is not believed; the verifier reports it besides."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [TABLE])
        if not cursor.fetchone()[0]:
            return {}
        cursor.execute(
            f"SELECT r.rows FROM {TABLE} r WHERE r.history_type = '+' AND EXISTS ("
            "  SELECT 1 FROM audit_seal s JOIN audit_seallayout l ON l.id = s.layout_id"
            "  WHERE l.table_name = %s AND s.history_id = r.history_id)",
            [TABLE],
        )
        entries: dict[tuple[str, int], dict[str, Any]] = {}
        for (rows,) in cursor.fetchall():
            for entry in (json.loads(rows) if isinstance(rows, str) else rows) or []:
                entries[(entry["table"], int(entry["history_id"]))] = entry
    return entries


def verifies(
    columns: list[Column],
    row: Mapping[str, Any],
    stored: bytes,
    entry: Mapping[str, Any],
    seal_of: Callable[[Mapping[str, str | None]], bytes],
) -> bool:
    """Whether a row that `entry` (a sealed redaction's) names is exactly what that redaction left."""
    blanked: Mapping[str, Any] = entry.get("columns") or {}
    if not blanked or any(row.get(name) not in ERASED for name in blanked):
        return False
    if "rest" in entry:
        return entry.get("seal") == bytes(stored).hex() and entry["rest"] == rest_digest(columns, row, blanked)
    if not set(blanked) <= {column.name for column in columns if column.personal}:
        return False
    return seal_of(blanked) == bytes(stored)
