"""The notification centre and preferences in a real browser, as a member of staff uses them."""

from __future__ import annotations

import pytest

from notifications.models import Event, Notification
from tests.browser import SCREENSHOTS, new_page, shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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
    page = new_page(browser)
    sign_in(page, live_server, staff_member)
    page.goto(f"{live_server.url}/")

    assert page.locator(".site-menu .badge-count").inner_text() == "2"
    page.click(".topbar a.bell")
    shot(page, SCREENSHOTS / "notifications-list.png")
    assert "เหตุผล: แนบภาพถ่ายการประชุมด้วย" in page.content()

    page.click("text=ทำเครื่องหมายว่าอ่านแล้วทั้งหมด")

    assert page.locator(".topbar .badge-count").count() == 0
    assert "ทำเครื่องหมายว่าอ่านแล้ว 2 รายการ" in page.content()


def test_staff_choose_email_per_event_on_the_preferences_page(live_server, browser, staff_member):
    page = new_page(browser)
    sign_in(page, live_server, staff_member)
    page.goto(f"{live_server.url}/notifications/preferences/")

    page.uncheck("input[name=reminder__email]")
    page.click("button[type=submit].primary")
    shot(page, SCREENSHOTS / "notifications-preferences.png")

    assert "บันทึกการตั้งค่าการแจ้งเตือนแล้ว" in page.content()
    assert not page.is_checked("input[name=reminder__email]")
    assert page.is_checked("input[name=assigned__email]")
