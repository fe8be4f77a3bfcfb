"""A migration that adds a field to a historised model keeps history writing and verification working.

The procedure of docs/audit.md, done for real: the autodetector (with django-pgtrigger's additions, as
`makemigrations` runs it) is given the project's state with one field more on a historised model and on its
history model, and writes the operations; the test applies them as the tables' owner, writes through the new
column, verifies every chain, and rolls it all back (PostgreSQL undoes DDL with the transaction)."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.management.commands.makemigrations import Command as MakeMigrations
from django.db import connection, models, transaction
from django.db.migrations import Migration
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.questioner import NonInteractiveMigrationQuestioner
from django.db.migrations.state import ProjectState
from pgtrigger.migrations import AddTrigger, RemoveTrigger

from approvals.models import Division
from audit import context, roles, seal
from audit.models import Seal, SealLayout
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


class RollBack(Exception):
    pass


def migration_adding_a_phone_to_divisions() -> tuple[Migration, object]:
    loader = MigrationLoader(connection)
    before = loader.project_state()
    # As makemigrations does: the models as they are (their triggers declared, not yet compiled), plus the field.
    after = ProjectState.from_apps(apps)
    for model_name in ("division", "historicaldivision"):
        after.add_field("approvals", model_name, "phone", models.CharField(max_length=20, null=True, blank=True), True)
    autodetector = MakeMigrations.autodetector(before, after, NonInteractiveMigrationQuestioner())
    changes = autodetector.changes(graph=loader.graph, trim_to_apps={"approvals"})
    migration = changes["approvals"][0]
    return migration, before


def test_the_autodetector_replaces_the_capture_and_seal_triggers_of_a_model_that_gains_a_field():
    migration, _state = migration_adding_a_phone_to_divisions()

    changed = sorted(
        (type(op).__name__, op.model_name, getattr(op, "name", "") or op.trigger.name)
        for op in migration.operations
        if isinstance(op, AddTrigger | RemoveTrigger)
    )
    assert changed == [
        ("AddTrigger", "division", "audit_capture"),
        ("AddTrigger", "historicaldivision", "audit_seal"),
        ("RemoveTrigger", "division", "audit_capture"),
        ("RemoveTrigger", "historicaldivision", "audit_seal"),
    ]


def test_history_is_written_and_verifies_after_a_field_is_added(agency):
    division = factories.DivisionFactory(agency=agency, name="กองคลัง")
    migration, state = migration_adding_a_phone_to_divisions()
    layouts_before = SealLayout.objects.count()

    with pytest.raises(RollBack), roles.as_owner(connection), transaction.atomic():
        with connection.schema_editor(atomic=False) as editor:
            migration.apply(state, editor)
        with context.acting(by=None, reason="เพิ่มเบอร์โทร"), connection.cursor() as cursor:
            cursor.execute("UPDATE approvals_division SET phone = '053-123456' WHERE id = %s", [division.pk])
            cursor.execute(
                "SELECT phone, history_change_reason FROM approvals_historicaldivision WHERE id = %s "
                "ORDER BY history_id DESC LIMIT 1",
                [division.pk],
            )
            newest = cursor.fetchone()
        report = seal.verify(chain=agency.pk)
        seals = Seal.objects.filter(chain=agency.pk).order_by("seq")
        layouts = (seals.first().layout_id, seals.last().layout_id)
        outcome = (newest, report.issues, SealLayout.objects.count() - layouts_before, layouts)
        raise RollBack

    (phone, reason), issues, new_layouts, (first_layout, newest_layout) = outcome
    assert (phone, reason) == ("053-123456", "เพิ่มเบอร์โทร")
    # The rows sealed before the field came still verify, with their own layout; the new ones with the new.
    assert issues == []
    assert new_layouts == 1 and first_layout != newest_layout
    assert seal.verify(chain=agency.pk).issues == []  # and all is as it was after the roll back
    assert not any(f.name == "phone" for f in Division._meta.fields)
