"""Planning the next year in a real browser (Chromium), as the sample agency's people: the administrator pastes
the NACC's per-indicator table of the 2566 result, sees the suggested statuses, drafts the plan of 2567, adds
an action and sends it; the chief administrator accepts it, the mayor approves it, the administrator activates
it. Desktop and phone sizes; no page breaks the Content-Security-Policy. Screenshots in
artifacts/screenshots/next-year/."""

from __future__ import annotations

import pytest

from approvals.models import Action, BudgetItem, Plan, PlanReview
from tests.approvals import test_administration_in_a_browser as browser_tools
from tests.approvals.test_next_year import NACC_TABLE
from tests.browser import SCREENSHOTS
from workflows.models import ActionProcess

SHOTS = SCREENSHOTS / "next-year"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
sample_agency = browser_tools.sample_agency


class Visit(browser_tools.Visit):
    folder = SHOTS


def test_scores_pasted_give_suggested_statuses_and_the_drafted_plan_goes_through_review_to_activation(
    browser, live_server, sample_agency
):
    admin = Visit(browser, live_server, "admin")
    admin.go("/approvals/scores/2566/", "scores-empty")
    admin.page.fill("textarea[name=pasted]", NACC_TABLE)
    admin.click("form:has(textarea[name=pasted]) button[type=submit]", "scores-saved")
    page = admin.page.content()
    assert "บันทึกผลการประเมิน ITA แล้ว" in page
    assert "แก้ไขเร่งด่วน" in page and "รักษาระดับ" in page and "พัฒนายกระดับ" in page

    admin.click("form[action$='/draft/'] button[type=submit]", "draft-made")
    review = PlanReview.objects.get()
    assert "ร่างแผน ปีงบประมาณ พ.ศ. 2567" in admin.page.content()
    # The sample plan's budget items, copied with their planned amounts.
    this_years = BudgetItem.objects.filter(plan__agency=sample_agency, plan__fiscal_year__year=2566)
    assert admin.page.locator("section.draft-budget tbody tr").count() == this_years.count() > 0
    assert this_years.order_by("number").first().item in admin.page.locator("section.draft-budget").inner_text()

    admin.page.locator("details.add-action summary").first.click()
    form = admin.page.locator("details.add-action form").first
    form.locator("textarea[name=text]").fill("จัดอบรมการใช้งบประมาณอย่างโปร่งใสให้บุคลากรทุกส่วนราชการ")
    form.locator("input[name=all_divisions]").check()
    form.locator("input[name=due_date]").fill("31/3/2568")
    with admin.page.expect_navigation():
        form.locator("button[value=add]").click()
    admin.shot("action-added")
    assert "เพิ่มแนวทางแล้ว" in admin.page.content()
    admin.click("button[value=submit]", "sent-for-review")

    phone = Visit(browser, live_server, "admin", size="phone")
    phone.go("/approvals/scores/2566/", "scores")
    phone.go(f"/approvals/plans/drafts/{review.pk}/", "draft")
    phone.close()

    chief = Visit(browser, live_server, "palad")
    chief.go(f"/approvals/plans/drafts/{review.pk}/", "to-review")
    chief.click("button[value=accept]", "accepted")
    mayor = Visit(browser, live_server, "nayok")
    mayor.go(f"/approvals/plans/drafts/{review.pk}/", "to-approve")
    mayor.click("button[value=approve]", "approved")
    admin.go(f"/approvals/plans/drafts/{review.pk}/", "to-activate")
    admin.click("button[value=activate]", "activated")

    review.refresh_from_db()
    plan = Plan.objects.get(pk=review.plan_id)
    assert (review.state, plan.status) == (PlanReview.State.ACTIVATED, Plan.Status.ACTIVE)
    actions = Action.objects.filter(indicator__measure__plan=plan)
    assert ActionProcess.objects.filter(action__in=actions).count() == actions.count() > 0
    for visit in (admin, chief, mayor):
        assert visit.csp_errors == []
        visit.close()
