"""Processes keep their agency and action in their data, where the capture triggers of viewflow's process
and task tables read them (audit.history.PROCESS_LINKS). Processes started before get them here."""

from django.db import migrations


def add_links(apps, schema_editor):
    ActionProcess = apps.get_model("workflows", "ActionProcess")
    alias = schema_editor.connection.alias
    for process in ActionProcess.objects.using(alias).select_related("action").exclude(data__has_key="agency_id"):
        process.data = {**(process.data or {}), "agency_id": process.action.agency_id, "action_id": process.action_id}
        process.save(update_fields=["data"])


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0001_action_process"),
        ("audit", "0004_history_context_and_declared_triggers"),
    ]

    operations = [migrations.RunPython(add_links, migrations.RunPython.noop)]
