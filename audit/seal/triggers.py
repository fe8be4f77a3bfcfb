"""Installing the seal and append-only triggers (PostgreSQL; SQLite gets only append-only triggers),
idempotent, and finding tables that lack them."""

from __future__ import annotations

import hashlib
from collections import defaultdict

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from audit.seal.encoding import DATE, DATETIME, HEAD_SETTING, LOCK_NAMESPACE, Column
from audit.seal.python_path import seal_rows_in_python
from audit.seal.tables import _instance_table, _layout_id, columns_from_catalog, history_models, links_for

SEAL_TRIGGER = "audit_seal"
APPEND_ONLY_TRIGGER = "audit_append_only"
# Our own tables that are append-only besides the history tables.
LEDGER_TABLES = ("audit_seal", "audit_seallayout", "audit_anchor")


def _sql_text(column: Column) -> str:
    ref = f'NEW."{column.name}"'
    if column.kind == DATETIME:
        return f"to_char({ref} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US')"
    if column.kind == DATE:
        return f"to_char({ref}, 'YYYY-MM-DD')"
    return f"({ref})::text"


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def pg_function_name(prefix: str, table: str) -> str:
    """`prefix` + table, or + a hash of it where that passes PostgreSQL's 63-character limit."""
    name = f"{prefix}{table}"
    if len(name) > 63:
        name = f"{prefix}{hashlib.sha256(table.encode()).hexdigest()[:40]}"
    return name


def _function_name(table: str) -> str:
    return pg_function_name("audit_seal__", table)


def _index_name(table: str) -> str:
    name = f"{table}_audit_prev"
    if len(name) > 63:
        name = f"audit_prev_{hashlib.sha256(table.encode()).hexdigest()[:40]}"
    return name


def seal_function_sql(table: str, layout_id: int, columns: list[Column]) -> str:
    """The trigger function that seals each new row of `table` in the INSERT's own round trip."""
    names = {c.name for c in columns}
    links = links_for(table, names)
    chain = f'coalesce(NEW."{links.chain}", 0)' if links.chain else "0"
    pieces = []
    for column in columns:
        text = _sql_text(column)
        pieces.append(
            f"{_sql_literal(column.name + '=')} || coalesce(length({text})::text || ':' || {text}, '~') || ';'"
        )
    canonical_sql = " || ".join(pieces) or "''"
    if links.via_submission:
        submission_table = _instance_table("approvals.Submission")
        prelude = f'SELECT action_id, division_id INTO a, d FROM "{submission_table}" WHERE id = NEW.submission_id;'
    else:
        action = f'NEW."{links.action}"' if links.action else "NULL"
        division = f'NEW."{links.division}"' if links.division else "NULL"
        prelude = f"a := {action}; d := {division};"
    obj = f'NEW."{links.object}"' if links.object else "NULL"
    user = "NEW.history_user_id" if "history_user_id" in names else "NULL"
    genesis = "'\\x" + "00" * 32 + "'::bytea"
    # The first row a transaction seals on a chain takes the chain's lock and reads its head from
    # audit_seal; the head it writes is kept in a transaction-local setting, which later rows of the
    # same transaction read instead: while the lock is held nobody else appends, and a savepoint rolled
    # back undoes the setting, the lock taken inside it and the seal rows together. That saves a third
    # of the trigger's cost (bench/seal_cost.py). Anything else appending to a chain must clear it.
    return f"""
CREATE OR REPLACE FUNCTION "{_function_name(table)}"() RETURNS trigger LANGUAGE plpgsql AS $seal$
DECLARE
  c bigint := {chain};
  a bigint;
  d bigint;
  head text;
  hseq bigint;
  hseal bytea;
  s bytea;
BEGIN
  {prelude}
  head := current_setting({_sql_literal(HEAD_SETTING)} || c, true);
  IF coalesce(head, '') = '' THEN
    PERFORM pg_advisory_xact_lock({LOCK_NAMESPACE}, (c % 2147483647)::int);
    SELECT h.seq, h.seal INTO hseq, hseal FROM audit_seal h WHERE h.chain = c ORDER BY h.seq DESC LIMIT 1;
  ELSE
    hseq := split_part(head, ':', 1)::bigint;
    hseal := decode(split_part(head, ':', 2), 'hex');
  END IF;
  hseq := coalesce(hseq, 0) + 1;
  s := sha256(coalesce(hseal, {genesis}) || convert_to(
         c::text || {_sql_literal("|" + table + "|")} || hseq::text || '|' || {canonical_sql}, 'UTF8'));
  INSERT INTO audit_seal (chain, seq, layout_id, history_id, object_id, history_type, history_user_id,
                          action_id, division_id, sealed_at, seal)
  VALUES (c, hseq, {layout_id}, NEW.history_id, {obj}, NEW.history_type, {user}, a, d, clock_timestamp(), s);
  PERFORM set_config({_sql_literal(HEAD_SETTING)} || c, hseq::text || ':' || encode(s, 'hex'), true);
  RETURN NULL;
END
$seal$;
""".strip()


APPEND_ONLY_FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $refuse$
BEGIN
  RAISE EXCEPTION 'ประวัติการแก้ไขแก้หรือลบไม่ได้ (% บน %) / history is append-only: % refused on %',
    TG_OP, TG_TABLE_NAME, TG_OP, TG_TABLE_NAME
    USING ERRCODE = '42501';
