"""The OIT progress view in headless Chromium, at desktop and phone sizes: the agency administrator sees which
items are missing; the division records an item's address and document on the item's page and sends it.
Screenshots go to artifacts/screenshots/oit/ for a person to look at."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from approvals import services
from oit import services as oit_services
from oit.models import LinkCheck
from tests.browser import SCREENSHOTS, new_page, shot, sign_in
from tests.oit.conftest import PDF

SHOTS = SCREENSHOTS / "oit"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def year_under_way(adopted, staff_member, other_division_staff, chief_administrator, mayor):
    """O1 approved with a link that died since; O2 waiting for review; the rest not published."""
    o1, o2 = adopted[0], adopted[1]
    oit_services.record_publication(
        o1.action.submissions.get(),
        by=staff_member,
        url="https://www.example-sao.go.th/oit/o1.pdf",
        document=SimpleUploadedFile("โครงสร้าง.pdf", PDF),
        submit=True,
    )
    services.accept_action(o1.action, by=chief_administrator)
    services.approve_action(o1.action, by=mayor)
    LinkCheck.objects.create(
        agency=o1.agency, item=o1, url="https://www.example-sao.go.th/oit/o1.pdf", outcome="dead", status_code=404
    )
    oit_services.record_publication(
        o2.action.submissions.get(),
        by=staff_member,
        url="https://www.example-sao.go.th/about/executives",
        document=SimpleUploadedFile("ผู้บริหาร.pdf", PDF),
        submit=True,
    )
    return adopted


def test_the_oit_progress_view_shows_what_is_missing_on_a_desktop_and_a_phone(
    live_server, browser, year_under_way, agency_admin
):
    page = new_page(browser)
    sign_in(page, live_server, agency_admin)
    page.goto(f"{live_server.url}{reverse('oit:progress', args=[2567])}")
    shot(page, SHOTS / "oit-progress-desktop.png", full_page=False)

    assert page.locator("[data-row=overall]").get_attribute("data-missing") == "43"
    assert "ลิงก์ที่เผยแพร่เปิดไม่ได้แล้ว" in page.locator("[data-row=O1]").inner_text()
    assert "รอปลัดพิจารณา" in page.locator("[data-row=O2]").inner_text()
    assert "ยังไม่ได้เผยแพร่" in page.locator("[data-row=O3]").inner_text()

    phone = new_page(browser, "phone", device_scale_factor=2, is_mobile=True)
    sign_in(phone, live_server, agency_admin)
    phone.goto(f"{live_server.url}{reverse('oit:progress', args=[2567])}")
    shot(phone, SHOTS / "oit-progress-phone.png", full_page=False)
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_a_division_records_an_items_address_and_document_in_the_browser(
    live_server, browser, adopted, staff_member, tmp_path
):
    document = tmp_path / "ข้อมูลการติดต่อ.pdf"
    document.write_bytes(PDF)
    o5 = next(item for item in adopted if item.number == "O5")
    page = new_page(browser)
    sign_in(page, live_server, staff_member)
    page.goto(f"{live_server.url}{reverse('oit:item', args=[o5.pk])}")
    page.fill("input[name=url]", "https://www.example-sao.go.th/contact")
    page.set_input_files("input[name=document]", str(document))
    shot(page, SHOTS / "oit-item-form.png")
    page.click("button[name=submit]")
    page.wait_for_load_state()
    shot(page, SHOTS / "oit-item-sent.png")

    assert "ส่ง O5 ข้อมูลการติดต่อ ให้พิจารณาแล้ว" in page.content()
    o5.action.refresh_from_db()
    assert o5.action.status == "awaiting_review"


def test_the_adopt_page_marks_the_unconfirmed_items_and_refuses_an_incomplete_catalogue(
    live_server, browser, agency_admin, plan, division, other_division
):
    page = new_page(browser)
    sign_in(page, live_server, agency_admin)
    page.goto(f"{live_server.url}{reverse('oit:adopt')}?catalogue=2567")
    shot(page, SHOTS / "oit-adopt-2567-desktop.png", full_page=False)

    assert "40 จาก 43 รายการยังไม่ได้ยืนยัน" in page.locator("[role=status]").inner_text()
    assert page.locator("span.badge.unconfirmed").count() == 40

    page.goto(f"{live_server.url}{reverse('oit:adopt')}?catalogue=2568")
    shot(page, SHOTS / "oit-adopt-2568-desktop.png")
    assert "ยังไม่ครบ" in page.locator("[role=alert]").inner_text()
    assert page.locator("button[name=adopt]").count() == 0

    phone = new_page(browser, "phone", device_scale_factor=2, is_mobile=True)
    sign_in(phone, live_server, agency_admin)
    phone.goto(f"{live_server.url}{reverse('oit:adopt')}?catalogue=2567")
    shot(phone, SHOTS / "oit-adopt-2567-phone.png", full_page=False)
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
