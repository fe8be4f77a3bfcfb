"""The notification centre and preferences in a real browser, as a member of staff uses them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import sync_playwright

from notifications.models import Event, Notification

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(settings.BASE_DIR) / "artifacts" / "screenshots"
PASSWORD = "correct-horse-battery"


@pytest.fixture
def browser():
    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
        )
        yield chromium
        chromium.close()


def sign_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("form[action='/accounts/login/'] button[type=submit]")


def test_staff_see_the_unread_badge_open_the_centre_and_mark_all_read(live_server, browser, staff_member, action):
    for key, event, reason in (("a", Event.ASSIGNED, ""), ("b", Event.RETURNED, "แนบภาพถ่ายการประชุมด้วย")):
        Notification.objects.create(
            recipient=staff_member,
            agency_id=staff_member.agency_id,
            event=event,
            action=action,
            params={"action": str(action), "reason": reason, "by": "ชาลี ทดสอบ"},
            url=f"/work/actions/{action.pk}/",
            key=f"{key}:user:{staff_member.pk}",
        )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1200, "height": 800}, locale="th-TH")
    sign_in(page, live_server, "alice")

    assert page.locator(".site-menu .badge-count").inner_text() == "2"
    page.click(".topbar a.bell")
    page.screenshot(path=SCREENSHOTS / "notifications-list.png", full_page=True)
    assert "เหตุผล: แนบภาพถ่ายการประชุมด้วย" in page.content()

    page.click("text=ทำเครื่องหมายว่าอ่านแล้วทั้งหมด")

    assert page.locator(".topbar .badge-count").count() == 0
    assert "ทำเครื่องหมายว่าอ่านแล้ว 2 รายการ" in page.content()


def test_staff_choose_email_per_event_on_the_preferences_page(live_server, browser, staff_member):
    page = browser.new_page(viewport={"width": 1200, "height": 900}, locale="th-TH")
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/notifications/preferences/")

    page.uncheck("input[name=reminder__email]")
    page.click("button[type=submit].primary")
    page.screenshot(path=SCREENSHOTS / "notifications-preferences.png", full_page=True)

    assert "บันทึกการตั้งค่าการแจ้งเตือนแล้ว" in page.content()
    assert not page.is_checked("input[name=reminder__email]")
    assert page.is_checked("input[name=assigned__email]")
