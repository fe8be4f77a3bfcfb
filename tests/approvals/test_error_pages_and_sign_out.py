"""Our own Thai 404 and 500 pages also with DEBUG on (make run), and signing out with a question and an answer."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.workflows.conftest import login


@pytest.fixture
def debug_on(settings):
    settings.DEBUG = True
    settings.FRIENDLY_ERROR_PAGES = True


def test_a_mistyped_public_address_shows_our_thai_404_page_with_debug_on(client, debug_on, agency):
    response = client.get("/public/no-such-agency/")

    page = response.content.decode()
    assert response.status_code == 404
    assert "ไม่พบหน้าที่ต้องการ" in page
    assert "URLconf" not in page and "Django" not in page


def test_a_missing_record_shows_our_thai_404_page_with_debug_on(client, debug_on, staff_member):
    login(client, staff_member)

    response = client.get("/work/actions/999999/")

    assert response.status_code == 404
    assert "ไม่พบหน้าที่ต้องการ" in response.content.decode()


def test_a_failure_shows_our_thai_500_page_with_debug_on(debug_on, settings):
    settings.ROOT_URLCONF = "tests.operations.urls_with_an_error"
    client = Client(raise_request_exception=False)

    response = client.get("/deliberate-error/")

    page = response.content.decode()
    assert response.status_code == 500
    assert "Traceback" not in page and "DeliberateError" not in page
    assert "<h1>" in page and "Khunatham" not in page.split("<h1>")[1].split("</h1>")[0]


def test_developers_can_still_ask_for_djangos_debug_pages(client, settings, agency):
    settings.DEBUG = True
    settings.FRIENDLY_ERROR_PAGES = False

    response = client.get("/public/no-such-agency/")

    assert "ไม่พบหน้าที่ต้องการ" not in response.content.decode()


def test_a_sign_out_link_asks_before_signing_out(client, staff_member):
    login(client, staff_member)

    response = client.get("/accounts/logout/")

    assert response.status_code == 200
    assert "ออกจากระบบหรือไม่" in response.content.decode()
    assert client.get("/").status_code == 200


def test_signing_out_says_so_on_the_sign_in_page(client, staff_member):
    login(client, staff_member)

    response = client.post("/accounts/logout/", follow=True)

    assert response.redirect_chain[-1][0].startswith("/accounts/login/")
    assert "ออกจากระบบแล้ว" in response.content.decode()
    assert client.get("/").status_code == 302


def test_every_page_has_a_menu_button_and_no_inline_script(client, staff_member):
    login(client, staff_member)

    page = client.get("/").content.decode()

    assert '<button type="button" class="menu-toggle" aria-controls="site-menu" aria-expanded="false">' in page
    assert "<script>" not in page and "onclick" not in page
