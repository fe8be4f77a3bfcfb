"""The web and worker processes refuse to start without the audit triggers.

Not a Django system check: those also run inside `migrate`, which is what installs the triggers. The web
application (config/wsgi.py) and the Celery worker (config/celery.py) call `require_triggers()` once, when
they start.
"""

from __future__ import annotations

import pgtrigger
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections


def missing_triggers(using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Each declared trigger that the database lacks, has in another version, or has disabled."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, t.tgname, obj_description(t.oid, 'pg_trigger'), t.tgenabled "
            "FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE NOT t.tgisinternal AND n.nspname = current_schema()"
        )
        installed = {(table, name): (digest, enabled) for table, name, digest, enabled in cursor.fetchall()}
    problems = []
    for model, trigger in pgtrigger.registered():
        compiled = trigger.compile(model)
        found = installed.get((model._meta.db_table, compiled.sql.pgid))
        if found is None:
            problems.append(f"{model._meta.db_table}: {trigger.name} is missing")
        elif found[0] != compiled.hash:
            problems.append(f"{model._meta.db_table}: {trigger.name} is not the version the models declare")
        elif found[1] == "D":
            problems.append(f"{model._meta.db_table}: {trigger.name} is disabled")
    return problems


def require_triggers(using: str = DEFAULT_DB_ALIAS) -> None:
    problems = missing_triggers(using)
    if problems:
        raise ImproperlyConfigured(
            "ฐานข้อมูลไม่มีทริกเกอร์ของร่องรอยการตรวจสอบครบ: รัน `manage.py migrate` ก่อน / "
            "The database lacks audit triggers; run `manage.py migrate` first: " + "; ".join(problems)
        )
