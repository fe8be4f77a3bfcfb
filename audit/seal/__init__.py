"""Proof that history was not altered: a SHA-256 hash chain over every history row, per agency.

Every history row (django-simple-history) gets one `Seal`:

    seal(n) = SHA-256( seal(n-1) || UTF-8("<chain>|<table>|<n>|<canonical row>") )

with seal(0) = 32 zero bytes. The chain is the row's agency (`agency_id`; an agency's own rows use
its id), or 0, the global chain, for rows without one (fiscal years, platform accounts).

The canonical serialisation lists the table's columns sorted by name as `name=<len>:<text>;`, or
`name=~;` for NULL, where <text> is fixed per kind of column (see `value_text`), so that PostgreSQL
and Python write the same bytes. The seal trigger (audit/triggers.py, declared on every history model
and installed by migrations) computes it in the INSERT's own statement, under a per-chain advisory lock
held to the end of the transaction, so that concurrent writers never fork a chain.

`verify` recomputes every seal in Python and names each row changed, deleted or inserted without a
seal, and each record changed without a history row; daily anchors of each chain head catch a cut-off
tail.

The package is split by role: `encoding` (canonical text and the seal), `tables` (history tables and
reading their rows), `verifier` and `anchors`.
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
    sealed_text,
    value_text,
)
from audit.seal.tables import _history_table_of, _instance_table, captured_models, fetch_rows, history_models
from audit.seal.verifier import Issue, Report, verify

__all__ = [
    "BOOL",
    "DATE",
    "DATETIME",
    "DECIMAL",
    "FLOAT",
    "GENESIS",
    "GLOBAL_CHAIN",
    "INT",
    "JSON",
    "KINDS",
    "LOCK_NAMESPACE",
    "TEXT",
    "UUID",
    "Column",
    "Issue",
    "JsonText",
    "Report",
    "_history_table_of",
    "_instance_table",
    "anchor_chains",
    "canonical",
    "captured_models",
    "chain_heads",
    "compute_seal",
    "fetch_rows",
    "history_models",
    "jsonb_text",
    "read_anchor_file",
    "sealed_text",
    "value_text",
    "verify",
]
