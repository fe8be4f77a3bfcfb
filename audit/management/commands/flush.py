"""`flush` erases every table, the audit trail included: refused except on a test database.

Django's test runner flushes the database after each transactional test; that test database is the only
place where emptying history is right. There it runs as the owner role, which may set aside the triggers
that refuse TRUNCATE on history and ledger tables, for the flush's own transaction only. The seal layouts
stay: like the tables themselves they come from the migrations, which do not run again after a flush.

The test runner's flush (which keeps the sequences) deletes the rows instead of truncating the tables: a
TRUNCATE of the hundred-odd tables gives each table, index and TOAST table a new file and syncs them all at
commit: 4.7-5.2 s a flush on the 2-core machine (measured while other test runs shared it), against 0.2 s
for deleting the few hundred rows a test leaves. Every user trigger is off for that transaction (the capture
triggers would otherwise record the deletions as history), and the foreign keys, all DEFERRABLE INITIALLY
DEFERRED as Django creates them, are checked once at the end, when every table is empty. A flush that resets
the sequences (`manage.py flush`) truncates as before, with RESTART IDENTITY.
"""

from __future__ import annotations

from django.core.management.base import CommandError
from django.core.management.color import no_style
from django.core.management.commands import flush
from django.core.management.sql import emit_post_migrate_signal
from django.db import connections, transaction

from audit import roles

KEPT = {"audit_seallayout"}


class Command(flush.Command):
    def handle(self, **options):
        database = options["database"]
        connection = connections[database]
        name = connection.settings_dict["NAME"] or ""
        if not name.startswith("test_"):
            raise CommandError(
                "flush ลบประวัติการแก้ไขทั้งหมด จึงใช้ได้กับฐานข้อมูลทดสอบเท่านั้น / "
                "flush would erase the audit trail; it runs only on a test database (named test_...)."
            )
        reset_sequences = options.get("reset_sequences", True)
        with roles.as_owner(connection):
            quote = connection.ops.quote_name
            tables = sorted(
                set(connection.introspection.django_table_names(only_existing=True, include_views=False)) - KEPT
            )
            if reset_sequences:
                # TRUNCATE ... RESTART IDENTITY: only the append-only tables' triggers refuse it.
                set_aside = [table for table in roles.append_only_tables(connection) if table not in KEPT]
                statements = connection.ops.sql_flush(
                    no_style(), tables, reset_sequences=True, allow_cascade=options.get("allow_cascade", False)
                )
            else:
                # DELETE fires the row triggers of every table: capture, seal and append-only alike.
                set_aside = tables
                statements = [f"DELETE FROM {quote(table)}" for table in tables]
            with transaction.atomic(using=database), connection.cursor() as cursor:
                for table in set_aside:
                    cursor.execute(f"ALTER TABLE {quote(table)} DISABLE TRIGGER USER")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
                for statement in statements:
                    cursor.execute(statement)
                # The deferred foreign-key checks run now, before ALTER TABLE, which refuses a table with
                # pending trigger events.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                for table in set_aside:
                    cursor.execute(f"ALTER TABLE {quote(table)} ENABLE TRIGGER USER")
            if statements and not options.get("inhibit_post_migrate", False):
                emit_post_migrate_signal(options["verbosity"], options["interactive"], database)
