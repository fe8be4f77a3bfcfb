"""The sample year ends with the internal auditor's red-flag scan, kept as a check, so that the auditors'
pages show what the year's own facts raise; playing the year again scans nothing again."""

from __future__ import annotations

from io import StringIO

from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from approvals.models import Action, Decision
from audit.models import AuditRun, Finding


def test_the_sample_year_ends_with_the_auditors_scan_whose_findings_name_the_overdue_work(sample_year):
    run = AuditRun.objects.get(agency=sample_year.agency)

    assert (run.kind, run.origin, run.status, run.requested_by.username) == ("scan", "sample_year", "done", "auditor")
    overdue = set(Action.objects.filter(agency=sample_year.agency).overdue().values_list("pk", flat=True))
    flagged = set(run.findings.filter(rule="missed_due_date").values_list("action_id", flat=True))
    assert overdue and overdue <= flagged
    assert run.problems == sum(row["hits"] for row in run.checked["rules"]) == run.findings.count()


def test_the_closing_scan_flags_exactly_the_decisions_made_outside_office_hours(sample_year):
    outside = {
        decision.pk
        for decision in Decision.objects.filter(agency=sample_year.agency)
        if timezone.localtime(decision.decided_at).weekday() >= 5
        or not settings.AUDIT_OFFICE_START_HOUR
        <= timezone.localtime(decision.decided_at).hour
        < settings.AUDIT_OFFICE_END_HOUR
    }

    flagged = Finding.objects.filter(rule="after_hours_decision", run__origin=AuditRun.Origin.SAMPLE_YEAR)

    assert {finding.evidence["decision_id"] for finding in flagged} == outside


def test_playing_the_sample_year_again_adds_no_second_scan(sample_year):
    before = (AuditRun.objects.count(), Finding.objects.count())

    call_command("play_sample_year", stdout=StringIO())

    assert (AuditRun.objects.count(), Finding.objects.count()) == before
