"""Verification: recompute every seal and name each row changed, deleted or inserted without one."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

from audit.seal import redactions
from audit.seal.anchors import read_anchor_file
from audit.seal.encoding import GLOBAL_CHAIN, SALT_COLUMN, Column, canonical, compute_seal
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


# Below any chain id (agencies' ids and the global chain 0): where a stream over every chain starts.
_BEFORE_EVERY_CHAIN = (-(2**63), 0)
# Seals per query: PostgreSQL holds a batch (a few MB); Python holds only its problems. Larger batches spread the
# cost of reading each history table into the batch (bench/verify_speed.py: 42k rows/s at 20,000, 88k at 50,000).
BATCH = 50_000
_GENESIS_SQL = "'\\x" + "00" * 32 + "'::bytea"


@dataclass
class _Layouts:
    """The layouts whose seals PostgreSQL recomputes (their table has every column they name), and the others,
    whose rows Python reads and checks (a layout of a column since dropped: reading it fails, as it always did)."""

    in_sql: dict[int, tuple[str, list[Column]]]
    in_python: set[int]


def _split_layouts(connection: BaseDatabaseWrapper, layouts: dict[int, tuple[str, list[Column]]]) -> _Layouts:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, array_agg(column_name::text) FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = ANY(%s) GROUP BY table_name",
            [sorted({table for table, _columns in layouts.values()})],
        )
        present = {table: set(names) for table, names in cursor.fetchall()}
    in_sql: dict[int, tuple[str, list[Column]]] = {}
    in_python: set[int] = set()
    for layout_id, (table, columns) in layouts.items():
        wanted = {c.name for c in columns} | ({SALT_COLUMN} if any(c.personal for c in columns) else set())
        if wanted <= present.get(table, set()):
            in_sql[layout_id] = (table, columns)
        else:
            in_python.add(layout_id)
    return _Layouts(in_sql, in_python)


def _batch_sql(connection: BaseDatabaseWrapper, layouts: _Layouts, chain: int | None) -> str:
    """One query for a batch of seals (after the key of the previous batch's last, which it reads again as the
    first's predecessor): PostgreSQL recomputes each seal from its history row and the stored seal before it,
    exactly as the seal trigger computed it (audit.triggers.canonical_sql), and returns only the rows that say
    something: a problem, a row Python checks itself (`needs_python`), and each chain's last row of the batch.

    seal(n) = SHA-256(seal(n-1) || ...): with the stored seal(n-1), each row is checked on its own, so a batch
    needs no state but its first row's predecessor. A gap in the seqs leaves the row after it unchecked (no
    predecessor to check it against), as a walk through the chain would."""
    from audit.triggers import canonical_sql

    where = "chain = %s AND seq >= %s" if chain is not None else "(chain, seq) >= (%s, %s)"
    order = "seq" if chain is not None else "chain, seq"
    # Each link row is checked in the branch of its layout's table, joined to its history row by the primary
    # key, and carried through with the result: no join of the results back to the links afterwards. (Such a
    # join of two CTEs has no index; on tables not analysed yet, right after an agency is loaded, PostgreSQL
    # estimated one row on each side and re-ran every branch once per link, about a minute for 2,000 rows.)
    branches = []
    for layout_id, (table, columns) in sorted(layouts.in_sql.items()):
        message = (
            f"l.chain::text || {_literal('|' + table + '|')} || l.seq::text || '|' || {canonical_sql(columns, 'h')}"
        )
        branches.append(
            f"SELECT l.*, h.history_id IS NOT NULL AS found, "
            f"sha256(l.previous || convert_to({message}, 'UTF8')) = l.seal AS ok "
            f"FROM link l LEFT JOIN {_quote(connection, table)} h ON h.history_id = l.history_id "
            f"WHERE l.layout_id = {int(layout_id)}"
        )
    in_sql = ", ".join(str(int(layout_id)) for layout_id in sorted(layouts.in_sql))
    # The rows of a layout PostgreSQL does not check (Python reads them, or the layout is unknown).
    branches.append(
        "SELECT l.*, FALSE AS found, NULL::boolean AS ok FROM link l"
        + (f" WHERE NOT (l.layout_id = ANY(ARRAY[{in_sql}]::bigint[]))" if in_sql else "")
    )
    checked = " UNION ALL ".join(branches)
    return f"""
        WITH batch AS (
            SELECT chain, seq, layout_id, history_id, seal FROM audit_seal WHERE {where}
            ORDER BY {order} LIMIT %s
        ), walked AS (
            SELECT b.*,
                   CASE WHEN lag(chain) OVER w = chain THEN lag(seq) OVER w + 1 ELSE 1 END AS expected,
                   CASE WHEN lag(chain) OVER w = chain THEN lag(seal) OVER w ELSE {_GENESIS_SQL} END AS before,
                   lead(chain) OVER w IS DISTINCT FROM chain AS last,
                   count(*) OVER () AS n
            FROM batch b WINDOW w AS (ORDER BY chain, seq)
        ), link AS MATERIALIZED (
            SELECT w.*, CASE WHEN w.seq = w.expected THEN w.before END AS previous,
                   (w.layout_id = ANY(%s::bigint[]) OR (w.layout_id, w.history_id) IN
                    (SELECT * FROM unnest(%s::bigint[], %s::bigint[]))) AS needs_python
            FROM walked w
        ), checked AS ({checked})
        SELECT c.chain, c.seq, c.layout_id, c.history_id, c.expected, c.found,
               coalesce(c.ok, FALSE) AS ok, c.last, c.needs_python, c.n,
               CASE WHEN c.last OR c.needs_python THEN c.seal END AS seal,
               CASE WHEN c.needs_python THEN c.previous END AS previous
        FROM checked c
        WHERE (c.chain, c.seq) > (%s, %s)
          AND (c.last OR c.seq <> c.expected OR NOT c.found OR (c.previous IS NOT NULL AND c.ok IS NOT TRUE)
               OR c.needs_python)
        ORDER BY c.chain, c.seq"""


def _literal(text: str) -> str:
    from audit.triggers import _literal as literal

    return literal(text)


def _verify_chains(
    connection: BaseDatabaseWrapper,
    chain: int | None,
    layouts: dict[int, tuple[str, list[Column]]],
    report: Report,
    batch: int,
    redacted: dict[tuple[str, int], dict[str, Any]] | None = None,
) -> None:
    """Recompute the seals of one chain, or of every chain in one stream: one query per batch of seals (by keyset
    on the primary key (chain, seq)), in which PostgreSQL recomputes the seals and returns the rows that do not
    match; Python only reads the rows of a redaction (audit/seal/redactions.py) and of a layout whose table has
    changed, and holds one batch's problems at a time."""
    redacted = redacted or {}
    split = _split_layouts(connection, layouts)
    layouts_of: dict[str, list[int]] = defaultdict(list)
    for layout_id, (table, _columns) in layouts.items():
        layouts_of[table].append(layout_id)
    redacted_pairs = [(lid, history_id) for (table, history_id) in redacted for lid in layouts_of.get(table, [])]
    sql = _batch_sql(connection, split, chain)
    python = [
        sorted(split.in_python),
        [layout_id for layout_id, _history_id in redacted_pairs],
        [history_id for _layout_id, history_id in redacted_pairs],
    ]
    after = _BEFORE_EVERY_CHAIN if chain is None else (chain, 0)
    first = True
    with connection.cursor() as cursor:
        while True:
            # The first batch starts at the chain's (or every chain's) start; each later one reads the previous
            # batch's last row again, as its first row's predecessor, and reports after it.
            limit = batch if first else batch + 1
            # The first batch reports its first row too (no seq is below 0).
            cursor.execute(sql, [*after, limit, *python, after[0], after[1] if not first else -1])
            rows = cursor.fetchall()
            if not rows:
                return
            read = rows[0][9] - (0 if first else 1)
            report.rows_checked += read
            _report_batch(connection, rows, layouts, split, report, redacted)
            after = (rows[-1][0], rows[-1][1])
            first = False
            if read < batch:
                return


