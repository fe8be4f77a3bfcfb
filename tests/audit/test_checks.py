"""Checks (scans and verifications) asked for by an internal auditor run in the background through the
outbox, and are kept with what was checked, how many rows, what was found, when and by whom; the nightly
runs are kept the same way."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from approvals.exceptions import NotAllowed
from approvals.models import AccessRefusal
from audit import services, tasks
from audit.models import AuditRun, Finding
from audit.rules import RULES
from notifications.models import Event, Notification, OutboxMessage
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def overdue_action(agency, division):
    return factories.ActionFactory(
        agency=agency,
        indicator__measure__plan__agency=agency,
        due_date=timezone.localdate() - datetime.timedelta(days=3),
        status="in_progress",
        responsible=[division],
        text="จัดอบรมคุณธรรมจริยธรรม",
    )


def ask(kind, agency, auditor, capture):
    with capture(execute=True):
        return services.request_check(kind, agency, by=auditor)


def test_a_scan_asked_for_waits_for_the_commit_and_then_runs_in_the_background(
    agency, auditor, overdue_action, django_capture_on_commit_callbacks, eager_tasks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = services.request_check(AuditRun.Kind.SCAN, agency, by=auditor)
        assert (run.status, OutboxMessage.objects.get().kind) == (AuditRun.Status.WAITING, "audit.perform_check")

    for callback in callbacks:
        callback()

    run.refresh_from_db()
    assert (run.status, run.progress, run.requested_by, run.origin) == (
        AuditRun.Status.DONE,
        100,
        auditor,
        AuditRun.Origin.PAGE,
    )


def test_a_scan_keeps_what_it_checked_how_many_rows_and_the_findings_it_raised(
    agency, auditor, overdue_action, django_capture_on_commit_callbacks, eager_tasks
):
    run = ask(AuditRun.Kind.SCAN, agency, auditor, django_capture_on_commit_callbacks)

    run.refresh_from_db()
    rules = {row["rule"]: (row["hits"], row["new"]) for row in run.checked["rules"]}
    assert rules["missed_due_date"] == (1, 1)
    assert len(rules) == len(RULES)
    assert run.rows_checked == services.rows_in_scope(agency) > 0
    assert [(f.rule, f.action, f.run) for f in Finding.objects.all()] == [("missed_due_date", overdue_action, run)]
    assert run.started_at <= run.finished_at


def test_a_second_scan_finds_the_same_thing_and_raises_nothing_new(
    agency, auditor, overdue_action, django_capture_on_commit_callbacks, eager_tasks
):
    ask(AuditRun.Kind.SCAN, agency, auditor, django_capture_on_commit_callbacks)

    second = ask(AuditRun.Kind.SCAN, agency, auditor, django_capture_on_commit_callbacks)

    second.refresh_from_db()
    assert (second.problems, second.findings.count(), Finding.objects.count()) == (1, 0, 1)


def test_asking_again_while_a_check_waits_gives_the_same_check(agency, auditor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        first = services.request_check(AuditRun.Kind.VERIFICATION, agency, by=auditor)
        again = services.request_check(AuditRun.Kind.VERIFICATION, agency, by=auditor)

    assert again == first
    assert AuditRun.objects.count() == 1


def test_only_internal_auditors_may_ask_for_a_check_and_a_refusal_is_kept(agency, chief_administrator):
    with pytest.raises(NotAllowed):
        services.request_check(AuditRun.Kind.SCAN, agency, by=chief_administrator)

    assert not AuditRun.objects.exists()
    assert AccessRefusal.objects.get().permission == "approvals.run_audit_check"


def test_a_verification_of_an_intact_history_names_the_chain_heads_and_finds_nothing(
    agency, auditor, overdue_action, django_capture_on_commit_callbacks, eager_tasks
):
    run = ask(AuditRun.Kind.VERIFICATION, agency, auditor, django_capture_on_commit_callbacks)

    run.refresh_from_db()
    assert (run.status, run.problems) == (AuditRun.Status.DONE, 0)
    assert [chain["chain"] for chain in run.checked["chains"]] == [0, agency.pk]
    assert run.rows_checked >= overdue_action.history.count()
    assert not Finding.objects.exists()


def test_a_verification_finding_tampering_raises_a_critical_finding_tells_every_auditor_and_shows_it(
    client, agency, auditor, overdue_action, attacker, django_capture_on_commit_callbacks, eager_tasks
):
    second_auditor = factories.UserFactory(agency=agency, username="olga", first_name="โอลกา")
    factories.RoleAssignmentFactory(user=second_auditor, role="auditor")
    row = overdue_action.history.latest()
    attacker.run_with_triggers_disabled(
        "approvals_historicalaction",
        "UPDATE approvals_historicalaction SET text = 'x' WHERE history_id = %s",
        [row.history_id],
    )

    run = ask(AuditRun.Kind.VERIFICATION, agency, auditor, django_capture_on_commit_callbacks)

    run.refresh_from_db()
    finding = Finding.objects.get(rule=services.CHAIN_BROKEN)
    assert (run.problems, finding.severity, finding.run) == (1, Finding.Severity.CRITICAL, run)
    told = Notification.objects.filter(event=Event.HISTORY_ALTERED)
    assert {n.recipient for n in told} == {auditor, second_auditor}
    assert {n.url for n in told} == {reverse("audit:finding-detail", args=[finding.pk])}
    client.force_login(auditor)
    page = client.get(reverse("audit:check-detail", args=[run.pk])).content.decode()
    assert finding.summary in page
    assert str(second_auditor) in page and 'id="notified"' in page


def test_performing_a_finished_check_again_changes_nothing(
    agency, auditor, overdue_action, django_capture_on_commit_callbacks, eager_tasks
):
    run = ask(AuditRun.Kind.SCAN, agency, auditor, django_capture_on_commit_callbacks)
    rows = run.history.count()

    tasks.perform_check.apply(kwargs={"run_id": run.pk})

    assert run.history.count() == rows


def test_a_check_that_breaks_is_kept_as_failed_with_the_error(
    agency, auditor, overdue_action, monkeypatch, django_capture_on_commit_callbacks, eager_tasks
):
    def broken(*args, **kwargs):
        raise RuntimeError("rule crashed")

    monkeypatch.setattr(services, "rows_in_scope", broken)

    run = ask(AuditRun.Kind.SCAN, agency, auditor, django_capture_on_commit_callbacks)

    run.refresh_from_db()
    assert (run.status, run.error) == (AuditRun.Status.FAILED, "rule crashed")


def test_the_nightly_runs_are_kept_as_checks_and_listed_with_the_ones_asked_for(
    client, agency, auditor, overdue_action
):
    tasks.scan_risks.apply()
    tasks.verify_chains.apply()
    client.force_login(auditor)

    page = client.get(reverse("audit:checks"))

    runs = list(page.context["page"])
    assert {(r.kind, r.origin, r.requested_by.username) for r in runs} == {
        ("scan", "nightly", "system"),
        ("verify", "nightly", "system"),
    }
    assert "ทุกคืน" in page.content.decode()


def test_the_progress_of_a_check_is_answered_for_polling(client, agency, auditor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        run = services.request_check(AuditRun.Kind.SCAN, agency, by=auditor)
    client.force_login(auditor)

    status = client.get(reverse("audit:check-status", args=[run.pk])).json()

    assert (status["status"], status["progress"], status["finished"]) == ("waiting", 0, False)


def test_a_check_of_another_agency_cannot_be_opened(client, agency, auditor, outsider_agency_user):
    other = outsider_agency_user.agency
    outsider_auditor = factories.UserFactory(agency=other, username="otto")
    factories.RoleAssignmentFactory(user=outsider_auditor, role="auditor")
    run = services.run_check_now(
        AuditRun.Kind.SCAN, other, by=outsider_auditor, origin=AuditRun.Origin.PAGE, reason="ตรวจ"
    )
    client.force_login(auditor)

    assert client.get(reverse("audit:check-detail", args=[run.pk])).status_code == 404


def test_the_scan_button_posts_a_check_and_leads_to_its_result_page(
    client, agency, auditor, overdue_action, django_capture_on_commit_callbacks, eager_tasks
):
    client.force_login(auditor)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("audit:check-request", args=["scan"]))

    run = AuditRun.objects.get()
    assert response.url == reverse("audit:check-detail", args=[run.pk])
    assert "จัดอบรมคุณธรรมจริยธรรม" in client.get(response.url).content.decode()


def test_the_checks_page_takes_a_fixed_number_of_queries(client, agency, auditor, django_assert_max_num_queries):
    for _ in range(5):
        services.run_check_now(AuditRun.Kind.SCAN, agency, by=auditor, origin=AuditRun.Origin.PAGE, reason="ตรวจ")
    client.force_login(auditor)

    with django_assert_max_num_queries(10):
        response = client.get(reverse("audit:checks"))

    assert len(response.context["page"]) == 5
