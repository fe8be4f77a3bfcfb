"""Reading from a PostgreSQL replica: dashboards, reports and the chain verifier, and nothing else.

Off by default. With DATABASE_REPLICA_URL set, settings declare the database alias `replica`; code that only
reads, and can bear a replica's lag of a moment, runs inside `reading_from_replica()` (or is decorated with
`reads_from_replica`), and the router sends its reads there. Every write, and every read outside such a block,
goes to the primary (`default`), so a page that changes something always reads what it wrote. Without the alias
every read goes to the primary too: the block changes nothing.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"
F = TypeVar("F", bound=Callable[..., Any])

_reading = contextvars.ContextVar("reading_from_replica", default=False)


def replica_configured() -> bool:
    return REPLICA in connections.settings


def reading_alias() -> str:
    """The alias for work that only reads: the replica when there is one, else the primary."""
    return REPLICA if replica_configured() else DEFAULT_DB_ALIAS


@contextmanager
def reading_from_replica() -> Iterator[str]:
    """Send the block's ORM reads to the replica (when configured); its writes still go to the primary."""
    token = _reading.set(True)
    try:
        yield reading_alias()
    finally:
        _reading.reset(token)


def reads_from_replica(view: F) -> F:
    """A view (or any function) that only reads: its reads go to the replica when there is one."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        with reading_from_replica():
            return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


class ReplicaRouter:
    """Reads inside `reading_from_replica()` go to the replica; everything else to the primary."""

    def db_for_read(self, model: type, **hints: Any) -> str | None:
        if _reading.get() and replica_configured():
            return REPLICA
        return None

    def db_for_write(self, model: type, **hints: Any) -> str | None:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        return True  # one database: the replica is a copy of the primary

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool | None:
        return db == DEFAULT_DB_ALIAS  # the replica follows the primary's migrations by replication