def _report_batch(
    connection: BaseDatabaseWrapper,
    rows: list[tuple],
    layouts: dict[int, tuple[str, list[Column]]],
    split: _Layouts,
    report: Report,
    redacted: dict[tuple[str, int], dict[str, Any]],
) -> None:
    """The issues of one batch's returned rows, in chain order (as a walk through the chain names them)."""
    wanted: dict[int, list[int]] = defaultdict(list)
    for row in rows:
        if row[8] and row[2] in layouts:
            wanted[row[2]].append(row[3])
    fetched: dict[tuple[int, int], dict[str, Any]] = {}
    for layout_id, ids in wanted.items():
        table, columns = layouts[layout_id]
        for history_id, values in fetch_rows(connection, table, columns, ids).items():
            fetched[(layout_id, history_id)] = values
    for link_chain, seq, layout_id, history_id, expected, found, ok, last, needs_python, _n, stored, previous in rows:
        if seq != expected:
            report.issues.append(Issue("missing_seals", link_chain, seq=expected, detail=f"seq {expected}..{seq - 1}"))
        if last:
            report.chains[link_chain] = (seq, bytes(stored))
        if layout_id not in layouts:
            report.issues.append(Issue("unknown_layout", link_chain, seq=seq, history_id=history_id))
            continue
        table, columns = layouts[layout_id]
        if needs_python:
            history_row = fetched.get((layout_id, history_id))
            if history_row is None:
                report.issues.append(Issue("deleted", link_chain, table=table, history_id=history_id, seq=seq))
            elif previous is not None and not _row_verifies(
                bytes(previous),
                link_chain,
                table,
                seq,
                columns,
                history_row,
                bytes(stored),
                redacted.get((table, history_id)),
            ):
                report.issues.append(Issue("changed", link_chain, table=table, history_id=history_id, seq=seq))
        elif not found:
            report.issues.append(Issue("deleted", link_chain, table=table, history_id=history_id, seq=seq))
        elif seq == expected and not ok:
            report.issues.append(Issue("changed", link_chain, table=table, history_id=history_id, seq=seq))


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


