# Squashed from 0001_ledger_findings_workflow_history and 0002_install_seal_triggers (2026-11-29).
#
# Why: 0002 ran the run-time trigger installer (Python that generated the seal and append-only triggers),
# which went away when the triggers became declared on the models and installed by the migrations that
# django-pgtrigger writes (see 0003 and audit/triggers.py). A database made before keeps both recorded
# as applied and skips this squash; a new database runs it, with no installer step.

import django.core.serializers.json
import django.db.models.deletion
import django.utils.timezone
import simple_history.models
import viewflow.workflow.fields
import viewflow.workflow.token
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    replaces = [
        ("audit", "0001_ledger_findings_workflow_history"),
        ("audit", "0002_install_seal_triggers"),
    ]

    initial = True

    dependencies = [
        ("approvals", "0001_initial_domain"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("viewflow", "0015_task_scheduled"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="SealLayout",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("table_name", models.CharField(max_length=100, verbose_name="table")),
                ("columns", models.JSONField(verbose_name="columns")),
                ("signature", models.CharField(max_length=64, unique=True, verbose_name="signature")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="created at")),
            ],
            options={
                "verbose_name": "seal layout",
                "verbose_name_plural": "seal layouts",
                "ordering": ["table_name", "id"],
            },
        ),
        migrations.CreateModel(
            name="Anchor",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("chain", models.BigIntegerField(verbose_name="chain")),
                ("seq", models.BigIntegerField(verbose_name="sequence")),
                ("seal", models.BinaryField(verbose_name="seal")),
                ("anchored_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="anchored at")),
            ],
            options={
                "verbose_name": "anchor",
                "verbose_name_plural": "anchors",
                "ordering": ["chain", "-seq"],
                "indexes": [models.Index(fields=["chain", "-seq"], name="anchor_chain_seq")],
            },
        ),
        migrations.CreateModel(
            name="HistoricalFinding",
            fields=[
                ("id", models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name="ID")),
                ("rule", models.CharField(max_length=50, verbose_name="rule")),
                (
                    "severity",
                    models.CharField(
                        choices=[("low", "Low"), ("medium", "Medium"), ("high", "High"), ("critical", "Critical")],
                        max_length=10,
                        verbose_name="severity",
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[("open", "Open"), ("reviewed", "Reviewed")],
                        default="open",
                        max_length=10,
                        verbose_name="status",
                    ),
                ),
                ("summary", models.CharField(max_length=500, verbose_name="summary")),
                (
                    "evidence",
                    models.JSONField(
                        default=dict, encoder=django.core.serializers.json.DjangoJSONEncoder, verbose_name="evidence"
                    ),
                ),
                ("fingerprint", models.CharField(db_index=True, max_length=64, verbose_name="fingerprint")),
                ("detected_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="detected at")),
                ("reviewed_at", models.DateTimeField(blank=True, null=True, verbose_name="reviewed at")),
                ("review_note", models.TextField(blank=True, verbose_name="review note")),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.TextField(null=True)),
                (
                    "history_type",
                    models.CharField(choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1),
                ),
                (
                    "action",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="approvals.action",
                        verbose_name="action",
                    ),
                ),
                (
                    "agency",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="approvals.agency",
                        verbose_name="agency",
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "reviewed_by",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="reviewed by",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical finding",
                "verbose_name_plural": "historical findings",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalProcess",
            fields=[
                ("id", models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name="ID")),
                ("flow_class", viewflow.workflow.fields.FlowReferenceField(max_length=250, verbose_name="Flow")),
                (
                    "status",
                    models.CharField(
                        choices=[("CANCELED", "Canceled"), ("DONE", "Done"), ("NEW", "New")],
                        default="NEW",
                        max_length=50,
                        verbose_name="Status",
                    ),
                ),
                ("created", models.DateTimeField(default=django.utils.timezone.now, verbose_name="Created")),
                ("finished", models.DateTimeField(blank=True, null=True, verbose_name="Finished")),
                ("data", models.JSONField(blank=True, default=dict)),
                ("seed_object_id", models.PositiveIntegerField(blank=True, null=True)),
                ("artifact_object_id", models.PositiveIntegerField(blank=True, null=True)),
                ("agency_id", models.BigIntegerField(blank=True, null=True)),
                ("action_id", models.BigIntegerField(blank=True, db_index=True, null=True)),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.TextField(null=True)),
                (
                    "history_type",
                    models.CharField(choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1),
                ),
                (
                    "artifact_content_type",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="contenttypes.contenttype",
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "parent_task",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="viewflow.task",
                    ),
                ),
                (
                    "seed_content_type",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="contenttypes.contenttype",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical Process",
                "verbose_name_plural": "historical Process list",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalTask",
            fields=[
                ("id", models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name="ID")),
                ("flow_task", viewflow.workflow.fields.TaskReferenceField(max_length=255, verbose_name="Task")),
                ("flow_task_type", models.CharField(max_length=50, verbose_name="Type")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("ASSIGNED", "Assigned"),
                            ("CANCELED", "Canceled"),
                            ("DONE", "Done"),
                            ("ERROR", "Error"),
                            ("NEW", "New"),
                            ("REVIVED", "Revived"),
                            ("SCHEDULED", "Scheduled"),
                            ("STARTED", "Started"),
                        ],
                        db_index=True,
                        default="NEW",
                        max_length=50,
                        verbose_name="Status",
                    ),
                ),
                (
                    "created",
                    models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name="Created"),
                ),
                ("assigned", models.DateTimeField(blank=True, null=True, verbose_name="Assigned")),
                ("started", models.DateTimeField(blank=True, null=True, verbose_name="Started")),
                ("finished", models.DateTimeField(blank=True, null=True, verbose_name="Finished")),
                ("scheduled", models.DateTimeField(blank=True, db_index=True, null=True, verbose_name="Scheduled")),
                (
                    "token",
                    viewflow.workflow.fields.TokenField(
                        default=viewflow.workflow.token.Token("start"), max_length=150, verbose_name="Token"
                    ),
                ),
                (
                    "external_task_id",
                    models.CharField(
                        blank=True, db_index=True, max_length=50, null=True, verbose_name="External Task ID"
                    ),
                ),
                (
                    "owner_permission",
                    models.CharField(blank=True, max_length=255, null=True, verbose_name="Permission"),
                ),
                ("owner_permission_obj_pk", models.CharField(blank=True, max_length=255, null=True)),
                ("data", models.JSONField(blank=True, default=dict)),
                ("seed_object_id", models.PositiveIntegerField(blank=True, null=True)),
                ("artifact_object_id", models.PositiveIntegerField(blank=True, null=True)),
                ("agency_id", models.BigIntegerField(blank=True, null=True)),
                ("action_id", models.BigIntegerField(blank=True, db_index=True, null=True)),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.TextField(null=True)),
                (
                    "history_type",
                    models.CharField(choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1),
                ),
                (
                    "artifact_content_type",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="contenttypes.contenttype",
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "owner",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="Owner",
                    ),
                ),
                (
                    "owner_permission_content_type",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="contenttypes.contenttype",
                    ),
                ),
                (
                    "process",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="viewflow.process",
                        verbose_name="Process",
                    ),
                ),
                (
                    "seed_content_type",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="contenttypes.contenttype",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical Task",
                "verbose_name_plural": "historical Tasks",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="Seal",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "chain", "seq", blank=True, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("chain", models.BigIntegerField(verbose_name="chain")),
                ("seq", models.BigIntegerField(verbose_name="sequence")),
                ("history_id", models.BigIntegerField(verbose_name="history row")),
                ("object_id", models.BigIntegerField(null=True, verbose_name="record")),
                ("history_type", models.CharField(max_length=1, verbose_name="change type")),
                ("history_user_id", models.BigIntegerField(null=True, verbose_name="changed by")),
                ("action_id", models.BigIntegerField(null=True, verbose_name="action")),
                ("division_id", models.BigIntegerField(null=True, verbose_name="division")),
                ("sealed_at", models.DateTimeField(verbose_name="sealed at")),
                ("seal", models.BinaryField(verbose_name="seal")),
                (
                    "layout",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="audit.seallayout",
                        verbose_name="layout",
                    ),
                ),
            ],
            options={
                "verbose_name": "seal",
                "verbose_name_plural": "seals",
                "ordering": ["chain", "seq"],
            },
        ),
        migrations.CreateModel(
            name="Finding",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("rule", models.CharField(max_length=50, verbose_name="rule")),
                (
                    "severity",
                    models.CharField(
                        choices=[("low", "Low"), ("medium", "Medium"), ("high", "High"), ("critical", "Critical")],
                        max_length=10,
                        verbose_name="severity",
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[("open", "Open"), ("reviewed", "Reviewed")],
                        default="open",
                        max_length=10,
                        verbose_name="status",
                    ),
                ),
                ("summary", models.CharField(max_length=500, verbose_name="summary")),
                (
                    "evidence",
                    models.JSONField(
                        default=dict, encoder=django.core.serializers.json.DjangoJSONEncoder, verbose_name="evidence"
                    ),
                ),
                ("fingerprint", models.CharField(max_length=64, unique=True, verbose_name="fingerprint")),
                ("detected_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="detected at")),
                ("reviewed_at", models.DateTimeField(blank=True, null=True, verbose_name="reviewed at")),
                ("review_note", models.TextField(blank=True, verbose_name="review note")),
                (
                    "action",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="approvals.action",
                        verbose_name="action",
                    ),
                ),
                (
                    "agency",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="approvals.agency",
                        verbose_name="agency",
                    ),
                ),
                (
                    "reviewed_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="reviewed by",
                    ),
                ),
            ],
            options={
                "verbose_name": "finding",
                "verbose_name_plural": "findings",
                "ordering": ["-detected_at", "-id"],
                "indexes": [models.Index(fields=["agency", "status", "-detected_at"], name="finding_agency_status")],
            },
        ),
    ]
