"""History rows written by PostgreSQL itself, in the round trip of the change they record.

simple-history writes a history row from Python after each save: a second INSERT, a second round trip
and a model save's worth of Python. With the seal trigger on top, a historised save cost 2.5-3x a plain
save (bench/seal_cost.py), against a target of 2.0x. On PostgreSQL the database now writes the row:

- `install` puts a row trigger (`audit_capture`, AFTER INSERT, UPDATE or DELETE) on the table of every
  historised model. It copies the new row (the old one for a delete) into the model's simple-history
  table, which the seal trigger then seals, all inside the statement that made the change. Changes that
  bypass the ORM (QuerySet.update, raw SQL) are historised too.
- Who and why: a `pre_save`/`pre_delete` receiver works out what simple-history would have recorded (the
  history user, the change reason and date, our defaults from `acting_as`, a workflow row's agency and
  action) and `send_with_the_change`, an execute wrapper on every connection, puts them in front of the
  save's own write statement: `SELECT set_config('khunatham.history', <json>, true); UPDATE ...`. The
  setting is local to the transaction, so it never outlives the change's transaction; a later write in
  the same transaction that did not go through a save (a QuerySet.update) is recorded with the same
  person and reason.
- simple-history's own writer is switched off on PostgreSQL (`SIMPLE_HISTORY_ENABLED` in settings) and
  stays the writer elsewhere (SQLite, the embedded default). Reading history is unchanged: the rows are
  the same rows in the same tables.

This is what simple-history does, written again as SQL, for one reason: the benchmark target. The
history models, their managers and every page that reads them still come from simple-history.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone
from simple_history.models import HistoricalRecords

from audit.seal.triggers import _function_sources, _triggers_by_table, pg_function_name

CAPTURE_TRIGGER = "audit_capture"
SETTING = "khunatham.history"
_PREFIX = f"SELECT set_config('{SETTING}', %s, true); "
_WRITE_VERBS = ("INSERT INTO ", "UPDATE ", "DELETE FROM ")


@dataclass(frozen=True)
class Captured:
    """A historised model's table and the simple-history table its rows are copied into."""

    table: str
    history_table: str
    history_model: type

    def _columns(self) -> tuple[set[str], set[str]]:
        from audit.seal.tables import HISTORY_MARKER_COLUMNS

        own = {f.column for f in self.history_model.instance_type._meta.concrete_fields}
        history = {f.column for f in self.history_model._meta.concrete_fields}
        return own, history - HISTORY_MARKER_COLUMNS - {"history_user_id"}

    @property
    def copied(self) -> list[str]:
        """The columns a history row copies from the record (all but those simple-history leaves out)."""
        own, history = self._columns()
        return sorted(history & own)

    @property
    def extras(self) -> list[models.Field]:
        """The history's own columns beyond the record's (a workflow row's agency and action)."""
        own, history = self._columns()
        fields = self.history_model._meta.concrete_fields
        return sorted((f for f in fields if f.column in history - own), key=lambda f: f.column)


@cache
def captured_models() -> dict[type, Captured]:
    """Every model whose rows are historised, by model class."""
    from audit.seal.tables import history_models

    return {
        history_model.instance_type: Captured(
            table=history_model.instance_type._meta.db_table,
            history_table=table,
            history_model=history_model,
        )
        for table, history_model in history_models().items()
    }


@cache
def _tables_written_by(model: type) -> tuple[frozenset[str], tuple[Captured, ...]]:
    """The tables a save of `model` writes (its own and its parents'), and which of them are historised."""
    concrete = model._meta.concrete_model
    chain = [concrete, *concrete._meta.get_parent_list()]
    captured = tuple(captured_models()[m] for m in chain if m in captured_models())
    if not captured:
        return frozenset(), ()
    return frozenset(m._meta.db_table for m in chain), captured


# ---------------------------------------------------------------------------------------------
# Python side: who and why, sent with the write


@dataclass(frozen=True)
class _Pending:
    tables: frozenset[str]
    context: str


_PENDING_ATTRIBUTE = "audit_history_context"


def _history_user_id(instance: Any) -> Any:
    """Who, the way simple-history's `get_history_user` decides: the instance's `_history_user` if
    set (even to None), otherwise the signed-in person of the current request."""
    try:
        user = instance._history_user
    except AttributeError:
        user = None
        request = getattr(HistoricalRecords.context, "request", None)
        if request is not None and getattr(request.user, "is_authenticated", False):
            user = request.user
    if user is None:
        return None
    if user is instance and user.pk is None:
        return "self"  # an account's creation names itself: the trigger takes the new row's id
    return user.pk


def history_context(instance: Any, captured: tuple[Captured, ...]) -> dict[str, Any]:
    """What the history row of this save or delete records besides the row itself."""
    from audit.history import WorkflowHistoryLinks, default_who_and_why, workflow_links

    if hasattr(instance, "skip_history_when_saving"):
        return {"s": 1}
    user_id, reason = default_who_and_why(_history_user_id(instance), getattr(instance, "_change_reason", None))
    context: dict[str, Any] = {
        "u": user_id,
        "r": reason,
        "d": getattr(instance, "_history_date", None) or timezone.now(),
    }
    if any(issubclass(c.history_model, WorkflowHistoryLinks) for c in captured):
        agency_id, action_id = workflow_links(instance)
        context["x"] = {"agency_id": agency_id, "action_id": action_id}
    return context


