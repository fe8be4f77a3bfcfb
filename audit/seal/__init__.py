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

The package is split by role: `encoding` (canonical text and the seal), `tables` (history tables,
columns, layouts, links and reading rows), `python_path` (sealing without triggers), `triggers`
(the PostgreSQL installer), `verifier` and `anchors`. Import it as `from audit import seal`; every
name below stays available there (migrations and other apps depend on it).
"""

from audit.seal.anchors import anchor_chains, chain_heads, read_anchor_file
from audit.seal.encoding import (
    BOOL,
    DATE,
    DATETIME,
    DECIMAL,
    FLOAT,
    GENESIS,
    GLOBAL_CHAIN,
    INT,
    JSON,
    KINDS,
    LOCK_NAMESPACE,
    TEXT,
    UUID,
    Column,
    JsonText,
    canonical,
    compute_seal,
    jsonb_text,
    value_text,
)
from audit.seal.python_path import seal_after_history_row, seal_rows_in_python
from audit.seal.tables import (
    HISTORY_MARKER_COLUMNS,
    Links,
    _history_table_of,
    _instance_table,
    columns_from_catalog,
    columns_from_model,
    fetch_rows,
    history_models,
    layout_signature,
    links_for,
)
from audit.seal.triggers import (
    APPEND_ONLY_FUNCTION_SQL,
    APPEND_ONLY_TRIGGER,
    LEDGER_TABLES,
    SEAL_TRIGGER,
    install,
    seal_function_sql,
    tables_missing_triggers,
)
from audit.seal.verifier import Issue, Report, verify

__all__ = [
    "APPEND_ONLY_FUNCTION_SQL",
    "APPEND_ONLY_TRIGGER",
    "BOOL",
    "DATE",
    "DATETIME",
    "DECIMAL",
    "FLOAT",
    "GENESIS",
    "GLOBAL_CHAIN",
    "HISTORY_MARKER_COLUMNS",
    "INT",
    "JSON",
    "KINDS",
    "LEDGER_TABLES",
    "LOCK_NAMESPACE",
    "SEAL_TRIGGER",
    "TEXT",
    "UUID",
    "Column",
    "Issue",
    "JsonText",
    "Links",
    "Report",
    "_history_table_of",
    "_instance_table",
    "anchor_chains",
    "canonical",
    "chain_heads",
    "columns_from_catalog",
    "columns_from_model",
    "compute_seal",
    "fetch_rows",
    "history_models",
    "install",
    "jsonb_text",
    "layout_signature",
    "links_for",
    "read_anchor_file",
    "seal_after_history_row",
    "seal_function_sql",
    "seal_rows_in_python",
    "tables_missing_triggers",
    "value_text",
    "verify",
]
