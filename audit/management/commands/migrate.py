"""`migrate`, as the owner role, recording each migration's own changes as that migration's.

Django's `migrate` with three additions (audit/roles.py, audit/context.py):
- it connects as the owner of the tables (DATABASE_OWNER_URL) when one is configured, and afterwards grants
  the app's role what it needs on every table;
- each migration runs in a `migration` acting context, so that rows a data migration writes are recorded,
  by the capture triggers, as that migration's doing;
- the audit triggers are part of the migrations (django-pgtrigger): nothing is installed after them.
"""

from __future__ import annotations

import contextlib

from django.core.management.commands import migrate
from django.db import connections

from audit import context, roles


class Command(migrate.Command):
    def handle(self, *args, **options):
        connection = connections[options["database"]]
        app = roles.app_role()
        self._migration_context = contextlib.ExitStack()
        with roles.as_owner(connection), self._migration_context:
            super().handle(*args, **options)
            if app is not None:
                roles.grant_app_role(connection, app)

    def migration_progress_callback(self, action, migration=None, fake=False):
        if action in ("apply_start", "unapply_start"):
            self._migration_context.enter_context(context.migration(f"{migration.app_label}.{migration.name}"))
        elif action in ("apply_success", "unapply_success"):
            self._migration_context.close()
        super().migration_progress_callback(action, migration, fake)
