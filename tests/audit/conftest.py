"""Helpers of the audit tests: an attacker with database access, and a fresh seal reader."""

from __future__ import annotations

import pytest
from django.db import connection


class Attacker:
    """Someone with superuser access to the database, who switches the triggers off to tamper."""

    def run_as_replica(self, sql: str, params: list | None = None) -> None:
        # session_replication_role = replica skips ordinary triggers, the append-only one included.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute(sql, params or [])
            cursor.execute("SET LOCAL session_replication_role = origin")

    def run_with_triggers_disabled(self, table: str, sql: str, params: list | None = None) -> None:
        with connection.cursor() as cursor:
            # Deferred foreign-key checks would otherwise block ALTER TABLE in this transaction.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER USER')
            cursor.execute(sql, params or [])
            cursor.execute(f'ALTER TABLE "{table}" ENABLE TRIGGER USER')
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


@pytest.fixture
def attacker() -> Attacker:
    return Attacker()


# Celery tasks in-process, as the embedded default runs them (the test settings may name a broker).
from tests.reports.conftest import eager_tasks  # noqa: E402, F401
