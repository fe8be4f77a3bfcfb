"""Budget items and the spending recorded against them: entered by the finance division with the date, the
amount, the document number and a scan; shown as planned against spent, the same figures on the plan page,
the executive dashboard and the official report."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from approvals import administration, permissions
from approvals.exceptions import InvalidTransition, NotAllowed
from approvals.models import AccessRefusal, BudgetItem, Expenditure, Role
from reports.assembly import assemble_report
from tests import factories

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SPENT_ON = datetime.date(2026, 1, 15)


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def finance_division(agency):
    return factories.DivisionFactory(agency=agency, name="กองคลัง", keeps_accounts=True)


@pytest.fixture
def finance_officer(agency, finance_division):
    person = factories.UserFactory(agency=agency, username="malee", first_name="มาลี")
    factories.RoleAssignmentFactory(user=person, role=Role.STAFF, division=finance_division)
    return person


@pytest.fixture
def plan(agency):
    return factories.PlanFactory(agency=agency)


@pytest.fixture
def item(plan, agency_admin):
    return administration.save_budget_item(
        plan, by=agency_admin, reason="ตามแผน", number=1, item="อบรมคุณธรรมจริยธรรม", amount=Decimal("1000")
    )


def spend(item, by, amount="400", **extra):
    return administration.record_expenditure(
        item,
        by=by,
        reason="ค่าอาหารว่างผู้เข้าอบรม",
        amount=Decimal(amount),
        spent_on=SPENT_ON,
        document_number=extra.pop("document_number", "ฎ.15/2569"),
        **extra,
    )


def test_the_finance_division_records_spending_with_its_document_and_scan(item, finance_officer):
    scan = SimpleUploadedFile("voucher.pdf", PDF, content_type="application/pdf")

    entry = spend(item, finance_officer, evidence=scan)

    assert (entry.amount, entry.document_number, entry.evidence_name) == (Decimal("400.00"), "ฎ.15/2569", "voucher.pdf")
    assert entry.evidence.name.endswith(entry.evidence_sha256)
    latest = entry.history.latest()
    assert (latest.history_user, latest.history_change_reason) == (finance_officer, "ค่าอาหารว่างผู้เข้าอบรม")


def test_staff_of_another_division_cannot_record_spending(item, staff_member):
    with pytest.raises(NotAllowed):
        spend(item, staff_member)

    assert not Expenditure.objects.exists()
    assert AccessRefusal.objects.get(user=staff_member).permission == permissions.RECORD_SPENDING


def test_spending_needs_its_document_number_and_a_date_that_has_passed(item, finance_officer):
    with pytest.raises(InvalidTransition, match="เลขที่เอกสาร"):
        spend(item, finance_officer, document_number=" ")
    with pytest.raises(InvalidTransition):
        administration.record_expenditure(
            item,
            by=finance_officer,
            reason="ล่วงหน้า",
            amount=Decimal("1"),
            spent_on=datetime.date.today() + datetime.timedelta(days=1),
            document_number="ฎ.1",
        )


def test_a_withdrawn_entry_stops_counting(item, finance_officer):
    wrong = spend(item, finance_officer, amount="900")
    spend(item, finance_officer, amount="400")

    administration.withdraw_expenditure(wrong, by=finance_officer, reason="บันทึกผิดรายการ")

    assert BudgetItem.objects.with_spent().get(pk=item.pk).spent == Decimal("400.00")


def test_the_plan_page_the_dashboards_and_the_report_show_the_same_planned_and_spent(
    client, plan, item, finance_officer, agency_admin
):
    spend(item, finance_officer)
    client.force_login(agency_admin)

    plan_page = client.get(f"/approvals/plans/{plan.fiscal_year.year}/").content.decode()
    dashboard = client.get(f"/reports/dashboard/?year={plan.fiscal_year.year}").content.decode()
    client.force_login(finance_officer)
    finance_dashboard = client.get(f"/reports/my-division/?year={plan.fiscal_year.year}").content.decode()
    report = assemble_report(plan, 12, prepared_by=agency_admin)

    for page in (plan_page, dashboard, finance_dashboard):
        assert "400.00" in page and "600.00" in page
    assert [(line.amount, line.spent) for line in report.budget] == [(Decimal("1000.00"), Decimal("400.00"))]


def test_a_spending_document_opens_for_the_auditors_but_not_for_other_staff(
    client, item, finance_officer, auditor, staff_member
):
    entry = spend(item, finance_officer, evidence=SimpleUploadedFile("voucher.pdf", PDF))
    url = f"/approvals/budget/spending/{entry.pk}/document/"

    client.force_login(staff_member)
    refused = client.get(url)
    client.force_login(auditor)
    opened = client.get(url)

    assert refused.status_code == 403
    assert opened.status_code == 200
    assert b"".join(opened.streaming_content) == PDF


def test_the_finance_officer_records_spending_on_the_budget_items_page(client, item, finance_officer):
    client.force_login(finance_officer)

    response = client.post(
        f"/approvals/budget/items/{item.pk}/",
        {
            "spent_on": "15/1/2569",
            "amount": "250.50",
            "document_number": "ฎ.20/2569",
            "description": "ค่าวิทยากร",
            "reason": "จ่ายค่าวิทยากรอบรม",
        },
    )

    assert response.status_code == 302
    entry = Expenditure.objects.get()
    assert (entry.amount, entry.spent_on, entry.recorded_by) == (Decimal("250.50"), SPENT_ON, finance_officer)
