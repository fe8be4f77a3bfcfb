"""Verification: recompute every seal and name each row changed, deleted or inserted without one."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper

from audit.seal import redactions
from audit.seal.anchors import read_anchor_file
from audit.seal.encoding import GENESIS, GLOBAL_CHAIN, Column, canonical, compute_seal
from audit.seal.tables import _chains, _quote, captured_models, chain_column, fetch_rows, history_models


@dataclass
class Issue:
    """One thing the verifier found wrong."""

    # changed, deleted, inserted, missing_seals, anchor_mismatch, truncated, unknown_layout (history rows);
    # unrecorded_change, unrecorded_delete (records whose current state is not their last history row)
    kind: str
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
        "unrecorded_change": "ข้อมูลถูกแก้ไขโดยไม่มีประวัติ / record changed without a history row",
        "unrecorded_delete": "ข้อมูลถูกลบโดยไม่มีประวัติ / record deleted without a history row",
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
    redacted: dict[tuple[str, int], dict[str, Any]] | None = None,
) -> None:
    previous: bytes | None = GENESIS
    expected_seq = 1
    for seals in _seals(connection, chain, batch):
        wanted: dict[int, list[int]] = defaultdict(list)
        for _seq, layout_id, history_id, _seal in seals:
            wanted[layout_id].append(history_id)
        rows: dict[tuple[int, int], dict[str, Any]] = {}
        row: dict[str, Any] | None
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
            entry = (redacted or {}).get((table, history_id))
            if row is None:
                report.issues.append(Issue("deleted", chain, table=table, history_id=history_id, seq=seq))
            elif previous is not None and not _row_verifies(previous, chain, table, seq, columns, row, stored, entry):
                report.issues.append(Issue("changed", chain, table=table, history_id=history_id, seq=seq))
            previous, expected_seq = stored, seq + 1
    report.chains[chain] = (expected_seq - 1, previous or b"")


def _row_verifies(
    previous: bytes,
    chain: int,
    table: str,
    seq: int,
    columns: list[Column],
    row: dict[str, Any],
    stored: bytes,
    entry: dict[str, Any] | None,
) -> bool:
    """The row is what its seal says, or exactly what a sealed redaction left of it (audit/seal/redactions.py)."""

    def seal_of(blanked: Any = None) -> bytes:
        return compute_seal(previous, chain, table, seq, canonical(columns, row, blanked))

    if entry is None:
        return seal_of() == stored
    return redactions.verifies(columns, row, stored, entry, seal_of)


def _rows_of_chain(connection: BaseDatabaseWrapper, table: str, chain: int) -> Iterator[int]:
    column = chain_column(table)
    if column:
        quoted = _quote(connection, column)
        condition = f"{quoted} IS NULL" if chain == GLOBAL_CHAIN else f"{quoted} = %s"
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
    redacted = redactions.load(connection)
    chains = [chain] if chain is not None else _chains(connection)
    tables = sorted(history_models())
    for current in chains:
        sealed: dict[str, set[int]] = defaultdict(set)
        _verify_chain(connection, current, layouts, sealed, report, batch, redacted)
        _check_anchors(connection, current, report)
        for table in tables:
            for history_id in _rows_of_chain(connection, table, current):
                if history_id not in sealed[table]:
                    report.issues.append(Issue("inserted", current, table=table, history_id=history_id))
    # A history row already reported as tampered with explains why its record no longer matches it.
    tampered = {(issue.table, issue.history_id) for issue in report.issues}
    report.issues += [
        issue
        for history_table, issue in _unrecorded(connection)
        if (chain is None or issue.chain == chain) and (history_table, issue.history_id) not in tampered
    ]
    return report


def _unrecorded(connection: BaseDatabaseWrapper) -> Iterator[tuple[str, Issue]]:
    """Records whose current state is not their last history row: changed or deleted with the history
    writer switched off (a superuser disabling the capture trigger, say). Every record's row must equal its
    last history row in every column the history keeps, and a record whose last history row is not a
    deletion must still exist. One pass over each table, joined on the history's (id, history_id) index."""
    q = connection.ops.quote_name
    for captured in captured_models():
        kept = captured.copied
        if "id" not in kept:
            continue
        base_fields = {f.column for f in captured.model._meta.concrete_fields}
        differs = " OR ".join(f"b.{q(c)} IS DISTINCT FROM h.{q(c)}" for c in kept)
        links_chain = chain_column(captured.history_table)
        chain = f"h.{q(links_chain)}" if links_chain else "NULL"
        # A record with no history row at all still belongs to its agency's chain.
        record_chain = (
            f"coalesce({chain}, b.{q(links_chain)})"
            if links_chain is not None and links_chain in base_fields
            else chain
        )
        latest = (
            f"(SELECT h.* FROM {q(captured.history_table)} h JOIN (SELECT id, MAX(history_id) AS last "
            f"FROM {q(captured.history_table)} GROUP BY id) m ON h.history_id = m.last)"
        )
        queries = {
            # A record that differs from its last history row, has none, or comes back after a deletion row.
            "unrecorded_change": f"SELECT b.id, {record_chain}, h.history_id FROM {q(captured.table)} b "
            f"LEFT JOIN {latest} h ON h.id = b.id "
            f"WHERE h.history_id IS NULL OR h.history_type = '-' OR {differs} ORDER BY b.id",
            # A record that is gone although its last history row is not a deletion.
            "unrecorded_delete": f"SELECT h.id, {chain}, h.history_id FROM {latest} h "
            f"LEFT JOIN {q(captured.table)} b ON b.id = h.id "
            "WHERE b.id IS NULL AND h.history_type <> '-' ORDER BY h.id",
        }
        with connection.cursor() as cursor:
            for kind, sql in queries.items():
                cursor.execute(sql)
                for record_id, record_chain, history_id in cursor.fetchall():
                    issue_chain = int(record_chain) if record_chain is not None else GLOBAL_CHAIN
                    issue = Issue(
                        kind, issue_chain, table=captured.table, history_id=history_id, detail=f"id={record_id}"
                    )
                    yield captured.history_table, issue
