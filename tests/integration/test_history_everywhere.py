"""After the sample year, the audit trail is complete: every record of every historised kind has history,
and every history row the sample year wrote says who acted, why and through what."""

from __future__ import annotations

from django.db.models import Q

from audit import seal


def test_every_record_of_every_historised_kind_has_at_least_one_history_row(sample_year):
    missing = {}
    for model in seal.history_models().values():
        record = model.instance_type
        with_history = set(model.objects.values_list(record._meta.pk.attname, flat=True).distinct())
        lacking = set(record._base_manager.values_list("pk", flat=True)) - with_history
        if lacking:
            missing[record._meta.label] = sorted(lacking)[:10]

    assert missing == {}


def test_the_sample_year_wrote_history_in_the_workflow_tables_too(sample_year):
    written = {
        table
        for table, model in seal.history_models().items()
        if model.objects.filter(history_id__gt=sample_year.history_before[table]).exists()
    }

    assert {"audit_historicalprocess", "audit_historicaltask", "approvals_historicaldecision"} <= written


def test_every_history_row_written_by_the_sample_year_names_who_acted_and_why(sample_year):
    nameless = {}
    for table, model in seal.history_models().items():
        rows = model.objects.filter(history_id__gt=sample_year.history_before[table])
        no_reason = Q(history_reason_code__isnull=True) & (
            Q(history_change_reason__isnull=True) | Q(history_change_reason="")
        )
        bad = rows.filter(Q(history_user__isnull=True) | no_reason | Q(history_source__isnull=True))
        if bad.exists():
            nameless[table] = f"{bad.count()} of {rows.count()}"

    assert nameless == {}
