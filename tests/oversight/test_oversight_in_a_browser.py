"""The province's journey in headless Chromium: the area (with its OIT column), one agency, an API token, the API
docs; and the platform operators' journey: one opens an oversight officer's account and proposes the role, a
second confirms it. Screenshots (desktop and phone) go to artifacts/screenshots/ for a person to look at."""

import pytest
from django.urls import reverse

from oversight import services
from oversight.models import OversightAssignment
from tests import factories
from tests.browser import SCREENSHOTS, new_page, shot, sign_in
from tests.oversight.conftest import ORDER
from tests.oversight.conftest import oit_item as _oit_item

pytestmark = pytest.mark.browser


@pytest.fixture
def province_officer(agency, sample_year):
    agency.province = "ชลบุรี"
    agency.save()
    factories.AgencyFactory(name="เทศบาลตำบลบ้านเก่า", slug="ban-kao", province="ชลบุรี", district="พานทอง")
    operator = factories.UserFactory(username="operator", agency=None, is_superuser=True)
    officer = factories.UserFactory(username="province", agency=None, first_name="สมปอง", last_name="ท้องถิ่น")
    second = factories.UserFactory(username="operator2", agency=None, is_superuser=True)
    proposed = services.grant_oversight(officer, province="ชลบุรี", by=operator, reason="คำสั่งจังหวัดชลบุรีที่ 1/2569", **ORDER)
    services.confirm_oversight(proposed, by=second)
    _oit_item(sample_year.approved[0].action, "O1")
    _oit_item(sample_year.unapproved[0].action, "O2")
    return officer


def test_the_province_officer_looks_across_the_area_and_makes_an_api_token(
    transactional_db, live_server, province_officer, agency, browser
):
    page = new_page(browser)
    refused = []
    page.on(
        "console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None
    )
    sign_in(page, live_server, province_officer)
    page.goto(f"{live_server.url}/")
    page.wait_for_url(f"{live_server.url}{reverse('oversight:overview')}")

    shot(page, SCREENSHOTS / "oversight-overview.png")
    assert page.locator("table.ranking tbody tr").count() == 2
    assert page.locator("table.ranking tbody tr").first.get_attribute("data-row") == agency.slug
    first_row = page.locator("table.ranking tbody tr").first
    assert first_row.locator('[data-value="oit"]').inner_text() == "1/2"
    assert "รายการ OIT ที่อนุมัติแล้ว" in page.locator("table.ranking thead").inner_text()
    assert page.locator("svg.chart").count() == 1
    page.emulate_media(media="print")
    shot(page, SCREENSHOTS / "oversight-overview-print.png")
    assert not page.locator("nav.mainnav").is_visible()
    page.emulate_media(media="screen")

    page.locator("table.ranking a", has_text=agency.name).click()
    page.wait_for_url(f"**{reverse('oversight:agency', args=[agency.slug])}**")
    shot(page, SCREENSHOTS / "oversight-agency.png")
    assert page.locator("h1").inner_text().startswith(agency.name)
    assert page.locator('[data-figure="oit"]').inner_text() == "1/2"

    phone = new_page(browser, "phone", is_mobile=True)
    phone.context.add_cookies(page.context.cookies())
    phone.goto(f"{live_server.url}{reverse('oversight:overview')}")
    shot(phone, SCREENSHOTS / "oversight-overview-phone.png")
    phone.goto(f"{live_server.url}{reverse('oversight:agency', args=[agency.slug])}")
    shot(phone, SCREENSHOTS / "oversight-agency-phone.png")

    page.goto(f"{live_server.url}{reverse('api-tokens')}")
    page.fill("input[name=name]", "ระบบติดตามของจังหวัด")
    page.click("form.form-inline button[type=submit]")
    secret = page.locator('[data-value="secret"]').inner_text()
    shot(page, SCREENSHOTS / "api-tokens.png")
    assert secret.startswith("kh_")

    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".swagger-ui .opblock", timeout=15000)
    shot(page, SCREENSHOTS / "api-docs.png", full_page=False)
    assert refused == []


@pytest.fixture
def operators(agency):
    agency.province, agency.district = "ชลบุรี", "พานทอง"
    agency.save()
    people = []
    for username, first_name in (("operator", "อนันต์"), ("operator2", "บุษบา")):
        person = factories.UserFactory(
            username=username, agency=None, is_superuser=True, first_name=first_name, last_name="ดูแลแพลตฟอร์ม"
        )
        people.append(person)
    return people


def test_an_operator_opens_an_officer_and_a_second_operator_confirms_the_grant(
    transactional_db, live_server, operators, browser
):
    base = live_server.url
    page = new_page(browser)
    refused = []
    page.on(
        "console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None
    )
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, live_server, operators[0])
    page.goto(f"{base}{reverse('oversight:officers')}")
    assert page.locator(".empty").first.is_visible()
    page.fill("input[name=username]", "somporn")
    page.fill("input[name=first_name]", "สมพร")
    page.fill("input[name=last_name]", "กำกับดี")
    page.fill("input[name=password]", "ชั่วคราว-2569-xyz")
    page.fill("input[name=province]", "ชลบุรี")
    page.fill("input[name=order_number]", "ชบ 0023/77")
    page.fill("input[name=order_date]", "1/10/2569")
    page.fill("input[name=reason]", "คำสั่งจังหวัดชลบุรีที่ 77/2569")
    shot(page, SCREENSHOTS / "oversight-officers-form.png")
    page.click("form.card button[type=submit]")
    page.wait_for_url("**/oversight/officers/*/")
    shot(page, SCREENSHOTS / "oversight-officer-proposed.png")
    assert page.locator('[data-value="status"]').inner_text() == "เสนอแล้ว รอการยืนยัน"
    # The proposer is not offered the confirmation.
    assert page.locator("form[action$='/confirm/']").count() == 0

    second = new_page(browser, "phone", is_mobile=True)
    second.on("dialog", lambda dialog: dialog.accept())
    sign_in(second, live_server, operators[1])
    second.goto(f"{base}{reverse('oversight:officers')}")
    shot(second, SCREENSHOTS / "oversight-officers-phone.png")
    second.click("form[action$='/confirm/'] button[type=submit]")
    second.wait_for_url(f"**{reverse('oversight:officers')}")
    shot(second, SCREENSHOTS / "oversight-officers-confirmed-phone.png")
    assert second.locator('table.officers tr[data-row="somporn"]').count() == 1

    assignment = OversightAssignment.objects.get()
    assert assignment.status == OversightAssignment.Status.IN_EFFECT
    assert assignment.confirmed_by == operators[1]
    page.goto(f"{base}{reverse('oversight:officers')}")
    shot(page, SCREENSHOTS / "oversight-officers.png")
    assert refused == []