def remember_who_and_why(sender, instance, using=None, raw=False, **kwargs) -> None:
    """pre_save and pre_delete receiver: keep the history context for the write that follows."""
    tables, captured = _tables_written_by(type(instance))
    if not captured:
        return
    alias = using or router.db_for_write(type(instance), instance=instance)
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return
    # simple-history records nothing for fixtures loaded raw; neither do we.
    context = {"s": 1} if raw else history_context(instance, captured)
    setattr(connection, _PENDING_ATTRIBUTE, _Pending(tables, json.dumps(context, default=str)))


def _is_write_to(sql: str, tables: frozenset[str]) -> bool:
    head = sql.lstrip()[:160]
    if not head.startswith(_WRITE_VERBS):
        return False
    return any(f'"{table}"' in head for table in tables)


def send_with_the_change(execute, sql, params, many, context):
    """Execute wrapper: the pending history context goes in front of the save's own write statement,
    in the same round trip."""
    connection = context["connection"]
    pending = getattr(connection, _PENDING_ATTRIBUTE, None)
    if pending is None or many or not _is_write_to(sql, pending.tables):
        return execute(sql, params, many, context)
    setattr(connection, _PENDING_ATTRIBUTE, None)
    if params is None:
        sql, params = sql.replace("%", "%%"), ()
    result = execute(_PREFIX + sql, (pending.context, *params), many, context)
    # The cursor now holds set_config's result; the caller wants the write's (row count, RETURNING).
    context["cursor"].cursor.nextset()
    return result


def attach_to_connection(sender, connection: BaseDatabaseWrapper, **kwargs) -> None:
    """connection_created receiver: every PostgreSQL connection sends history context with its writes."""
    if connection.vendor == "postgresql" and send_with_the_change not in connection.execute_wrappers:
        # First in the list: `connection.execute_wrapper()` blocks pop the last wrapper when they end, and
        # a connection opened inside such a block must keep ours.
        connection.execute_wrappers.insert(0, send_with_the_change)


def pause_during_migrate(connection: BaseDatabaseWrapper) -> None:
    """`migrate` writes no history, as with simple-history (whose writer never ran in migrations): the
    migrating connection tells the triggers to skip, for its whole session. Besides, a data migration
    running after a column was dropped would otherwise hit a capture function that still copies it."""
    _set_for_the_session(connection, '{"s": 1}')


def resume_after_migrate(connection: BaseDatabaseWrapper) -> None:
    _set_for_the_session(connection, "")


def _set_for_the_session(connection: BaseDatabaseWrapper, value: str) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, %s, false)", [SETTING, value])


# ---------------------------------------------------------------------------------------------
# Database side: the triggers


def _function_name(table: str) -> str:
    return pg_function_name("audit_capture__", table)


def capture_function_sql(captured: Captured, connection: BaseDatabaseWrapper) -> str:
    """The trigger function copying a row of `captured.table` into its history table."""
    copied, extras = captured.copied, captured.extras
    user = "(ctx->>'u')::bigint"
    if "id" in copied:
        user = f"CASE WHEN ctx->>'u' = 'self' THEN r.\"id\"::bigint ELSE {user} END"
    names = [*copied, "history_date", "history_type", "history_user_id", "history_change_reason"]
    names += [f.column for f in extras]
    values = [
        *(f'r."{name}"' for name in copied),
        "coalesce((ctx->>'d')::timestamptz, clock_timestamp())",
        "kind",
        user,
        "ctx->>'r'",
        *(f"(ctx->'x'->>'{f.column}')::{f.db_type(connection)}" for f in extras),
    ]
    return f"""
CREATE OR REPLACE FUNCTION "{_function_name(captured.table)}"() RETURNS trigger LANGUAGE plpgsql AS $capture$
DECLARE
  ctx jsonb := nullif(current_setting('{SETTING}', true), '')::jsonb;
  r "{captured.table}"%ROWTYPE;
  kind varchar(1);
BEGIN
  IF ctx ? 's' THEN
    RETURN NULL;
  END IF;
  IF TG_OP = 'DELETE' THEN
    r := OLD; kind := '-';
  ELSIF TG_OP = 'INSERT' THEN
    r := NEW; kind := '+';
  ELSE
    r := NEW; kind := '~';
  END IF;
  INSERT INTO "{captured.history_table}" ({", ".join(f'"{n}"' for n in names)})
  VALUES ({", ".join(values)});
  RETURN NULL;
END
$capture$;
""".strip()


def install(connection: BaseDatabaseWrapper | None = None) -> list[str]:
    """Put the capture trigger on the table of every historised model (PostgreSQL); returns the tables
    changed. Idempotent, run after every `migrate` with the seal triggers."""
    connection = connection or connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "postgresql":
        return []

    changed: list[str] = []
    with transaction.atomic(using=connection.alias):
        existing = set(connection.introspection.table_names())
        sources = _function_sources(connection)
        triggers = _triggers_by_table(connection)
        with connection.cursor() as cursor:
            for captured in sorted(captured_models().values(), key=lambda c: c.table):
                if captured.table not in existing or captured.history_table not in existing:
                    continue  # not migrated yet
                function_sql = capture_function_sql(captured, connection)
                function = _function_name(captured.table)
                if sources.get(function) != function_sql.split("$capture$")[1]:
                    cursor.execute(function_sql)
                    changed.append(captured.table)
                if CAPTURE_TRIGGER not in triggers.get(captured.table, set()):
                    cursor.execute(
                        f'CREATE TRIGGER {CAPTURE_TRIGGER} AFTER INSERT OR UPDATE OR DELETE ON "{captured.table}" '
                        f'FOR EACH ROW EXECUTE FUNCTION "{function}"()'
                    )
                    if captured.table not in changed:
                        changed.append(captured.table)
    return changed
