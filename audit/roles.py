"""The two database roles (บทบาทในฐานข้อมูล): the owner of the tables, and the app.

The app (web, worker, beat) connects with DATABASE_URL as a role that owns no table and is no superuser:
it cannot disable a trigger, change `session_replication_role`, truncate a table or change a history row,
so the audit triggers hold whatever the app's code does. Migrations, which create the tables and their
triggers, run as the owner named by DATABASE_OWNER_URL (the `migrate` command of the audit app switches
to it), and then grant the app role what it needs. Without DATABASE_OWNER_URL both are one role, which
is what an installation made before this split keeps until it is configured.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import dj_database_url
from django.conf import settings
from django.db.backends.base.base import BaseDatabaseWrapper

from audit.seal.tables import history_models

# The audit trail's own tables, append-only like the history tables (redactions: audit/personal.py).
LEDGER_TABLES = ("audit_seal", "audit_seallayout", "audit_anchor", "audit_redaction")


def owner_credentials() -> dict[str, str] | None:
    """USER and PASSWORD of the owner role, or None when no owner is configured."""
    url = getattr(settings, "DATABASE_OWNER_URL", "")
    if not url:
        return None
    parsed = dj_database_url.parse(url)
    return {"USER": parsed.get("USER", ""), "PASSWORD": parsed.get("PASSWORD", "")}


@contextlib.contextmanager
def as_owner(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """Connect as the owner role for the block (same server and database), then as before again."""
    owner = owner_credentials()
    if owner is None or owner["USER"] == connection.settings_dict.get("USER"):
        yield
        return
    saved = {key: connection.settings_dict.get(key, "") for key in owner}
    connection.close()
    connection.settings_dict.update(owner)
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.update(saved)


def app_role() -> str | None:
    """The role the app connects as, when an owner other than it is configured."""
    owner = owner_credentials()
    user = settings.DATABASE_APP_ROLE
    if owner is None or not user or user == owner["USER"]:
        return None
    return user


def append_only_tables(connection: BaseDatabaseWrapper) -> list[str]:
    """The history and ledger tables that exist in the database."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename = ANY(%s) "
            "ORDER BY tablename",
            [[*history_models(), *LEDGER_TABLES]],
        )
        return [row[0] for row in cursor.fetchall()]


def grant_app_role(connection: BaseDatabaseWrapper, role: str) -> None:
    """Give the app role the rows of every table and nothing more: no TRUNCATE, no ownership, and no
    UPDATE or DELETE on history and ledger tables (their triggers refuse those anyway)."""
    quote = connection.ops.quote_name
    append_only = append_only_tables(connection)
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        schema = quote(cursor.fetchone()[0])
        cursor.execute(f"GRANT USAGE ON SCHEMA {schema} TO {quote(role)}")
        cursor.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {quote(role)}")
        cursor.execute(f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {schema} TO {quote(role)}")
        for table in append_only:
            cursor.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {quote(table)} FROM {quote(role)}")
