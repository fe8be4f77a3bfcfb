"""Seal every history row into its agency's hash chain and make history append-only (PostgreSQL
triggers; SQLite gets the append-only triggers and seals from Python). `audit.apps` runs the same
idempotent installer after every `migrate`, for history tables added later by other apps."""

from django.db import migrations


def install(apps, schema_editor):
    from audit import seal

    seal.install(schema_editor.connection)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from audit import seal

    with schema_editor.connection.cursor() as cursor:
        for table in seal.columns_from_catalog(schema_editor.connection):
            cursor.execute(f'DROP TRIGGER IF EXISTS {seal.SEAL_TRIGGER} ON "{table}"')
            cursor.execute(f'DROP TRIGGER IF EXISTS {seal.APPEND_ONLY_TRIGGER} ON "{table}"')
        for table in seal.LEDGER_TABLES:
            cursor.execute(f'DROP TRIGGER IF EXISTS {seal.APPEND_ONLY_TRIGGER} ON "{table}"')


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_ledger_findings_workflow_history"),
        ("approvals", "0001_initial_domain"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
