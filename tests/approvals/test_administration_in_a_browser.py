"""The agency administration pages and a sign-in with a second factor, in a real browser (Chromium), at desktop
and phone sizes, as the sample agency's people: the administrator opens an account, grants a membership and
proposes an acting appointment; the mayor confirms it; the finance division records spending; the mayor signs
in with an authenticator code. No page breaks the Content-Security-Policy. Every page is kept as a screenshot
in artifacts/screenshots/administration/."""

from __future__ import annotations

import base64
import re

import pytest
from django_otp.oath import totp

from approvals.models import Expenditure, RoleAssignment, User
from approvals.sample import DEMO_PASSWORD, load_sample_agency
from tests.browser import PHONE, SCREENSHOTS
from tests.browser import Visit as BrowserVisit

SHOTS = SCREENSHOTS / "administration"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sample_agency(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    agency, _summary = load_sample_agency()
    return agency


class Visit(BrowserVisit):
    """One person of the sample agency at one size, signed in unless `signed_in=False`; every page is saved as
    a numbered screenshot in artifacts/screenshots/administration/."""

    folder = SHOTS

    def __init__(self, browser, live_server, username: str, size: str = "desktop", *, signed_in: bool = True) -> None:
        super().__init__(browser, live_server, username, size, folder=self.folder, signed_in=signed_in)

    def sign_in_by_the_form(self, password: str = DEMO_PASSWORD) -> None:
        self.page.goto(f"{self.base}/accounts/login/")
        self.page.fill("input[name=username]", self.username)
        self.page.fill("input[name=password]", password)
        with self.page.expect_navigation():
            self.page.click("form:has(input[name=password]) button[type=submit]")

    def submit(self, form: str, name: str, **fields: str) -> None:
        scope = self.page.locator(form)
        for field, value in fields.items():
            element = scope.locator(f"[name={field}]")
            if element.evaluate("e => e.tagName") == "SELECT":
                element.select_option(label=value)
            else:
                element.fill(value)
        with self.page.expect_navigation():
            scope.locator("button[type=submit]").first.click()
        self.shot(name)


def test_the_administrator_opens_an_account_grants_roles_and_the_mayor_confirms(browser, live_server, sample_agency):
    admin = Visit(browser, live_server, "admin")
    admin.go("/approvals/administration/", "overview")
    admin.go("/approvals/administration/people/", "people")
    admin.submit(
        "form:has([name=username])",
        "account-opened",
        username="somsri",
        first_name="สมศรี",
        last_name="ใจงาม",
        position="นักวิชาการเงินและบัญชี",
        password="first-sign-in-2569",
        reason="บรรจุใหม่ตามคำสั่งที่ ๓๕/๒๕๖๙",
    )
    assert "เปิดบัญชี somsri แล้ว" in admin.page.content()
    admin.submit(
        "form:has([name=order_number])",
        "membership-granted",
        role="เจ้าหน้าที่ส่วนราชการ",
        division="กองคลัง",
        reason="ปฏิบัติงานกองคลัง",
    )
    assert "กำหนดบทบาทแล้ว" in admin.page.content()
    admin.submit(
        "form:has([name=order_number])",
        "acting-chief-proposed",
        role="ปลัด อบต.",
        acting_for="วิชัย ธรรมดี",
        valid_until="31/12/2569",
        order_number="๓๖/๒๕๖๙",
        order_date="28/11/2569",
        reason="ปลัดไปราชการต่างจังหวัด",
    )
    assert "บุญมี" in admin.page.content()  # the mayor confirms it
    admin.go("/approvals/administration/roles/", "roles")
    admin.go("/approvals/administration/divisions/", "divisions")
    admin.go("/approvals/administration/plans/2566/actions/", "due-dates")
    admin.go("/approvals/budget/2566/", "budget")
    somsri = User.objects.get(username="somsri")
    proposal = RoleAssignment.objects.get(user=somsri, status=RoleAssignment.Status.PROPOSED)

    mayor = Visit(browser, live_server, "nayok")
    mayor.go("/", "home-with-a-grant-to-confirm")
    assert "รอการยืนยันของคุณ" in mayor.page.content()
    mayor.go("/approvals/administration/grants/", "grants")
    mayor.submit(f"form[action$='/grants/{proposal.pk}/confirm/']", "grant-confirmed", reason="ตรวจคำสั่งแล้ว")

    proposal.refresh_from_db()
    assert proposal.status == RoleAssignment.Status.IN_EFFECT
    for visit in (admin, mayor):
        assert visit.csp_errors == []
        visit.close()


def test_the_finance_division_records_spending_at_phone_size(browser, live_server, sample_agency):
    malee = Visit(browser, live_server, "malee", size="phone")
    malee.go("/approvals/budget/2566/", "budget")
    malee.page.locator(".budget-table a").first.click()
    malee.page.wait_for_load_state()
    malee.shot("budget-item")
    malee.submit(
        "form:has([name=document_number])",
        "spending-recorded",
        spent_on="15/9/2566",
        amount="1250.50",
        document_number="ฎ.๑๒๐/๒๕๖๖",
        description="ค่าวิทยากรอบรมคุณธรรม",
        reason="จ่ายค่าวิทยากร",
    )

    entry = Expenditure.objects.get(document_number="ฎ.๑๒๐/๒๕๖๖")
    assert str(entry.amount) == "1250.50"
    assert malee.csp_errors == []
    malee.close()


def test_the_administration_pages_read_at_phone_size(browser, live_server, sample_agency):
    admin = Visit(browser, live_server, "admin", size="phone")
    for path, name in (
        ("/approvals/administration/", "overview"),
        ("/approvals/administration/people/", "people"),
        (f"/approvals/administration/people/{User.objects.get(username='somchai').pk}/", "person"),
        ("/approvals/administration/roles/", "roles"),
    ):
        admin.go(path, name)

    widths = admin.page.evaluate("document.documentElement.scrollWidth")
    assert widths <= PHONE["width"] + 1  # nothing runs off the side of a phone
    assert admin.csp_errors == []
    admin.close()


def _code_from_page(page, steps_ahead: int = 0) -> str:
    secret = re.sub(r"\s", "", page.locator("code.secret").inner_text())
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return f"{totp(key, drift=steps_ahead):06d}"


@pytest.mark.second_factor
@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_mayor_sets_up_an_authenticator_and_signs_in_with_a_code(
    browser, live_server, sample_agency, settings, size
):
    settings.SECOND_FACTOR_REQUIRED = True
    mayor = Visit(browser, live_server, "nayok", size=size, signed_in=False)
    mayor.sign_in_by_the_form()
    mayor.shot("asked-to-set-up")
    assert "/accounts/second-factor/" in mayor.page.url
    code = _code_from_page(mayor.page)
    mayor.submit("form:has([name=code])", "recovery-codes", code=code)
    assert len(mayor.page.locator("ul.recovery-codes li").all()) == 10
    mayor.page.click("text=เก็บไว้แล้ว")
    mayor.page.wait_for_load_state()
    mayor.shot("home")
    secret = User.objects.get(username="nayok").totpdevice_set.get().bin_key

    # On a phone the sign-out button is in the menu the header folds away: open it as a person would.
    if mayor.page.is_visible(".menu-toggle"):
        mayor.page.click(".menu-toggle")
    with mayor.page.expect_navigation():
        mayor.page.click("form[action='/accounts/logout/'] button")
    mayor.sign_in_by_the_form()
    mayor.shot("asked-for-the-code")
    assert "/accounts/second-factor/verify/" in mayor.page.url
    mayor.submit("form:has([name=code])", "signed-in", code=f"{totp(secret, drift=1):06d}")

    assert mayor.page.url.rstrip("/") == live_server.url
    assert mayor.csp_errors == []
    mayor.close()
