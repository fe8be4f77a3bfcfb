"""The public page on a phone, the executive dashboard and the render page's progress bar, in headless
Chromium. Screenshots go to artifacts/screenshots/ for a person to look at."""

import os
from pathlib import Path

import pytest
from django.urls import reverse

from notifications import outbox
from reports import services
from reports.models import RenderedReport

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


def _sign_in(page, live_server, username):
    page.goto(f"{live_server.url}{reverse('login')}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def test_the_public_page_reads_well_on_a_phone(transactional_db, live_server, sample_year, agency, browser):
    page = browser.new_page(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, locale="th-TH"
    )

    page.goto(f"{live_server.url}{reverse('reports:public', args=[agency.slug, 2566])}")

    page.screenshot(path=str(SCREENSHOTS / "public-page-phone.png"), full_page=True)
    assert page.locator("h1").inner_text() == agency.name
    assert page.locator("svg.chart").count() == 2
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert page.evaluate("document.fonts.check('16px Sarabun')")


def test_the_executive_dashboard_shows_its_charts_and_figures(
    transactional_db, live_server, sample_year, mayor, browser
):
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="th-TH")
    _sign_in(page, live_server, mayor.username)

    page.goto(f"{live_server.url}{reverse('reports:dashboard')}")

    page.screenshot(path=str(SCREENSHOTS / "executive-dashboard.png"), full_page=True)
    assert page.locator("svg.chart").count() == 4
    assert page.locator('[data-figure="total"]').inner_text() == "5"
    assert page.locator("#overdue tbody tr").count() == 2


def test_the_render_page_follows_a_rendering_to_its_download_link(
    transactional_db, live_server, sample_year, mayor, browser, monkeypatch
):
    # No worker picks the task up: the page must wait, polling, until the rendering below finishes it.
    monkeypatch.setattr(outbox, "_flush_robustly", lambda: None)
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="th-TH")
    _sign_in(page, live_server, mayor.username)
    page.goto(f"{live_server.url}{reverse('reports:render')}")
    page.select_option("select[name=round]", "12")
    page.select_option("select[name=format]", "pdf")

    page.click("#render-form button[type=submit]")
    page.wait_for_selector("progress")
    page.screenshot(path=str(SCREENSHOTS / "render-page-waiting.png"), full_page=True)
    services.render_report(RenderedReport.objects.get().pk)

    page.wait_for_selector("a[href$='/download/']", timeout=15_000)
    page.screenshot(path=str(SCREENSHOTS / "render-page-done.png"), full_page=True)
    assert page.locator("progress").count() == 0
