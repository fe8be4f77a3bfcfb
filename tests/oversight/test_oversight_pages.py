"""The province's oversight pages: its own agencies only, public-level facts only, constant queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from approvals.figures import plan_figures
from approvals.models import AccessRefusal, User
from audit.models import Finding
from oversight import services
from tests import factories
from tests.reports.builders import INTERNAL_COMMENT, RETURN_REASON, UNAPPROVED, add_evidence

pytestmark = pytest.mark.django_db

PROVINCE = "ชลบุรี"


@pytest.fixture
def operator(db) -> User:
    return factories.UserFactory(username="operator", agency=None, is_superuser=True, is_staff=True)


@pytest.fixture
def province_officer(agency, operator) -> User:
    agency.province = PROVINCE
    agency.save()
    officer = factories.UserFactory(username="province", agency=None, first_name="สมปอง", last_name="ท้องถิ่น")
    services.grant_oversight(officer, province=PROVINCE, by=operator, reason="คำสั่งจังหวัดที่ 1/2569")
    return officer


@pytest.fixture
def outsider(outsider_agency_user, sample_year):
    agency = outsider_agency_user.agency
    agency.name = "เทศบาลตำบลต่างจังหวัดลับ"
    agency.province = "ขอนแก่น"
    agency.save()
    factories.PlanFactory(agency=agency, fiscal_year=sample_year.plan.fiscal_year)
    return agency


@pytest.fixture
def evidence(sample_year, staff_member):
    return {
        "public": add_evidence(sample_year.approved[0], name="ภาพกิจกรรมประชุม.pdf", internal=False, by=staff_member),
        "internal": add_evidence(sample_year.approved[0], name="บันทึกภายในลับ.pdf", internal=True, by=staff_member),
        "unapproved": add_evidence(sample_year.unapproved[0], name="ยังไม่อนุมัติ.pdf", internal=False, by=staff_member),
    }


def pages(client, agency) -> list[str]:
    return [
        client.get(reverse("oversight:overview")).content.decode(),
        client.get(reverse("oversight:agency", args=[agency.slug])).content.decode(),
    ]


def test_the_province_sees_its_agencies_ranked_and_not_another_provinces(
    login, province_officer, agency, outsider, sample_year
):
    response = login(province_officer).get(reverse("oversight:overview"))

    assert response.status_code == 200
    page = response.content.decode()
    assert agency.name in page
    assert outsider.name not in page
    assert '<tr data-row="the-agency">' in page and '<td class="num" data-value="rank">1</td>' in page
    # The counts of approvals.figures, the one truth the public page and the dashboards use too.
    overall = plan_figures(sample_year.plan).overall
    assert f'<td class="num" data-value="total">{overall.total}</td>' in page
    assert f'<span data-value="done">{overall.done}</span> ({overall.percent_done}%)' in page


def test_another_provinces_agency_is_a_recorded_404(login, province_officer, outsider):
    response = login(province_officer).get(reverse("oversight:agency", args=[outsider.slug]))

    assert response.status_code == 404
    assert AccessRefusal.objects.filter(user=province_officer).exists()


def test_a_district_officer_sees_only_the_districts_agencies(login, operator, agency, sample_year):
    agency.province, agency.district = PROVINCE, "พานทอง"
    agency.save()
    elsewhere = factories.AgencyFactory(name="อบต.อำเภออื่น", slug="other-district", district="บ่อทอง", province=PROVINCE)
    officer = factories.UserFactory(username="district", agency=None)
    services.grant_oversight(officer, province=PROVINCE, district="พานทอง", by=operator, reason="คำสั่งอำเภอ")

    page = login(officer).get(reverse("oversight:overview")).content.decode()

    assert agency.name in page and elsewhere.name not in page


def test_the_pages_show_public_evidence_and_approved_results_only(
    login, province_officer, agency, sample_year, evidence
):
    for page in pages(login(province_officer), agency):
        assert evidence["internal"].original_name not in page
        assert evidence["unapproved"].original_name not in page
        assert UNAPPROVED not in page
        for submission in sample_year.unapproved:
            assert submission.results not in page
    assert evidence["public"].original_name in pages(login(province_officer), agency)[1]


def test_the_pages_show_no_return_reason_and_no_internal_comment(login, province_officer, agency, sample_year):
    for page in pages(login(province_officer), agency):
        assert RETURN_REASON not in page
        assert INTERNAL_COMMENT not in page


def test_the_pages_show_no_staff_names(
    login, province_officer, agency, sample_year, staff_member, other_division_staff, chief_administrator, mayor
):
    for person, last_name in ((staff_member, "ขยันยิ่ง"), (other_division_staff, "ตั้งใจงาน")):
        person.last_name = last_name
        person.save()

    for page in pages(login(province_officer), agency):
        for person in (staff_member, other_division_staff, chief_administrator, mayor):
            assert person.last_name not in page
            assert person.username not in page


def test_red_flags_are_counted_by_rule_without_their_details(login, province_officer, agency, sample_year):
    Finding.objects.create(
        agency=agency, rule="no_evidence", severity="high", summary="สรุปภายในของผู้ตรวจ", fingerprint="x" * 64
    )

    page = login(province_officer).get(reverse("oversight:overview")).content.decode()

    assert '<tr data-row="no_evidence">' in page and '<td class="num" data-value="count">1</td>' in page
    assert "สรุปภายในของผู้ตรวจ" not in page


def test_agency_staff_cannot_open_the_oversight_pages(login, chief_administrator, agency):
    client = login(chief_administrator)

    assert client.get(reverse("oversight:overview")).status_code == 403
    assert client.get(reverse("oversight:agency", args=[agency.slug])).status_code == 403


def _agencies_with_plans(numbers: range, fiscal_year) -> None:
    for n in numbers:
        other = factories.AgencyFactory(name=f"อบต.ทดสอบจำนวน {n}", slug=f"many-{n}", province=PROVINCE)
        plan = factories.PlanFactory(agency=other, fiscal_year=fiscal_year)
        division = factories.DivisionFactory(agency=other, name="สำนักปลัด")
        factories.ActionFactory(indicator__measure__plan=plan, responsible=[division])


def test_the_overview_takes_as_many_queries_for_50_agencies_as_for_2(login, province_officer, sample_year):
    client = login(province_officer)
    _agencies_with_plans(range(1), sample_year.plan.fiscal_year)
    client.get(reverse("oversight:overview"))
    with CaptureQueriesContext(connection) as two:
        assert client.get(reverse("oversight:overview")).status_code == 200

    _agencies_with_plans(range(1, 49), sample_year.plan.fiscal_year)
    with CaptureQueriesContext(connection) as fifty:
        page = client.get(reverse("oversight:overview")).content.decode()

    assert page.count('data-value="rank"') == 50
    assert len(fifty) == len(two)
