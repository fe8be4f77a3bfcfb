"""Taking a hash chain's lock ahead of the seal trigger, so that every transaction of an agency takes its locks in
one order (docs/audit.md, "One lock order"; approvals.transactions applies it)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.backends.base.base import BaseDatabaseWrapper

from audit.seal.encoding import LOCK_NAMESPACE


def lock_chains_sql(connection: BaseDatabaseWrapper, chains: Iterable[int]) -> None:
    """`pg_advisory_xact_lock(LOCK_NAMESPACE, chain)` for each chain, in the order given: the very lock the seal
    trigger takes at a chain's first history row in a transaction (re-entrant, released at its end)."""
    with connection.cursor() as cursor:
        for chain in chains:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, chain % 2147483647])
