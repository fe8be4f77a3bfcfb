"""An internal auditor goes through the audit pages in a real browser: Thai, Buddhist-Era dates, a
finding reviewed with a note. Screenshots land in artifacts/screenshots/ for a human look."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from approvals.models import Decision
from approvals.services import save_with_history
from audit import services
from tests import factories
from tests.audit.factories import DecisionFactory, EvidenceFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(settings.BASE_DIR) / "artifacts" / "screenshots"


@pytest.fixture
def page(live_server, monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; Django would refuse ORM calls otherwise.
    # Set for this test only, so that it never leaks into other tests' subprocesses.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
        )
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="th-TH")
        yield context.new_page()
        browser.close()


def test_an_auditor_reads_a_timeline_and_reviews_a_finding(page, live_server, settings):
    settings.AXES_ENABLED = False
    agency = factories.AgencyFactory(name="องค์การบริหารส่วนตำบลทดสอบ")
    division = factories.DivisionFactory(agency=agency, name="สำนักปลัด")
    staff = factories.UserFactory(agency=agency, username="alice", first_name="อลิส")
    factories.RoleAssignmentFactory(user=staff, role="staff", division=division)
    mayor = factories.UserFactory(agency=agency, username="mallory", first_name="มะลิ")
    factories.RoleAssignmentFactory(user=mayor, role="mayor")
    auditor = factories.UserFactory(agency=agency, username="oscar", first_name="ออสการ์")
    factories.RoleAssignmentFactory(user=auditor, role="auditor")
    action = factories.ActionFactory(
        agency=agency, indicator__measure__plan__agency=agency, responsible=[division], text="จัดอบรมคุณธรรมจริยธรรม"
    )
    submission = factories.SubmissionFactory(action=action, agency=agency, division=division)
    submission.results = "อบรมแล้ว 2 รุ่น ผู้เข้าร่วม 80 คน"
    save_with_history(submission, by=staff, reason="ส่งผลการดำเนินการ")
    EvidenceFactory(submission=submission, uploaded_by=staff)
    DecisionFactory(
        action=action,
        decided_by=mayor,
        stage=Decision.Stage.APPROVAL,
        outcome=Decision.Outcome.APPROVED,
        decided_at=timezone.now(),
    )
    services.run_risk_scan(agency, by=None)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "oscar")
    page.fill("input[name=password]", "correct-horse-battery")
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.click("nav.mainnav >> text=ร่องรอยการตรวจสอบ")
    page.screenshot(path=str(SCREENSHOTS / "audit-findings.png"), full_page=True)
    assert page.locator("h1").inner_text() == "สัญญาณเตือนความเสี่ยงและการทุจริต"

    page.click("text=ลำดับเหตุการณ์รายแนวทาง")
    page.click("text=จัดอบรมคุณธรรมจริยธรรม")
    page.screenshot(path=str(SCREENSHOTS / "audit-timeline.png"), full_page=True)
    assert "อบรมแล้ว 2 รุ่น ผู้เข้าร่วม 80 คน" in page.content()
    assert str(timezone.localdate().year + 543) in page.content()

    page.click("text=บันทึกการเปลี่ยนแปลง")
    page.screenshot(path=str(SCREENSHOTS / "audit-change-log.png"), full_page=True)

    page.click("text=สัญญาณเตือน")
    page.locator("table a").first.click()
    page.fill("textarea[name=note]", "ตรวจสอบแล้ว มีหลักฐานฉบับกระดาษในแฟ้ม")
    page.click("text=ปิดข้อสังเกต")
    page.screenshot(path=str(SCREENSHOTS / "audit-finding-reviewed.png"), full_page=True)
    assert "ตรวจสอบแล้ว มีหลักฐานฉบับกระดาษในแฟ้ม" in page.content()
