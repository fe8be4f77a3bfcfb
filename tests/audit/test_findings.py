"""Findings: recorded once, never rewritten by a rescan, reviewed only by internal auditors, and a
broken chain raises a critical one and tells the auditors."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from approvals.exceptions import InvalidTransition, NotAllowed
from audit import services, signals, tasks
from audit.models import Finding
from audit.rules import missed_due_date
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def overdue_action(agency):
    return factories.ActionFactory(
        agency=agency,
        indicator__measure__plan__agency=agency,
        due_date=timezone.localdate() - datetime.timedelta(days=3),
        status="in_progress",
    )


def _scan(agency):
    return services.run_risk_scan(agency, by=None, rules=[missed_due_date.RULE])


def test_a_scan_records_what_a_rule_found_with_its_evidence(agency, overdue_action):
    (finding,) = _scan(agency)

    assert (finding.rule, finding.severity, finding.action, finding.status) == (
        "missed_due_date",
        "low",
        overdue_action,
        Finding.Status.OPEN,
    )
    assert Finding.objects.get(pk=finding.pk).evidence["due_date"] == overdue_action.due_date.isoformat()


def test_a_rescan_finding_the_same_thing_records_nothing_new(agency, overdue_action):
    _scan(agency)

    assert _scan(agency) == []
    assert Finding.objects.count() == 1


def test_a_rescan_leaves_a_reviewed_finding_as_the_auditor_left_it(agency, overdue_action, auditor):
    (finding,) = _scan(agency)
    services.review_finding(finding, by=auditor, note="กองแจ้งเหตุล่าช้าเป็นหนังสือแล้ว")

    _scan(agency)

    finding.refresh_from_db()
    assert (finding.status, finding.review_note) == (Finding.Status.CLOSED, "กองแจ้งเหตุล่าช้าเป็นหนังสือแล้ว")
    assert finding.history.count() == 2


def test_a_new_finding_is_announced_for_the_notifications(agency, overdue_action):
    raised = []
    signals.finding_raised.connect(lambda sender, finding, **kw: raised.append(finding), weak=False, dispatch_uid="t")
    try:
        found = _scan(agency)
    finally:
        signals.finding_raised.disconnect(dispatch_uid="t")

    assert raised == found


def test_only_an_internal_auditor_can_review_a_finding(agency, overdue_action, chief_administrator):
    (finding,) = _scan(agency)

    with pytest.raises(NotAllowed):
        services.review_finding(finding, by=chief_administrator, note="ไม่มีอะไร")

    finding.refresh_from_db()
    assert finding.status == Finding.Status.OPEN


def test_a_review_needs_a_note(agency, overdue_action, auditor):
    (finding,) = _scan(agency)

    with pytest.raises(InvalidTransition):
        services.review_finding(finding, by=auditor, note="   ")


def test_a_broken_chain_raises_a_critical_finding_and_tells_the_auditors(agency, overdue_action, attacker):
    row = overdue_action.history.latest()
    attacker.run_with_triggers_disabled(
        "approvals_historicalaction",
        "UPDATE approvals_historicalaction SET text = 'x' WHERE history_id = %s",
        [row.history_id],
    )
    told = []
    signals.chain_broken.connect(
        lambda sender, finding, issues, **kw: told.append(issues), weak=False, dispatch_uid="t"
    )
    try:
        issues = tasks.verify_chains.apply().get()
    finally:
        signals.chain_broken.disconnect(dispatch_uid="t")

    finding = Finding.objects.get(rule=services.CHAIN_BROKEN)
    assert (issues, finding.severity, finding.agency) == (1, Finding.Severity.CRITICAL, agency)
    assert told == [[{**finding.evidence["issues"][0]}]]
    assert finding.evidence["issues"][0]["history_id"] == row.history_id


def test_verifying_the_same_broken_chain_again_raises_no_second_finding(agency, overdue_action, attacker):
    row = overdue_action.history.latest()
    attacker.run_with_triggers_disabled(
        "approvals_historicalaction",
        "UPDATE approvals_historicalaction SET text = 'x' WHERE history_id = %s",
        [row.history_id],
    )

    tasks.verify_chains.apply()
    tasks.verify_chains.apply()

    assert Finding.objects.filter(rule=services.CHAIN_BROKEN).count() == 1


def test_an_intact_history_raises_no_finding(agency, overdue_action):
    tasks.verify_chains.apply()

    assert not Finding.objects.filter(rule=services.CHAIN_BROKEN).exists()
