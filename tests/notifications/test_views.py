"""The notification centre, the unread badge and the preferences page, as a signed-in person sees them."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications.models import Channel, Event, Notification, Preference
from tests import factories
from tests.notifications.conftest import LINE_ID

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def notification(user, action, event=Event.ASSIGNED, key="k", **extra) -> Notification:
    return Notification.objects.create(
        recipient=user,
        agency_id=user.agency_id,
        event=event,
        action=action,
        params={"action": str(action), "reason": extra.pop("reason", "")},
        url=f"/work/actions/{action.pk}/",
        key=f"{key}:user:{user.pk}",
        **extra,
    )


def test_every_page_shows_the_unread_count_in_the_top_bar(client, staff_member, action):
    notification(staff_member, action, key="a")
    notification(staff_member, action, key="b")
    client.force_login(staff_member, backend=MODEL_BACKEND)

    page = client.get(reverse("home")).content.decode()

    assert '<span class="badge-count" title="การแจ้งเตือนที่ยังไม่ได้อ่าน">2</span>' in page


def test_the_list_links_each_notification_to_its_action_with_the_reason(client, staff_member, action):
    notification(staff_member, action, Event.RETURNED, reason="แนบภาพถ่ายการประชุม")
    client.force_login(staff_member, backend=MODEL_BACKEND)

    page = client.get(reverse("notifications:list")).content.decode()

    assert f'href="/work/actions/{action.pk}/"' in page
    assert "ส่งกลับให้แก้ไข:" in page
    assert "เหตุผล: แนบภาพถ่ายการประชุม" in page


def test_a_person_sees_only_their_own_notifications(client, staff_member, other_division_staff, action):
    notification(other_division_staff, action, Event.CANCELLED)
    client.force_login(staff_member, backend=MODEL_BACKEND)

    page = client.get(reverse("notifications:list")).content.decode()

    assert "ยกเลิกแล้ว" not in page
    assert "ยังไม่มีการแจ้งเตือน" in page


def test_the_list_page_needs_a_constant_number_of_queries(client, staff_member, action, django_assert_max_num_queries):
    for n in range(20):
        notification(staff_member, action, key=f"n{n}")
    client.force_login(staff_member, backend=MODEL_BACKEND)

    with django_assert_max_num_queries(12):
        client.get(reverse("notifications:list"))


def test_marking_one_as_read_records_who_read_it(client, staff_member, action):
    item = notification(staff_member, action)
    client.force_login(staff_member, backend=MODEL_BACKEND)

    response = client.post(reverse("notifications:mark-read", args=[item.pk]))

    item.refresh_from_db()
    assert response.status_code == 302
    assert item.read_at is not None
    assert item.history.first().history_user == staff_member


def test_marking_as_read_is_refused_on_get(client, staff_member, action):
    item = notification(staff_member, action)
    client.force_login(staff_member, backend=MODEL_BACKEND)

    response = client.get(reverse("notifications:mark-read", args=[item.pk]))

    assert response.status_code == 405


def test_someone_elses_notification_cannot_be_marked_read(client, staff_member, other_division_staff, action):
    item = notification(other_division_staff, action)
    client.force_login(staff_member, backend=MODEL_BACKEND)

    response = client.post(reverse("notifications:mark-read", args=[item.pk]))

    assert response.status_code == 404


def test_mark_all_as_read_clears_the_badge(client, staff_member, action):
    notification(staff_member, action, key="a")
    notification(staff_member, action, key="b")
    client.force_login(staff_member, backend=MODEL_BACKEND)

    client.post(reverse("notifications:mark-all-read"))
    page = client.get(reverse("home")).content.decode()

    assert Notification.objects.unread().count() == 0
    assert "badge-count" not in page


@pytest.fixture
def shared_action(plan, division):
    return factories.ActionFactory(indicator=factories.IndicatorFactory(measure__plan=plan), responsible=[division])


def a_day_ago(*items) -> None:
    Notification.objects.filter(pk__in=[item.pk for item in items]).update(
        created_at=timezone.now() - datetime.timedelta(days=1)
    )


def test_what_happened_to_one_action_in_a_day_is_one_entry_with_its_count_and_the_newest_on_top(
    client, staff_member, action
):
    notification(staff_member, action, Event.ASSIGNED, key="a")
    notification(staff_member, action, Event.REMINDER, key="b")
    notification(staff_member, action, Event.RETURNED, key="c", reason="แนบภาพถ่ายการประชุม")
    client.force_login(staff_member, backend=MODEL_BACKEND)

    response = client.get(reverse("notifications:list"))

    page = response.content.decode()
    assert [(g.count, g.unread, g.newest.event) for g in response.context["groups"]] == [(3, 3, Event.RETURNED)]
    assert "3 รายการ" in page and "ใหม่ 3" in page
    assert "ก่อนหน้านี้ในวันเดียวกันอีก 2 รายการ" in page


def test_entries_are_per_action_and_day_newest_first(client, staff_member, action, shared_action):
    yesterday = notification(staff_member, action, Event.ASSIGNED, key="a")
    a_day_ago(yesterday)
    notification(staff_member, shared_action, Event.ASSIGNED, key="b")
    notification(staff_member, action, Event.REMINDER, key="c")
    client.force_login(staff_member, backend=MODEL_BACKEND)

    groups = client.get(reverse("notifications:list")).context["groups"]

    assert [(g.newest.action, g.newest.event, g.count) for g in groups] == [
        (action, Event.REMINDER, 1),
        (shared_action, Event.ASSIGNED, 1),
        (action, Event.ASSIGNED, 1),
    ]


def test_marking_an_entry_read_reads_all_its_notifications_and_the_badge_counts_the_rest(
    client, staff_member, action, shared_action
):
    first = notification(staff_member, action, Event.ASSIGNED, key="a")
    notification(staff_member, action, Event.REMINDER, key="b")
    notification(staff_member, shared_action, Event.ASSIGNED, key="c")
    client.force_login(staff_member, backend=MODEL_BACKEND)

    client.post(reverse("notifications:mark-group-read", args=[first.pk]))
    home = client.get(reverse("home")).content.decode()

    assert Notification.objects.unread().get().action == shared_action
    assert '<span class="badge-count" title="การแจ้งเตือนที่ยังไม่ได้อ่าน">1</span>' in home
    assert first.history.first().history_user == staff_member


def test_someone_elses_entry_cannot_be_marked_read(client, staff_member, other_division_staff, action):
    item = notification(other_division_staff, action)
    client.force_login(staff_member, backend=MODEL_BACKEND)

    response = client.post(reverse("notifications:mark-group-read", args=[item.pk]))

    item.refresh_from_db()
    assert (response.status_code, item.read_at) == (404, None)


def preference_form(**overrides) -> dict:
    data = {"line_user_id": "", f"{Event.ASSIGNED}__{Channel.EMAIL}": "on"}
    data.update(overrides)
    return data


def test_a_person_chooses_channels_per_event(client, staff_member, settings):
    settings.LINE_ENABLED = True
    client.force_login(staff_member, backend=MODEL_BACKEND)

    response = client.post(
        reverse("notifications:preferences"),
        preference_form(line_user_id=LINE_ID, **{f"{Event.RETURNED}__{Channel.LINE}": "on"}),
    )

    preference = Preference.objects.get(user=staff_member)
    assert response.status_code == 302
    assert preference.channels_for(Event.ASSIGNED) == {Channel.IN_APP, Channel.EMAIL}
    assert preference.channels_for(Event.RETURNED) == {Channel.IN_APP, Channel.LINE}
    assert preference.history.get().history_reason == "notification.preferences_changed"


def test_a_malformed_line_user_id_is_refused_in_thai_then_english(client, staff_member, settings):
    settings.LINE_ENABLED = True
    client.force_login(staff_member, backend=MODEL_BACKEND)

    response = client.post(reverse("notifications:preferences"), preference_form(line_user_id="alice-line"))

    page = response.content.decode()
    assert response.status_code == 200
    assert "LINE user ID: ต้องขึ้นต้นด้วยตัว U" in page
    assert "it must be the letter U followed by 32 digits" in page
    assert not Preference.objects.exists()


def test_choosing_line_without_a_line_user_id_is_refused(client, staff_member, settings):
    settings.LINE_ENABLED = True
    client.force_login(staff_member, backend=MODEL_BACKEND)

    response = client.post(
        reverse("notifications:preferences"), preference_form(**{f"{Event.ASSIGNED}__{Channel.LINE}": "on"})
    )

    assert "โปรดกรอกเพื่อรับการแจ้งเตือนทาง LINE" in response.content.decode()
    assert not Preference.objects.exists()


@pytest.mark.parametrize("name", ["notifications:list", "notifications:preferences"])
def test_the_pages_need_a_login(client, db, name):
    response = client.get(reverse(name))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_reminder_recorded_without_a_due_date_says_so_instead_of_counting_down(client, staff_member, action):
    notification(staff_member, action, Event.REMINDER)
    client.force_login(staff_member)

    page = client.get("/notifications/").content.decode()

    assert f"เตือนงาน (ยังไม่ได้กำหนดวันครบกำหนด): {action}" in page
    assert "อีก 0 วัน" not in page