def _chain_filter(connection: BaseDatabaseWrapper, alias: str, column: str | None, chain: int | None):
    """The SQL condition (and its parameters) that keeps a history table's rows of `chain` (None: every chain's),
    on the table's chain column; None when the table has no row in that chain."""
    if chain is None:
        return "TRUE", []
    if column is None:
        return ("TRUE", []) if chain == GLOBAL_CHAIN else None
    quoted = f"{alias}.{_quote(connection, column)}"
    return (f"{quoted} IS NULL", []) if chain == GLOBAL_CHAIN else (f"{quoted} = %s", [chain])


def _inserted(
    connection: BaseDatabaseWrapper, chain: int | None, layouts: dict[int, tuple[str, list[Column]]]
) -> Iterator[Issue]:
    """History rows without a seal in their chain: one set difference of every history table's rows against the
    seals (hashed or sorted once), over only `chain`'s rows when one is asked for, the problems streamed."""
    del layouts  # the seals name their table through their layout, joined in the query
    parts, params = [], []
    for table in sorted(history_models()):
        column = chain_column(table)
        condition = _chain_filter(connection, "h", column, chain)
        if condition is None:
            continue
        where, where_params = condition
        row_chain = f"coalesce(h.{_quote(connection, column)}, {GLOBAL_CHAIN})" if column else str(GLOBAL_CHAIN)
        parts.append(
            f"SELECT %s::text AS t, h.history_id, {row_chain} AS chain FROM {_quote(connection, table)} h WHERE {where}"
        )
        params += [table, *where_params]
    if not parts:
        return
    # One chain's seals by the primary key (chain, seq): OFFSET 0 keeps PostgreSQL from reading them through the
    # layout's index, which holds every chain's rows.
    seals = "audit_seal" if chain is None else "(SELECT * FROM audit_seal WHERE chain = %s OFFSET 0)"
    # EXCEPT, not NOT EXISTS: the seal table has no index on history_id, and a correlated anti-join may be
    # planned as a scan of the seals per history row; a set difference is hashed or sorted once.
    sql = (
        f"SELECT t, history_id, chain FROM ({' UNION ALL '.join(parts)} "
        f"EXCEPT SELECT l.table_name::text, s.history_id, s.chain FROM {seals} s "
        "JOIN audit_seallayout l ON l.id = s.layout_id) unsealed ORDER BY t, history_id"
    )
    for table, history_id, row_chain_id in _stream(connection, sql, [*params, *([] if chain is None else [chain])]):
        yield Issue("inserted", int(row_chain_id), table=table, history_id=history_id)


