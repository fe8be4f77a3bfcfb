"""The public page on a phone, the executive dashboard and the render page's progress bar, in headless
Chromium. Screenshots go to artifacts/screenshots/ for a person to look at."""

import pytest
from django.urls import reverse

from notifications import outbox
from reports import services
from reports.models import RenderedReport
from tests.browser import SCREENSHOTS, new_page, shot, sign_in

pytestmark = pytest.mark.browser


def test_the_public_page_reads_well_on_a_phone(transactional_db, live_server, sample_year, agency, browser):
    page = new_page(browser, "phone", device_scale_factor=2, is_mobile=True)

    page.goto(f"{live_server.url}{reverse('reports:public', args=[agency.slug, 2566])}")

    shot(page, SCREENSHOTS / "public-page-phone.png")
    assert page.locator("h1").inner_text() == agency.name
    assert page.locator("svg.chart").count() == 2
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert page.evaluate("document.fonts.check('16px Sarabun')")


def test_the_executive_dashboard_shows_its_charts_and_figures(
    transactional_db, live_server, sample_year, mayor, browser
):
    page = new_page(browser)
    sign_in(page, live_server, mayor)

    page.goto(f"{live_server.url}{reverse('reports:dashboard')}")

    shot(page, SCREENSHOTS / "executive-dashboard.png")
    assert page.locator("svg.chart").count() == 4
    assert page.locator('[data-figure="total"]').inner_text() == "5"
    assert page.locator("#overdue tbody tr").count() == 2


def test_the_render_page_follows_a_rendering_to_its_download_link(
    transactional_db, live_server, sample_year, mayor, browser, monkeypatch
):
    # No worker picks the task up: the page must wait, polling, until the rendering below finishes it.
    monkeypatch.setattr(outbox, "_flush_robustly", lambda: None)
    page = new_page(browser)
    sign_in(page, live_server, mayor)
    page.goto(f"{live_server.url}{reverse('reports:render')}")
    page.select_option("select[name=round]", "12")
    page.select_option("select[name=format]", "pdf")

    page.click("#render-form button[type=submit]")
    page.wait_for_selector("progress")
    shot(page, SCREENSHOTS / "render-page-waiting.png")
    services.render_report(RenderedReport.objects.get().pk)

    page.wait_for_selector("a[href$='/download/']", timeout=15_000)
    shot(page, SCREENSHOTS / "render-page-done.png")
    assert page.locator("progress").count() == 0
