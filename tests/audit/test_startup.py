"""The web application and the Celery worker refuse to start without the audit triggers; migrate records
each migration's own changes as that migration's."""

from __future__ import annotations

import contextlib
import importlib

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.db.migrations import Migration

from audit import context, roles
from audit.management.commands.migrate import Command as Migrate
from audit.startup import missing_triggers, require_triggers

pytestmark = pytest.mark.django_db(transaction=True)


class RollBack(Exception):
    pass


def capture_trigger_of_divisions() -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'approvals_division'::regclass "
            "AND tgname LIKE 'pgtrigger_audit_capture_%%'"
        )
        return cursor.fetchone()[0]


def test_a_migrated_database_has_every_declared_trigger():
    assert missing_triggers() == []


@pytest.mark.parametrize(
    "change", ["DROP TRIGGER {name} ON approvals_division", "ALTER TABLE approvals_division DISABLE TRIGGER {name}"]
)
def test_the_web_app_and_the_worker_refuse_to_start_without_a_trigger(change):
    from config import celery

    name = capture_trigger_of_divisions()
    problems = {}
    with pytest.raises(RollBack), roles.as_owner(connection), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(change.format(name=name))
        problems["listed"] = missing_triggers()
        for starting, start in {
            "web": lambda: importlib.reload(importlib.import_module("config.wsgi")),
            "worker": celery.refuse_to_work_without_audit_triggers,
        }.items():
            try:
                start()
            except ImproperlyConfigured as refusal:
                problems[starting] = str(refusal)
        raise RollBack

    assert len(problems["listed"]) == 1 and problems["listed"][0].startswith("approvals_division: audit_capture")
    assert "manage.py migrate" in problems["web"] and "approvals_division" in problems["web"]
    assert "manage.py migrate" in problems["worker"]
    require_triggers()  # and after the roll back, they start again


def test_each_migration_runs_in_a_context_of_its_own():
    command = Migrate()
    seen = []
    command.verbosity = 0
    command._migration_context = contextlib.ExitStack()
    migration = Migration("0002_process_data_links", "workflows")

    command.migration_progress_callback("apply_start", migration)
    seen.append(dict(context.current().source))
    command.migration_progress_callback("apply_success", migration)
    seen.append(context.current().source["name"])

    assert seen[0]["kind"] == "migration" and seen[0]["name"] == "workflows.0002_process_data_links"
    assert seen[1] == "pytest"  # the context of the test itself, once the migration is done