def _stream(connection: BaseDatabaseWrapper, sql: str, params: list[Any], size: int = 5000) -> Iterator[tuple]:
    """The rows of a query that names problems (none, when nothing was tampered with), `size` at a time.

    A plain cursor, not a server-side one: PostgreSQL plans a server-side cursor for its first rows (a tenth, by
    cursor_tuple_fraction), and chose nested loops over whole history tables for these joins (under 400 rows/s
    at 50 agencies). The rows held are the problems found, not the rows checked."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while True:
            rows = cursor.fetchmany(size)
            if not rows:
                return
            yield from rows


def _check_anchors(connection: BaseDatabaseWrapper, chain: int | None, report: Report) -> None:
    """Every anchor (of `chain`, or all) against the seal now at its place: one query for the table's anchors,
    one for the anchor file's."""
    only = "" if chain is None else "WHERE a.chain = %s"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.chain, a.seq, a.seal, a.anchored_at::text, s.seal FROM audit_anchor a "
            f"LEFT JOIN audit_seal s ON s.chain = a.chain AND s.seq = a.seq {only} ORDER BY a.chain, a.seq",
            [] if chain is None else [chain],
        )
        found = [(c, seq, bytes(seal), at, bytes(now) if now is not None else None) for c, seq, seal, at, now in cursor]
    anchor_file = getattr(settings, "AUDIT_ANCHOR_FILE", "")
    listed = (
        [(c, seq, seal) for c, seq, seal in read_anchor_file(anchor_file) if chain in (None, c)] if anchor_file else []
    )
    if listed:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT s.chain, s.seq, s.seal FROM audit_seal s "
                "JOIN unnest(%s::bigint[], %s::bigint[]) AS f(chain, seq) ON s.chain = f.chain AND s.seq = f.seq",
                [[c for c, _seq, _seal in listed], [seq for _c, seq, _seal in listed]],
            )
            now_at = {(c, seq): bytes(seal) for c, seq, seal in cursor.fetchall()}
        found += [(c, seq, seal, "file", now_at.get((c, seq))) for c, seq, seal in listed]
    for anchored_chain, seq, seal, anchored_at, now in found:
        if now is None:
            head_seq, _head = report.chains.get(anchored_chain, (0, b""))
            detail = f"anchor {anchored_at} recorded seq {seq}; the chain now ends at seq {head_seq}"
            report.issues.append(Issue("truncated", anchored_chain, seq=seq, detail=detail))
        elif now != seal:
            report.issues.append(Issue("anchor_mismatch", anchored_chain, seq=seq, detail=f"anchor {anchored_at}"))


def verify(*, chain: int | None = None, using: str | None = None, batch: int | None = None) -> Report:
    """Recompute every seal of one chain (or all) and name every row that does not match.

    Set-based and streaming: the seals are read in batches over every chain at once, the unsealed history rows
    and the records that differ from their history are found by one query per table, and with `chain` every
    query reads that chain's rows only (by index), never another agency's. Memory holds one batch. `using`
    defaults to the alias that reads for reports (a replica when one is configured: config/routers.py).
    """
    from config.routers import reading_alias

    batch = batch or BATCH
    connection = connections[using or reading_alias()]
    report = Report()
    layouts = _layouts(connection)
    redacted = redactions.load(connection)
    _verify_chains(connection, chain, layouts, report, batch, redacted)
    for known in [chain] if chain is not None else _chains(connection):
        report.chains.setdefault(known, (0, b""))
    _check_anchors(connection, chain, report)
    report.issues += list(_inserted(connection, chain, layouts))
    # A history row already reported as tampered with explains why its record no longer matches it.
    tampered = {(issue.table, issue.history_id) for issue in report.issues}
    report.issues += [
        issue
        for history_table, issue in _unrecorded(connection, chain)
        if (history_table, issue.history_id) not in tampered
    ]
    return report