END
$refuse$;
""".strip()


def _triggers_by_table(connection: BaseDatabaseWrapper) -> dict[str, set[str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE NOT t.tgisinternal AND n.nspname = current_schema()
            """
        )
        found: dict[str, set[str]] = defaultdict(set)
        for table, trigger in cursor.fetchall():
            found[table].add(trigger)
    return found


def _function_sources(connection: BaseDatabaseWrapper) -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.proname, p.prosrc FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = current_schema() AND p.proname LIKE 'audit\\_%%'"
        )
        return dict(cursor.fetchall())


def _unsealed_history_ids(connection: BaseDatabaseWrapper, table: str) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT h.history_id FROM "{table}" h WHERE NOT EXISTS ('
            "SELECT 1 FROM audit_seal s JOIN audit_seallayout l ON l.id = s.layout_id "
            "WHERE l.table_name = %s AND s.history_id = h.history_id) ORDER BY h.history_id",
            [table],
        )
        return [row[0] for row in cursor.fetchall()]


def install(connection: BaseDatabaseWrapper | None = None) -> list[str]:
    """Put the seal and append-only triggers on every history table; returns the tables changed.

    Idempotent: run by the audit migration and after every `migrate` (also for history tables that
    other apps add later). A table getting its seal trigger for the first time has its existing rows
    sealed first, in history order, so that rows written before the trigger existed are covered.
    """
    connection = connection or connections[DEFAULT_DB_ALIAS]
    if connection.vendor == "postgresql":
        return _install_postgresql(connection)
    if connection.vendor == "sqlite":
        return _install_sqlite(connection)
    return []


def _install_postgresql(connection: BaseDatabaseWrapper) -> list[str]:
    changed: list[str] = []
    with transaction.atomic(using=connection.alias):
        tables = columns_from_catalog(connection)
        triggers = _triggers_by_table(connection)
        sources = _function_sources(connection)
        with connection.cursor() as cursor:
            if "audit_refuse_change" not in sources:
                cursor.execute(APPEND_ONLY_FUNCTION_SQL)
            for table in sorted(tables):
                columns = tables[table]
                layout_id = _layout_id(connection, table, columns)
                function_sql = seal_function_sql(table, layout_id, columns)
                function = _function_name(table)
                body = function_sql.split("$seal$")[1]
                if sources.get(function) != body:
                    cursor.execute(function_sql)
                    changed.append(table)
                if SEAL_TRIGGER not in triggers.get(table, set()):
                    _seal_existing_rows(connection, table)
                    cursor.execute(
                        f'CREATE TRIGGER {SEAL_TRIGGER} AFTER INSERT ON "{table}" '
                        f'FOR EACH ROW EXECUTE FUNCTION "{function}"()'
                    )
                    if table not in changed:
                        changed.append(table)
            cursor.execute("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()")
            indexes = {row[0] for row in cursor.fetchall()}
            for table in sorted(tables):
                if "id" in {c.name for c in tables[table]} and _index_name(table) not in indexes:
                    # Pages show each row against the one before it: seek (id, history_id) rather than
                    # read every version of a record with a long history.
                    cursor.execute(f'CREATE INDEX "{_index_name(table)}" ON "{table}" (id, history_id)')
            for table in [*sorted(tables), *LEDGER_TABLES]:
                if APPEND_ONLY_TRIGGER not in triggers.get(table, set()):
                    cursor.execute(
                        f'CREATE TRIGGER {APPEND_ONLY_TRIGGER} BEFORE UPDATE OR DELETE ON "{table}" '
                        "FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()"
                    )
    return changed


def _seal_existing_rows(connection: BaseDatabaseWrapper, table: str) -> None:
    if table not in history_models():
        return
    unsealed = _unsealed_history_ids(connection, table)
    if unsealed:
        seal_rows_in_python(connection, table, unsealed)


def _install_sqlite(connection: BaseDatabaseWrapper) -> list[str]:
    """SQLite: seals come from Python; triggers only make the tables append-only."""
    changed = []
    tables = [*history_models(), *LEDGER_TABLES]
    existing = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        for table in tables:
            if table not in existing:
                continue
            for operation in ("UPDATE", "DELETE"):
                cursor.execute(
                    f'CREATE TRIGGER IF NOT EXISTS "{APPEND_ONLY_TRIGGER}_{operation.lower()}_{table}" '
                    f'BEFORE {operation} ON "{table}" BEGIN '
                    f"SELECT RAISE(ABORT, 'history is append-only: {operation} refused on {table}'); END"
                )
            changed.append(table)
    return changed


def tables_missing_triggers(connection: BaseDatabaseWrapper | None = None) -> dict[str, set[str]]:
    """History and ledger tables without the seal or append-only trigger, and historised tables without
    the trigger that writes their history (PostgreSQL)."""
    from audit.capture import CAPTURE_TRIGGER, captured_models

    connection = connection or connections[DEFAULT_DB_ALIAS]
    triggers = _triggers_by_table(connection)
    missing: dict[str, set[str]] = {}
    for table in history_models():
        lacking = {SEAL_TRIGGER, APPEND_ONLY_TRIGGER} - triggers.get(table, set())
        if lacking:
            missing[table] = lacking
    for table in LEDGER_TABLES:
        if APPEND_ONLY_TRIGGER not in triggers.get(table, set()):
            missing[table] = {APPEND_ONLY_TRIGGER}
    for captured in captured_models().values():
        if CAPTURE_TRIGGER not in triggers.get(captured.table, set()):
            missing[captured.table] = {CAPTURE_TRIGGER}
    return missing
