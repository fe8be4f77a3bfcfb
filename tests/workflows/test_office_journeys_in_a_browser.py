"""How a Thai office works, in a real browser at desktop and phone sizes: the mayor and the acting mayor share
and release a step; a substitute covers a leave and the tasks come back; a return goes to its author; the mayor
approves five actions in one batch, one refused by segregation of duties. Every page is kept as a screenshot in
artifacts/screenshots/office/."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from viewflow.workflow.models import Task

from approvals import permissions, services, steps
from approvals.models import Action, Decision, Plan, Role
from tests import factories
from tests.browser import SCREENSHOTS, SIZES
from tests.browser import Visit as BrowserVisit
from tests.workflows.conftest import division_task, open_tasks, submit
from tests.workflows.test_acting_roles import appoint
from workflows.flows import ActionFlow

SHOTS = SCREENSHOTS / "office"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class Visit(BrowserVisit):
    """One person's browser session at one size, signed in; every page it reaches is saved as a numbered
    screenshot."""

    folder = SHOTS

    def __init__(self, browser, live_server, person, size: str = "desktop") -> None:
        super().__init__(browser, live_server, person, size, folder=self.folder)


def execute_url(task: Task) -> str:
    return task.flow_task.reverse("execute", args=[task.process_id, task.pk])


@pytest.fixture
def accepted(activated, division, staff_member, chief_administrator, mayor):
    submit(activated, division, staff_member)
    services.accept_action(activated, by=chief_administrator)
    return activated


def test_the_mayor_and_the_acting_mayor_share_and_release_the_approval(browser, live_server, accepted, mayor, agency):
    deputy = factories.UserFactory(agency=agency, username="deputy", first_name="สมศักดิ์", last_name="ช่วยราชการ")
    appoint(deputy, Role.MAYOR, mayor, days_from=-2, days_until=5)
    approval = open_tasks(accepted, ActionFlow.approve_by_mayor)[0]
    assert approval.owner == deputy

    acting = Visit(browser, live_server, deputy)
    acting.go("/work/inbox/", "inbox-holds-the-approval")
    acting.click(f"tr[data-action='{accepted.pk}'] a:has-text('เปิด')", "approval-page-acting")
    assert "รักษาราชการแทนนายก" in acting.text()
    acting.click("a:has-text('คืนงานเข้าคิว')", "release-page")
    acting.click("button:has-text('คืนงานเข้าคิว')", "released")
    assert Task.objects.get(pk=approval.pk).owner is None

    holder = Visit(browser, live_server, mayor, size="phone")
    holder.go(execute_url(approval), "approval-read-only")
    assert "ดูได้อย่างเดียว" in holder.text()
    holder.page.fill("textarea[name=reason]", "กลับมาปฏิบัติราชการตามปกติ")
    holder.click("button:has-text('สิ้นสุดการรักษาราชการแทน')", "appointment-ended")
    assert Task.objects.get(pk=approval.pk).owner == mayor
    holder.go(execute_url(approval), "approval-back-with-the-mayor")
    holder.page.check("input[name=decision][value=approve]")
    holder.click("button:has-text('บันทึกผลการพิจารณา')", "approved")
    for visit in (acting, holder):
        visit.close()

    decision = Decision.objects.get(action=accepted, stage=Decision.Stage.APPROVAL)
    assert (decision.decided_by, decision.on_behalf_of) == (mayor, None)


def test_a_substitute_covers_a_leave_and_the_task_comes_back(
    browser, live_server, activated, agency, division, staff_member, division_head
):
    colleague = factories.UserFactory(agency=agency, username="carol", first_name="แคโรล")
    factories.RoleAssignmentFactory(user=colleague, agency=agency, role=Role.STAFF, division=division)
    task = division_task(activated, division)
    steps.take_task(task, by=staff_member)
    today = timezone.localdate()

    staff = Visit(browser, live_server, staff_member, size="phone")
    staff.go("/work/leave/", "leave-page")
    staff.page.select_option("select[name=substitute]", str(colleague.pk))
    staff.page.fill("input[name=valid_from]", today.isoformat())
    staff.page.fill("input[name=valid_until]", (today + datetime.timedelta(days=2)).isoformat())
    staff.page.fill("input[name=reason]", "ลาพักผ่อนประจำปี")
    staff.click("button:has-text('บันทึกการมอบหมาย')", "substitute-named")

    head = Visit(browser, live_server, division_head)
    head.go("/work/leave/", "to-confirm")
    head.click("li[data-substitution] button:has-text('ยืนยัน')", "confirmed")
    assert Task.objects.get(pk=task.pk).owner == colleague

    substitute = Visit(browser, live_server, colleague)
    substitute.go("/work/inbox/", "inbox-of-the-substitute")
    assert activated.text in substitute.text()

    steps.settle_steps(agency.pk, by=services.system_user(), on=today + datetime.timedelta(days=3))
    staff.go("/work/inbox/", "task-came-back")
    assert activated.text in staff.text()
    for visit in (staff, head, substitute):
        visit.close()
    assert Task.objects.get(pk=task.pk).owner == staff_member


def test_a_return_goes_to_its_author(
    browser, live_server, activated, division, staff_member, division_head, chief_administrator
):
    submit(activated, division, staff_member)
    review = open_tasks(activated, ActionFlow.review_by_chief)[0]

    chief = Visit(browser, live_server, chief_administrator)
    chief.go(execute_url(review), "review-assigned-directly")
    chief.page.check("input[name=decision][value=return_divisions]")
    chief.page.fill("textarea[name=reason]", "กรุณาแนบภาพถ่ายการประชุม")
    chief.click("button:has-text('บันทึกผลการพิจารณา')", "returned")

    author = Visit(browser, live_server, staff_member, size="phone")
    author.go("/work/inbox/", "returned-round-is-mine")
    author.click(f"tr[data-action='{activated.pk}'] a:has-text('เปิด')", "returned-task-page")
    assert "กรุณาแนบภาพถ่ายการประชุม" in author.text()

    head = Visit(browser, live_server, division_head)
    task = division_task(activated, division)
    head.go(execute_url(task), "take-over-offered")
    assert "รับงานต่อ" in head.text()
    for visit in (chief, author, head):
        visit.close()
    assert Task.objects.get(pk=task.pk).owner == staff_member


def test_the_mayor_approves_five_actions_in_one_batch_one_refused(
    browser, live_server, agency, division, staff_member, chief_administrator, mayor, agency_admin
):
    plan = factories.PlanFactory(agency=agency, status=Plan.Status.DRAFT)
    actions = [
        factories.ActionFactory(indicator__measure__plan=plan, responsible=[division], text=f"แนวทางชุดที่ {n + 1}")
        for n in range(5)
    ]
    # The mayor also works in the division (a second hat) and submitted the results of the last action.
    factories.RoleAssignmentFactory(user=mayor, agency=agency, role=Role.STAFF, division=division)
    permissions.forget_standing(mayor)
    services.activate_plan(plan, by=agency_admin, reason="เริ่มแผน")
    for action in actions:
        submit(action, division, mayor if action is actions[-1] else staff_member)
        services.accept_action(action, by=chief_administrator, reason="ครบถ้วน")

    visit = Visit(browser, live_server, mayor)
    visit.go("/work/decisions/", "batch-list")
    for action in actions:
        visit.page.check(f"input[name=action][value='{action.pk}']")
    visit.click("button:has-text('ดูสรุปแนวทางที่เลือก')", "batch-summary")
    visit.page.fill("textarea[name=reason]", "อนุมัติตามที่ปลัดเสนอ")
    visit.page.check("input[name=confirm]")
    visit.click("button:has-text('อนุมัติแนวทางที่เลือก')", "batch-done")
    assert "พิจารณาไม่ได้ 1 แนวทาง" in visit.text()
    phone = Visit(browser, live_server, mayor, size="phone")
    phone.go("/work/decisions/", "batch-list-after")
    for each in (visit, phone):
        each.close()

    statuses = dict(Action.objects.filter(pk__in=[a.pk for a in actions]).values_list("pk", "status"))
    assert [statuses[a.pk] for a in actions] == ["done"] * 4 + ["awaiting_approval"]


def test_the_mayor_back_the_day_the_acting_appointment_began_ends_it_and_approves(
    browser, live_server, accepted, mayor, agency
):
    deputy = factories.UserFactory(agency=agency, username="deputy", first_name="สมศักดิ์", last_name="ช่วยราชการ")
    appoint(deputy, Role.MAYOR, mayor, days_from=0, days_until=5)
    approval = open_tasks(accepted, ActionFlow.approve_by_mayor)[0]

    holder = Visit(browser, live_server, mayor, size="phone")
    holder.go(execute_url(approval), "same-day-approval-read-only")
    holder.page.fill("textarea[name=reason]", "ภารกิจต่างจังหวัดยกเลิก กลับมาบ่ายวันนี้")
    holder.click("button:has-text('สิ้นสุดการรักษาราชการแทน')", "same-day-appointment-ended")
    holder.go(execute_url(approval), "same-day-approval-back-with-the-mayor")
    holder.page.check("input[name=decision][value=approve]")
    holder.click("button:has-text('บันทึกผลการพิจารณา')", "same-day-approved")
    holder.close()

    decision = Decision.objects.get(action=accepted, stage=Decision.Stage.APPROVAL)
    assert (decision.decided_by, decision.on_behalf_of) == (mayor, None)


def test_the_administrator_grants_a_delegation_by_order_and_the_chief_confirms_it_knowing_its_kind(
    browser, live_server, agency, mayor, chief_administrator, agency_admin
):
    newcomer = factories.UserFactory(agency=agency, username="somchai", first_name="สมชาย", last_name="รองนายก")
    form = "form[action$='/grant/']"

    admin = Visit(browser, live_server, agency_admin)
    admin.go(f"/approvals/administration/people/{newcomer.pk}/", "grant-form-with-the-kind")
    admin.page.select_option(f"{form} select[name=role]", Role.MAYOR)
    admin.page.select_option(f"{form} select[name=acting_for]", str(mayor.pk))
    admin.page.check(f"{form} input[name=kind][value=delegation]")
    admin.page.fill(f"{form} input[name=order_number]", "๔๐/๒๕๖๙")
    admin.page.fill(f"{form} input[name=order_date]", "28/11/2569")
    admin.page.fill(f"{form} input[name=reason]", "มอบอำนาจอนุมัติผลการดำเนินงานตามแผน")
    admin.click(f"{form} button[type=submit]", "delegation-proposed")
    assert f"ปฏิบัติราชการแทน {mayor}" in admin.text()

    chief = Visit(browser, live_server, chief_administrator, size="phone")
    chief.go("/approvals/administration/grants/", "delegation-to-confirm")
    assert "ผู้ดำรงตำแหน่งยังปฏิบัติหน้าที่อยู่" in chief.text()
    chief.page.fill("form[action$='/confirm/'] input[name=reason]", "ตรวจคำสั่งแล้ว")
    chief.click("form[action$='/confirm/'] button[type=submit]", "delegation-confirmed")
    admin_phone = Visit(browser, live_server, agency_admin, size="phone")
    admin_phone.go(f"/approvals/administration/people/{newcomer.pk}/", "person-with-a-delegation")
    assert f"ปฏิบัติราชการแทน {mayor}" in admin_phone.text()
    for visit in (admin, chief, admin_phone):
        visit.close()


def test_the_notification_centre_shows_one_entry_per_action_and_day(
    browser, live_server, activated, staff_member, agency
):
    from notifications.models import Event, Notification

    other = factories.ActionFactory(indicator=activated.indicator, text="จัดทำคู่มือการให้บริการประชาชน")
    for key, (action, event) in enumerate(
        [(activated, Event.ASSIGNED), (other, Event.ASSIGNED), (activated, Event.REMINDER), (activated, Event.RETURNED)]
    ):
        Notification.objects.create(
            recipient=staff_member,
            agency=agency,
            event=event,
            action=action,
            params={"action": str(action), "reason": "แนบภาพถ่ายการประชุม" if event == Event.RETURNED else ""},
            url=f"/work/actions/{action.pk}/",
            key=f"journey:{key}:user:{staff_member.pk}",
        )

    for size in SIZES:
        staff = Visit(browser, live_server, staff_member, size=size)
        staff.go("/notifications/", "notifications-grouped")
        staff.page.click("details.notification-earlier summary")
        staff.shot("notifications-earlier-unfolded")
        staff.close()
    staff = Visit(browser, live_server, staff_member)
    staff.go("/notifications/", "notifications-before-reading")
    staff.click("li.notification:first-child button:has-text('อ่านแล้ว')", "notifications-entry-read")
    assert staff.page.inner_text("a.bell .badge-count").strip() == "1"
    staff.close()