def _unrecorded(connection: BaseDatabaseWrapper, only_chain: int | None = None) -> Iterator[tuple[str, Issue]]:
    """Records whose current state is not their last history row: changed or deleted with the history
    writer switched off (a superuser disabling the capture trigger, say). Every record's row must equal its
    last history row in every column the history keeps, and a record whose last history row is not a
    deletion must still exist. One pass over each table, joined on the history's (id, history_id) index; with
    `only_chain`, over that chain's records and history rows only (their agency column's index)."""
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
        history_filter = _chain_filter(connection, "x", links_chain, only_chain)
        if history_filter is None:
            continue
        history_where, history_params = history_filter
        history = q(captured.history_table)
        latest_where, latest_params = "TRUE", []
        if links_chain in base_fields:
            record_where, record_params = _chain_filter(connection, "b", links_chain, only_chain)
        elif links_chain is None:
            record_where, record_params = "TRUE", []
        else:
            # The records carry no chain column (viewflow's processes and tasks: their chain is the agency of the
            # action they serve, kept on their history rows): a record is in the chain of its last history row.
            history_where, history_params = "TRUE", []
            latest_where, latest_params = _chain_filter(connection, "h", links_chain, only_chain)
            record_where, record_params = latest_where, latest_params
            if only_chain not in (None, GLOBAL_CHAIN):
                yield from _unrecorded_by_last_row(connection, captured, links_chain, differs, only_chain)
                continue
            # Otherwise every record's last row, among every chain's (a record with no history row at all is the
            # global chain's, as in a whole verification).
        latest = (
            f"(SELECT DISTINCT ON (x.id) x.* FROM {history} x WHERE {history_where} ORDER BY x.id, x.history_id DESC)"
        )
        queries = {
            # A record that differs from its last history row, has none, or comes back after a deletion row.
            "unrecorded_change": (
                f"SELECT b.id, {record_chain}, h.history_id FROM {q(captured.table)} b "
                f"LEFT JOIN {latest} h ON h.id = b.id "
                f"WHERE {record_where} AND (h.history_id IS NULL OR h.history_type = '-' OR {differs}) ORDER BY b.id",
                [*history_params, *record_params],
            ),
            # A record that is gone although its last history row is not a deletion.
            "unrecorded_delete": (
                f"SELECT h.id, {chain}, h.history_id FROM {latest} h "
                f"LEFT JOIN {q(captured.table)} b ON b.id = h.id "
                f"WHERE b.id IS NULL AND h.history_type <> '-' AND {latest_where} ORDER BY h.id",
                [*history_params, *latest_params],
            ),
        }
        yield from _issues_of(connection, captured, queries)


def _unrecorded_by_last_row(
    connection: BaseDatabaseWrapper, captured: Any, links_chain: str, differs: str, only_chain: int
) -> Iterator[tuple[str, Issue]]:
    """`_unrecorded` for one agency's chain, of records that carry no chain column (viewflow's processes and
    tasks): only the records with a history row in the chain can be in it, so their last rows are found from the
    chain's rows (by its agency column's index), each by the history's (id, history_id) index, and kept when they
    are in the chain; the records are read by their primary key. Nothing of another agency is read beyond the
    last row of a record that moved to it, whatever the number of agencies."""
    q = connection.ops.quote_name
    history, column = q(captured.history_table), q(links_chain)
    latest = (
        f"(SELECT last.* FROM (SELECT DISTINCT y.id FROM {history} y WHERE y.{column} = %s) ids "
        f"CROSS JOIN LATERAL (SELECT x.* FROM {history} x WHERE x.id = ids.id ORDER BY x.history_id DESC LIMIT 1) last)"
    )
    queries = {
        "unrecorded_change": (
            f"SELECT b.id, h.{column}, h.history_id FROM {latest} h JOIN {q(captured.table)} b ON b.id = h.id "
            f"WHERE h.{column} = %s AND (h.history_type = '-' OR {differs}) ORDER BY b.id",
            [only_chain, only_chain],
        ),
        "unrecorded_delete": (
            f"SELECT h.id, h.{column}, h.history_id FROM {latest} h LEFT JOIN {q(captured.table)} b ON b.id = h.id "
            f"WHERE b.id IS NULL AND h.history_type <> '-' AND h.{column} = %s ORDER BY h.id",
            [only_chain, only_chain],
        ),
    }
    yield from _issues_of(connection, captured, queries)


def _issues_of(
    connection: BaseDatabaseWrapper, captured: Any, queries: dict[str, tuple[str, list[Any]]]
) -> Iterator[tuple[str, Issue]]:
    for kind, (sql, params) in queries.items():
        for record_id, record_chain_id, history_id in _stream(connection, sql, params):
            issue_chain = int(record_chain_id) if record_chain_id is not None else GLOBAL_CHAIN
            issue = Issue(kind, issue_chain, table=captured.table, history_id=history_id, detail=f"id={record_id}")
            yield captured.history_table, issue
