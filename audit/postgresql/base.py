"""Django's PostgreSQL backend, sending the acting context (audit/context.py) with the writes it concerns.

The capture trigger of every historised table reads who, for whom, why and from where from the
transaction-local setting `khunatham.context`. This backend sets it in front of a write statement, in the
same round trip (`SELECT set_config(...); UPDATE ...`), when the context of the write differs from the one
the transaction already holds. Inside a transaction that is once per distinct context, however many rows
it writes; in autocommit mode every write is its own transaction and carries its own. A write made with no
context clears a setting left by an earlier one, so it is recorded as unattributed rather than as somebody
else's.

Commit, rollback and a rollback to a savepoint end what the setting was worth (a savepoint rolled back undoes
a setting made inside it): the backend then forgets what it sent. That is why this is a database backend
and not an execute wrapper alone: only the backend sees the transaction end.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.backends.postgresql import base

from audit import context

SETTING = "khunatham.context"
_PREFIX = f"SELECT set_config('{SETTING}', %s, true); "
# The same for a statement with named parameters (psycopg refuses a mix of the two kinds in one statement).
_NAMED_PARAMETER = "khunatham_acting_context"
_NAMED_PREFIX = f"SELECT set_config('{SETTING}', %({_NAMED_PARAMETER})s, true); "
# Statements that change rows. Anything else (reads, savepoints, DDL in migrations) goes out unchanged.
_WRITES = ("INSERT", "UPDATE", "DELETE", "MERGE", "WITH")
_NOT_CONFIGURED = (
    "ไม่ได้ตั้งค่า DATABASE_URL: `make run` เริ่ม PostgreSQL ในตัวให้เอง หรือกำหนด DATABASE_URL=postgres://... / "
    "DATABASE_URL is not set: `make run` starts an embedded PostgreSQL for you, or set DATABASE_URL=postgres://..."
)


def _is_write(sql: str) -> bool:
    return sql.lstrip()[:6].upper().startswith(_WRITES)


def send_context(execute, sql, params, many, call_context):
    """Execute wrapper (first on every connection): put the current acting context in front of a write."""
    connection = call_context["connection"]
    if not isinstance(sql, str) or not _is_write(sql):
        return execute(sql, params, many, call_context)
    current = context.current()
    payload = current.payload if current is not None else ""
    in_transaction = connection.in_atomic_block or not connection.get_autocommit()
    if in_transaction and connection.audit_context_sent == payload:
        return execute(sql, params, many, call_context)
    if in_transaction:
        connection.audit_context_sent = payload
    if many:
        # executemany cannot carry a second statement: set it first, in a round trip of its own.
        call_context["cursor"].cursor.execute(f"SELECT set_config('{SETTING}', %s, true)", [payload])
        return execute(sql, params, many, call_context)
    if params is None:
        sql, params = sql.replace("%", "%%"), ()
    if isinstance(params, Mapping):
        result = execute(_NAMED_PREFIX + sql, {**params, _NAMED_PARAMETER: payload}, many, call_context)
    else:
        result = execute(_PREFIX + sql, (payload, *params), many, call_context)
    # The cursor now holds set_config's row; Django reads the write's (row count, RETURNING).
    call_context["cursor"].cursor.nextset()
    return result


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.audit_context_sent: str | None = None
        # First in the list, before any `connection.execute_wrapper()` block can push one of its own: such a
        # block pops the last wrapper when it ends.
        self.execute_wrappers.append(send_context)

    def get_connection_params(self) -> dict[str, Any]:
        # NAME is None on purpose for the connection that creates the test database (Django's `_nodb_cursor`).
        if self.settings_dict.get("NAME") == "" and not self.settings_dict.get("OPTIONS", {}).get("service"):
            raise ImproperlyConfigured(_NOT_CONFIGURED)
        return super().get_connection_params()

    def connect(self) -> None:
        self.audit_context_sent = None
        super().connect()

    def _commit(self) -> None:
        self.audit_context_sent = None
        return super()._commit()  # type: ignore[misc]  # Django's private method, not in django-stubs

    def _rollback(self) -> None:
        self.audit_context_sent = None
        return super()._rollback()  # type: ignore[misc]  # Django's private method, not in django-stubs

    def _savepoint_rollback(self, sid: str) -> None:
        self.audit_context_sent = None
        return super()._savepoint_rollback(sid)  # type: ignore[misc]  # Django's private method, not in django-stubs

    def _close(self) -> None:
        self.audit_context_sent = None
        return super()._close()  # type: ignore[misc]  # Django's private method, not in django-stubs
