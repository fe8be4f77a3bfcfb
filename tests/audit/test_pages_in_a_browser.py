"""An internal auditor goes through the audit pages in a real browser: Thai, Buddhist-Era dates, a
finding reviewed with a note. Screenshots land in artifacts/screenshots/ for a human look."""

from __future__ import annotations

import pytest
from django.utils import timezone

from approvals.models import Decision
from approvals.services import save_with_history
from audit import services
from tests import factories
from tests.audit.factories import DecisionFactory, EvidenceFactory
from tests.browser import SCREENSHOTS, new_page, shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_auditor_reads_a_timeline_and_reviews_a_finding(browser, live_server, settings):
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

    page = new_page(browser)
    sign_in(page, live_server, auditor)
    page.goto(f"{live_server.url}/")
    page.click("nav.mainnav >> text=ร่องรอยการตรวจสอบ")
    shot(page, SCREENSHOTS / "audit-findings.png")
    assert page.locator("h1").inner_text() == "สัญญาณเตือนความเสี่ยงและการทุจริต"

    page.click("text=ลำดับเหตุการณ์รายแนวทาง")
    page.click("text=จัดอบรมคุณธรรมจริยธรรม")
    shot(page, SCREENSHOTS / "audit-timeline.png")
    assert "อบรมแล้ว 2 รุ่น ผู้เข้าร่วม 80 คน" in page.content()
    assert str(timezone.localdate().year + 543) in page.content()

    page.click("text=บันทึกการเปลี่ยนแปลง")
    shot(page, SCREENSHOTS / "audit-change-log.png")

    page.click("text=สัญญาณเตือน")
    page.locator("table a").first.click()
    page.fill("textarea[name=note]", "ตรวจสอบแล้ว มีหลักฐานฉบับกระดาษในแฟ้ม")
    page.click("text=ปิดข้อสังเกต")
    shot(page, SCREENSHOTS / "audit-finding-reviewed.png")
    assert "ตรวจสอบแล้ว มีหลักฐานฉบับกระดาษในแฟ้ม" in page.content()
