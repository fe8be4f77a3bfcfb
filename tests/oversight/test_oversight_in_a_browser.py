"""The province's journey in headless Chromium: the area, one agency, an API token, the API docs.
Screenshots go to artifacts/screenshots/ for a person to look at."""

import os
from pathlib import Path

import pytest
from django.urls import reverse

from oversight import services
from tests import factories
from tests.oversight.conftest import ORDER

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
PASSWORD = "correct-horse-battery"

pytestmark = pytest.mark.browser


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
        )
        yield browser
        browser.close()


@pytest.fixture
def province_officer(agency, sample_year):
    agency.province = "ชลบุรี"
    agency.save()
    factories.AgencyFactory(name="เทศบาลตำบลบ้านเก่า", slug="ban-kao", province="ชลบุรี", district="พานทอง")
    operator = factories.UserFactory(username="operator", agency=None, is_superuser=True)
    officer = factories.UserFactory(username="province", agency=None, first_name="สมปอง", last_name="ท้องถิ่น")
    officer.set_password(PASSWORD)
    officer.save()
    second = factories.UserFactory(username="operator2", agency=None, is_superuser=True)
    proposed = services.grant_oversight(officer, province="ชลบุรี", by=operator, reason="คำสั่งจังหวัดชลบุรีที่ 1/2569", **ORDER)
    services.confirm_oversight(proposed, by=second)
    return officer


def test_the_province_officer_looks_across_the_area_and_makes_an_api_token(
    transactional_db, live_server, province_officer, agency, browser
):
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="th-TH")
    refused = []
    page.on(
        "console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None
    )
    page.goto(f"{live_server.url}{reverse('login')}")
    page.fill("input[name=username]", "province")
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{live_server.url}{reverse('oversight:overview')}")

    page.screenshot(path=str(SCREENSHOTS / "oversight-overview.png"), full_page=True)
    assert page.locator("table.ranking tbody tr").count() == 2
    assert page.locator("table.ranking tbody tr").first.get_attribute("data-row") == agency.slug
    assert page.locator("svg.chart").count() == 1
    page.emulate_media(media="print")
    page.screenshot(path=str(SCREENSHOTS / "oversight-overview-print.png"), full_page=True)
    assert not page.locator("nav.mainnav").is_visible()
    page.emulate_media(media="screen")

    page.locator("table.ranking a", has_text=agency.name).click()
    page.wait_for_url(f"**{reverse('oversight:agency', args=[agency.slug])}**")
    page.screenshot(path=str(SCREENSHOTS / "oversight-agency.png"), full_page=True)
    assert page.locator("h1").inner_text().startswith(agency.name)

    phone = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, locale="th-TH")
    phone.context.add_cookies(page.context.cookies())
    phone.goto(f"{live_server.url}{reverse('oversight:overview')}")
    phone.screenshot(path=str(SCREENSHOTS / "oversight-overview-phone.png"), full_page=True)

    page.goto(f"{live_server.url}{reverse('api-tokens')}")
    page.fill("input[name=name]", "ระบบติดตามของจังหวัด")
    page.click("form.form-inline button[type=submit]")
    secret = page.locator('[data-value="secret"]').inner_text()
    page.screenshot(path=str(SCREENSHOTS / "api-tokens.png"), full_page=True)
    assert secret.startswith("kh_")

    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".swagger-ui .opblock", timeout=15000)
    page.screenshot(path=str(SCREENSHOTS / "api-docs.png"), full_page=False)
    assert refused == []
