# ruff: noqa: F811 (the sample-year fixture is imported from the workflow journeys)
"""Queues, the all-division submission list, the phone header and the daily digest in a real browser, as the demo
users of the sample year, at desktop and phone sizes. Screenshots go to artifacts/screenshots/queues/."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from approvals import services
from approvals.models import Action, Division, Submission, User
from config.celery import app
from notifications.models import Delivery, OutboxMessage
from tests.browser import SCREENSHOTS
from tests.workflows.test_browser_journeys import Visit, sample_year  # noqa: F401 (a fixture)

SHOTS = SCREENSHOTS / "queues"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class Person(Visit):
    """A demo user's browser session at a desktop's or a phone's size."""

    folder = SHOTS


@pytest.fixture
def half_submitted(sample_year):
    """An all-division action of the sample year that one division (สำนักปลัด, somchai's) has submitted."""
    action = (
        Action.objects.filter(all_divisions=True, status__in=[Action.Status.PLANNED, Action.Status.IN_PROGRESS])
        .order_by("pk")
        .first()
    )
    assert action is not None, "the sample year has an open all-division action"
    somchai = User.objects.get(username="somchai")
    division = Division.objects.get(agency=action.agency, name="สำนักปลัด")
    draft = Submission.objects.get(action=action, division=division, round=action.current_round)
    if draft.status == Submission.Status.DRAFT:
        services.save_draft(draft, by=somchai, results="ประกาศเจตนารมณ์แล้ว", outcome="บุคลากรรับทราบ", progress=100)
        services.submit_result(draft, by=somchai)
    return action


def test_a_staff_member_filters_the_queue_on_a_desktop(sample_year, live_server, browser):
    staff = Person(browser, live_server, "somchai", "desktop")
    staff.go("/work/queue/", "queue")
    total = int(staff.page.inner_text(".queue-counts li:first-child strong"))
    overdue = int(staff.page.inner_text(".queue-counts li.overdue strong, .queue-counts li:nth-child(4) strong"))
    assert total > 0

    staff.page.click(".queue-filters summary")
    staff.page.check("input[name=overdue]")
    staff.page.select_option("select[name=sort]", "-due")
    staff.click(".queue-filters button[type=submit]", "overdue-filtered")

    rows = staff.page.locator("table.queue-table tbody tr[data-action]")
    assert rows.count() == min(overdue, 50)
    assert staff.page.locator("table.queue-table tbody tr.is-overdue").count() == rows.count()
    assert "ตรงกับตัวกรอง" in staff.page.inner_text("main")

    staff.page.select_option("select[name=holder]", "nobody")
    staff.click(".queue-filters button[type=submit]", "overdue-waiting")
    assert "holder=nobody" in staff.page.url
    staff.close()


def test_the_phone_header_is_one_line_and_the_menu_opens_behind_a_button(sample_year, live_server, browser):
    staff = Person(browser, live_server, "somchai", "phone")
    staff.go("/work/queue/", "queue")

    header = staff.page.locator("header.topbar").bounding_box()
    assert header["height"] <= 80
    assert not staff.page.locator("nav.mainnav").is_visible()

    staff.page.click(".menu-toggle")
    staff.shot("menu-open")
    assert staff.page.locator("nav.mainnav").is_visible()
    assert staff.page.get_attribute(".menu-toggle", "aria-expanded") == "true"
    staff.click("nav.mainnav a:has-text('งานของฉัน')", "inbox")
    assert "/work/inbox/" in staff.page.url

    staff.go("/", "home")
    assert "งานรอรับ" in staff.page.inner_text(".waiting-summary")
    staff.close()


def test_the_chief_administrator_sees_which_divisions_have_not_submitted(
    half_submitted,
    live_server,
    browser,
):
    action = half_submitted
    for size in ("desktop", "phone"):
        chief = Person(browser, live_server, "palad", size)
        chief.go("/work/queue/", "queue-waiting-for-divisions")
        row = chief.page.locator(f".waiting-for-divisions tr[data-action='{action.pk}']")
        assert row.count() == 1
        row.locator("summary").click()
        chief.shot("waiting-divisions-open")
        assert "สำนักปลัด" in row.inner_text() and "ยังไม่ส่ง" in row.inner_text()

        chief.go(f"/work/actions/{action.pk}/", "action-page")
        section = chief.page.locator("section.who-submitted")
        text = section.inner_text()
        assert re.search(r"ส่งแล้ว 1 จาก \d+ ส่วนราชการ", text)
        submitted = section.locator("tr.has-submitted")
        assert submitted.count() == 1 and "สำนักปลัด" in submitted.inner_text()
        assert "2569" in submitted.inner_text() or "25" in submitted.inner_text()
        assert section.locator("tr.not-submitted").count() >= 1
        chief.close()


def test_the_daily_digest_email_lists_the_staff_members_items_and_its_links_open_them(
    sample_year,
    live_server,
    browser,
    settings,
):
    settings.NOTIFICATION_SITE_URL = live_server.url
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        from notifications import tasks

        # What a worker did during the year (none runs here): every notification delivered, the returns and
        # approvals emailed at once, the rest held for the digest.
        OutboxMessage.objects.unfinished().update(next_attempt_at=None)
        tasks.relay_outbox.run(grace_seconds=0)
        assert Delivery.objects.filter(notification__recipient__username="somchai", status=Delivery.Status.HELD)
        mail.outbox.clear()
        # Beat's daily job.
        tasks.send_daily_digests.delay()
    finally:
        app.conf.task_always_eager = saved

    digests = [m for m in mail.outbox if m.to == ["somchai@example.org"]]
    assert len(digests) == 1
    digest = digests[0]
    assert digest.subject.startswith("[Khunatham] สรุปการแจ้งเตือนประจำวันที่")
    assert "งานใหม่ของกอง" in digest.body
    # What was addressed to him personally (a return, an approval) came at once, not in the digest.
    assert "ส่งกลับให้แก้ไข" not in digest.body and "อนุมัติแล้ว:" not in digest.body
    links = re.findall(rf"{re.escape(live_server.url)}(/work/actions/\d+/)", digest.body)
    assert links

    staff = Person(browser, live_server, "somchai", "desktop")
    staff.go(links[0], "digest-link")
    assert staff.page.locator(".action-head h1").is_visible()
    staff.go("/notifications/preferences/", "preferences")
    assert staff.page.locator("select[name=assigned__timing]").input_value() == "digest"
    assert staff.page.locator("select[name=returned__timing]").input_value() == "immediate"
    staff.close()
