"""The three journeys in a real browser, as the demo users of the sample year: a staff member submits
results with an evidence file; the chief administrator returns them with a reason, then accepts the
resubmission; the mayor approves. Every page is kept as a screenshot in artifacts/screenshots/."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from approvals.models import Action, Decision, Evidence
from approvals.sample import load_sample_agency
from tests.browser import SCREENSHOTS
from tests.browser import Visit as BrowserVisit

SHOTS = SCREENSHOTS / "workflow"
RETURN_REASON = "กรุณาแนบภาพถ่ายการประชุมชี้แจงด้วย"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sample_year(settings, rows_of_the_module):
    """The sample agency and its played year, committed: played in the module's first test, the others start
    from the rows it made (tests/snapshot.py)."""
    settings.MEDIA_ROOT = rows_of_the_module.media_root
    rows_of_the_module.made_once(play_the_sample_year)
    # A single-division action nobody has started: the journeys' action.
    return Action.objects.filter(status=Action.Status.PLANNED, all_divisions=False).order_by("pk").first()


def play_the_sample_year() -> None:
    load_sample_agency()
    call_command("play_sample_year", stdout=StringIO())


class Visit(BrowserVisit):
    """A demo user's browser session, signed in; every page it reaches is saved as a numbered screenshot."""

    folder = SHOTS

    def __init__(self, browser, live_server, username: str, size: str = "desktop") -> None:
        super().__init__(browser, live_server, username, size, folder=self.folder)

    def take(self, action: Action, name: str) -> None:
        """Take the action's task from the inbox and open its page."""
        self.go("/work/inbox/", "inbox")
        self.click(f"tr[data-action='{action.pk}'] button:has-text('รับงาน')", name)

    def open(self, action: Action, name: str) -> None:
        """Open the action's task that is already the person's (assigned to them directly) from the inbox."""
        self.go("/work/inbox/", "inbox")
        self.click(f"tr[data-action='{action.pk}'] a:has-text('เปิด')", name)


def test_staff_submits_with_evidence_the_chief_returns_then_accepts_and_the_mayor_approves(
    sample_year, live_server, browser, tmp_path
):
    # sample_year comes first: the test database is then set up before the live server and torn down after it.
    action = sample_year
    evidence = tmp_path / "รายงานการประชุม.pdf"
    evidence.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

    staff = Visit(browser, live_server, "somchai")
    staff.take(action, "task-page")
    staff.page.fill("textarea[name=results]", "จัดประชุมชี้แจงขั้นตอนการให้บริการแก่เจ้าหน้าที่ทุกคน")
    staff.page.fill("textarea[name=outcome]", "เจ้าหน้าที่ปฏิบัติตามขั้นตอนเดียวกัน")
    staff.page.fill("input[name=progress]", "100")
    staff.page.set_input_files("input[name=evidence]", str(evidence))
    staff.click("button[name=submit]", "submitted")
    assert "ส่งผลการดำเนินการของส่วนราชการ" in staff.page.content()
    assert Evidence.objects.get(submission__action=action).original_name == evidence.name

    chief = Visit(browser, live_server, "palad")
    chief.open(action, "review-page")
    assert "จัดประชุมชี้แจงขั้นตอนการให้บริการ" in chief.page.content()
    chief.page.check("input[name=decision][value=return_divisions]")
    chief.page.fill("textarea[name=reason]", RETURN_REASON)
    chief.click("button:has-text('บันทึกผลการพิจารณา')", "returned")

    staff.open(action, "returned-task-page")
    assert RETURN_REASON in staff.page.content()
    staff.page.fill("textarea[name=results]", "จัดประชุมชี้แจงและแนบภาพถ่ายการประชุมแล้ว")
    staff.click("button[name=submit]", "resubmitted")

    chief.open(action, "second-review")
    chief.page.check("input[name=decision][value=accept]")
    chief.click("button:has-text('บันทึกผลการพิจารณา')", "accepted")

    mayor = Visit(browser, live_server, "nayok")
    mayor.open(action, "approval-page")
    mayor.page.check("input[name=decision][value=approve]")
    mayor.click("button:has-text('บันทึกผลการพิจารณา')", "approved")
    mayor.go(f"/work/actions/{action.pk}/", "action-story")
    mayor.go(f"/work/progress/{action.indicator.measure.plan.fiscal_year.year}/", "plan-progress")
    staff.go("/work/archive/", "archive")
    for visit in (staff, chief, mayor):
        visit.close()

    action.refresh_from_db()
    assert action.status == Action.Status.DONE
    assert list(Decision.objects.filter(action=action).values_list("outcome", "decided_by__username")) == [
        ("returned", "palad"),
        ("accepted", "palad"),
        ("approved", "nayok"),
    ]
