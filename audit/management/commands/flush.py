"""`flush` erases every table, the audit trail included: refused except on a test database.

Django's test runner flushes the database after each transactional test; that test database is the only
place where emptying history is right. There it runs as the owner role, which may set aside the triggers
that refuse TRUNCATE on history and ledger tables, for the flush's own transaction only. The seal layouts
stay: like the tables themselves they come from the migrations, which do not run again after a flush.
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
        with roles.as_owner(connection):
            quote = connection.ops.quote_name
            protected = [table for table in roles.append_only_tables(connection) if table not in KEPT]
            tables = set(connection.introspection.django_table_names(only_existing=True, include_views=False))
            statements = connection.ops.sql_flush(
                no_style(),
                sorted(tables - KEPT),
                reset_sequences=options.get("reset_sequences", True),
                allow_cascade=options.get("allow_cascade", False),
            )
            with transaction.atomic(using=database), connection.cursor() as cursor:
                for table in protected:
                    cursor.execute(f"ALTER TABLE {quote(table)} DISABLE TRIGGER USER")
                for statement in statements:
                    cursor.execute(statement)
                for table in protected:
                    cursor.execute(f"ALTER TABLE {quote(table)} ENABLE TRIGGER USER")
            if statements and not options.get("inhibit_post_migrate", False):
                emit_post_migrate_signal(options["verbosity"], options["interactive"], database)
