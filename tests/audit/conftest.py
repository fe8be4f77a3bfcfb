"""Helpers of the audit tests: an attacker with the tables' owner's rights."""

from __future__ import annotations

import pytest


class Attacker:
    """Someone with the rights of the tables' owner (or a superuser), who switches a table's triggers off to
    tamper, on a connection of their own. Tests that use it are transactional, so that the attacker sees
    what the app committed and the app sees what the attacker did."""

    def __init__(self, connection) -> None:
        self.connection = connection

    def run_with_triggers_disabled(self, tables: str | list[str], sql: str, params: list | None = None) -> None:
        tables = [tables] if isinstance(tables, str) else tables
        with self.connection.transaction():
            # Deferred foreign-key checks would otherwise block ALTER TABLE in this transaction.
            self.connection.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table in tables:
                self.connection.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER USER')
            self.connection.execute(sql, params or [])
            for table in tables:
                self.connection.execute(f'ALTER TABLE "{table}" ENABLE TRIGGER USER')


@pytest.fixture
def attacker(owner_connection) -> Attacker:
    return Attacker(owner_connection)


# Celery tasks in-process, as the embedded default runs them (the test settings may name a broker).
from tests.reports.conftest import eager_tasks  # noqa: E402, F401
