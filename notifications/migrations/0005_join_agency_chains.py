"""Notifications, deliveries and preferences written before they had an agency get their person's agency, so
that their history goes to that agency's hash chain instead of the global one (the one lock order of
docs/audit.md: nothing of an agency is sealed into chain 0). The capture triggers record each change, as
this migration's doing. Outbox rows published before rows were marked done count as done (their tasks ran
under the old rule), and get their task id."""

import uuid

from django.db import migrations


def join_agency_chains(apps, schema_editor):
    alias = schema_editor.connection.alias
    Notification = apps.get_model("notifications", "Notification")
    Delivery = apps.get_model("notifications", "Delivery")
    Preference = apps.get_model("notifications", "Preference")
    OutboxMessage = apps.get_model("notifications", "OutboxMessage")
    notifications = Notification.objects.using(alias).filter(agency__isnull=True, recipient__agency__isnull=False)
    for notification in notifications.select_related("recipient"):
        notification.agency_id = notification.recipient.agency_id
        notification.save(update_fields=["agency"])
    for delivery in Delivery.objects.using(alias).filter(agency__isnull=True).select_related("notification__recipient"):
        delivery.agency_id = delivery.notification.agency_id or delivery.notification.recipient.agency_id
        if delivery.agency_id is not None:
            delivery.save(update_fields=["agency"])
    for preference in (
        Preference.objects.using(alias).filter(agency__isnull=True, user__agency__isnull=False).select_related("user")
    ):
        preference.agency_id = preference.user.agency_id
        preference.save(update_fields=["agency"])
    for message in OutboxMessage.objects.using(alias).filter(task_id=""):
        message.task_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"khunatham:outbox:{message.key}"))
        if message.published_at is not None:
            message.completed_at = message.published_at
        message.save(update_fields=["task_id", "completed_at"])


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0004_outbox_done_and_agency_chains"),
    ]

    # Going back keeps the values: the columns they live in are dropped by the migration before.
    operations = [migrations.RunPython(join_agency_chains, migrations.RunPython.noop)]
