"""The internal auditor's workbench in a real browser, after the sample year: the findings the year raised
(overdue work and decisions outside office hours among them), a scan and a verification run from the
page with their results, a verification that finds tampering, and a check followed by its progress bar.
Screenshots land in artifacts/screenshots/ for a person to look at."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from approvals.models import Action, Evidence, User
from audit import services
from audit.models import AuditRun, Finding
from tests.browser import SCREENSHOTS, new_page, sign_in
from tests.browser import shot as keep

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def played(settings, eager_tasks, rows_of_the_module):
    """The sample agency and its year, committed, with office hours that leave out the hours the year is
    played in (the after-hours rule reads the real time of each decision). Played in the module's first test;
    the others start from the rows it made (tests/snapshot.py)."""
    settings.MEDIA_ROOT = rows_of_the_module.media_root
    settings.AXES_ENABLED = False
    start = (timezone.localtime().hour + 2) % 24
    settings.AUDIT_OFFICE_START_HOUR, settings.AUDIT_OFFICE_END_HOUR = start, start + 1
    rows_of_the_module.made_once(play_the_sample_year)
    return User.objects.get(username="auditor")


def play_the_sample_year() -> None:
    call_command("load_sample_agency", stdout=StringIO())
    call_command("play_sample_year", stdout=StringIO())


def signed_in(browser, live_server, *, phone: bool = False):
    page = new_page(browser, "phone" if phone else "desktop", is_mobile=phone)
    sign_in(page, live_server, "auditor")
    return page


def shot(page, name: str, *, full_page: bool = True) -> None:
    keep(page, SCREENSHOTS / f"workbench-{name}.png", full_page=full_page)


def test_the_auditor_finds_the_sample_years_overdue_and_after_hours_findings(played, browser, live_server):
    page = signed_in(browser, live_server)
    page.goto(f"{live_server.url}/")
    shot(page, "home")
    assert page.locator("#finding-summary [data-count=status-open]").inner_text() == str(
        Finding.objects.filter(status=Finding.Status.OPEN).count()
    )

    page.click("nav.mainnav >> text=ร่องรอยการตรวจสอบ")
    shot(page, "findings")
    for rule, title in (("missed_due_date", "กำหนดเวลา"), ("after_hours_decision", "นอกเวลาราชการ")):
        page.select_option("select[name=rule]", rule)
        page.click("form.filters button[type=submit]")
        rows = page.locator(f"tbody tr[data-rule={rule}]")
        assert rows.count() == Finding.objects.filter(rule=rule).count() > 0
        assert title in page.locator("select[name=rule] option:checked").inner_text()
    shot(page, "findings-after-hours")

    phone = signed_in(browser, live_server, phone=True)
    phone.goto(f"{live_server.url}/audit/?status=open&rule=missed_due_date")
    shot(phone, "findings-phone", full_page=False)
    assert phone.locator("tbody tr[data-rule=missed_due_date]").count() > 0


def test_the_auditor_runs_a_scan_and_a_verification_from_the_page_and_reads_their_results(
    played, browser, live_server, attacker
):
    page = signed_in(browser, live_server)
    page.goto(f"{live_server.url}/audit/checks/")
    assert "ตรวจเมื่อจบปีตัวอย่าง" in page.content()

    page.click("#scan-now button")
    page.wait_for_selector("#scan-result")
    shot(page, "scan-result")
    scan = AuditRun.objects.filter(origin=AuditRun.Origin.PAGE, kind=AuditRun.Kind.SCAN).get()
    assert page.locator("#check-status").inner_text() == "ตรวจเสร็จแล้ว"
    assert page.locator("#rows-checked").inner_text() == str(scan.rows_checked)
    assert int(page.locator("#scan-result tr[data-rule=missed_due_date] td.num").first.inner_text()) > 0

    page.goto(f"{live_server.url}/audit/checks/")
    page.click("#verify-now button")
    page.wait_for_selector("#verification-result")
    shot(page, "verify-intact")
    assert "ไม่พบการแก้ไขนอกระบบ" in page.locator("#verification-result").inner_text()

    action = Action.objects.filter(agency=played.agency).first()
    attacker.run_with_triggers_disabled(
        "approvals_historicalaction",
        "UPDATE approvals_historicalaction SET text = 'แก้ไขย้อนหลัง' WHERE history_id = %s",
        [action.history.earliest().history_id],
    )
    page.goto(f"{live_server.url}/audit/checks/")
    page.click("#verify-now button")
    page.wait_for_selector("#verification-result.alarm")
    shot(page, "verify-tampered")
    result = page.locator("#verification-result").inner_text()
    assert "ประวัติถูกแก้ไขนอกระบบ" in result
    assert str(played) in page.locator("#notified").inner_text()
    assert Finding.objects.filter(rule=services.CHAIN_BROKEN, severity=Finding.Severity.CRITICAL).count() == 1


def test_a_check_still_running_shows_its_progress_and_its_result_once_done(played, browser, live_server):
    run = AuditRun(
        agency=played.agency, kind=AuditRun.Kind.VERIFICATION, origin=AuditRun.Origin.PAGE, requested_by=played
    )
    run.save()
    page = signed_in(browser, live_server)
    page.goto(f"{live_server.url}/audit/checks/{run.pk}/")
    shot(page, "check-waiting")
    assert page.locator("[data-status-url] progress").count() == 1

    services.perform_check(run.pk)

    page.wait_for_selector("#verification-result", timeout=15000)
    shot(page, "check-finished")
    assert page.locator("[data-status-url]").count() == 0


# What a person must never have to read in the history (see tests/integration/test_change_log_in_words.py).
INTERNALS = re.compile(
    r"[{}]|\bapprovals\.[a-z_]+|\b\d{4}-\d{2}-\d{2}\b|\b[a-z_]+:[a-z_]+:\d+|\b(?:workflows|viewflow)\.[\w.]+"
)


def test_the_auditor_reads_the_change_log_and_an_action_timeline_in_words_on_desktop_and_phone(
    played, browser, live_server
):
    page = signed_in(browser, live_server)
    page.goto(f"{live_server.url}/audit/changes/")
    shot(page, "change-log", full_page=False)
    log = page.locator("table.changelog tbody").inner_text()
    assert INTERNALS.findall(log) == []
    assert "ตรวจหาสัญญาณเตือน" in log
    assert str(timezone.localdate().year + 543) in log

    page.goto(f"{live_server.url}/audit/changes/?kind={Evidence.history.model._meta.db_table}")
    shot(page, "change-log-evidence", full_page=False)
    evidence_log = page.locator("table.changelog tbody").inner_text()
    assert "ยกไปยังรอบที่ 2 เมื่อส่งกลับแก้ไข" in evidence_log
    assert INTERNALS.findall(evidence_log) == []

    page.locator("table.changelog tbody a[href*='/audit/actions/']").first.click()
    page.wait_for_selector("ol.timeline")
    shot(page, "timeline")
    timeline = page.locator("ol.timeline").inner_text()
    assert INTERNALS.findall(timeline) == []
    assert "แนบไฟล์หลักฐาน" in timeline

    phone = signed_in(browser, live_server, phone=True)
    phone.goto(f"{live_server.url}/audit/changes/")
    phone.locator("table.changelog tbody tr").first.scroll_into_view_if_needed()
    shot(phone, "change-log-phone", full_page=False)
    assert INTERNALS.findall(phone.locator("table.changelog tbody").inner_text()) == []
    phone.goto(page.url)
    phone.locator("ol.timeline li").nth(3).scroll_into_view_if_needed()
    shot(phone, "timeline-phone", full_page=False)
    assert INTERNALS.findall(phone.locator("ol.timeline").inner_text()) == []
