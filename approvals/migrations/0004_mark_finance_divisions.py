"""Divisions named as the finance division of a Thai local agency usually is (กองคลัง) keep the accounts: they
record spending from now on. Its own migration, after the one that declares the new column's capture trigger,
so that the change is historised with the column, as this migration's doing."""

from django.db import migrations

# The usual name of the finance division of a Thai local agency.
FINANCE_DIVISION = "กองคลัง"


def mark_finance_divisions(apps, schema_editor):
    Division = apps.get_model("approvals", "Division")
    for division in Division.objects.using(schema_editor.connection.alias).filter(
        name=FINANCE_DIVISION, keeps_accounts=False
    ):
        division.keeps_accounts = True
        division.save(update_fields=["keeps_accounts"])


class Migration(migrations.Migration):
    dependencies = [
        ("approvals", "0003_rules_of_authority_refusals_spending"),
    ]

    # Going back drops the column with the migration before: nothing to undo here.
    operations = [migrations.RunPython(mark_finance_divisions, migrations.RunPython.noop)]
