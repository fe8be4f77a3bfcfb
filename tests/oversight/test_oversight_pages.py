"""The province's oversight pages: its own agencies only, public-level facts only, constant queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from api import services as api_services
from approvals.figures import plan_figures
from approvals.models import AccessRefusal, User
from audit.models import Finding
from tests import factories
from tests.oversight.conftest import oit_item as _oit_item
from tests.reports.builders import INTERNAL_COMMENT, RETURN_REASON, UNAPPROVED, add_evidence

pytestmark = pytest.mark.django_db

PROVINCE = "ชลบุรี"
# The overview's and the API's queries, whatever the number of agencies and the page.
OVERVIEW_QUERIES = 18
API_QUERIES = 13


@pytest.fixture
def province_officer(agency, grant_in_effect) -> User:
    agency.province = PROVINCE
    agency.save()
    officer = factories.UserFactory(username="province", agency=None, first_name="สมปอง", last_name="ท้องถิ่น")
    grant_in_effect(officer, PROVINCE, reason="คำสั่งจังหวัดที่ 1/2569")
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


def test_a_district_officer_sees_only_the_districts_agencies(login, grant_in_effect, agency, sample_year):
    agency.province, agency.district = PROVINCE, "พานทอง"
    agency.save()
    elsewhere = factories.AgencyFactory(name="อบต.อำเภออื่น", slug="other-district", district="บ่อทอง", province=PROVINCE)
    officer = factories.UserFactory(username="district", agency=None)
    grant_in_effect(officer, PROVINCE, district="พานทอง", reason="คำสั่งอำเภอ")

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


@pytest.fixture
def oit_items(sample_year):
    """Two OIT items in the sample plan: one approved by the mayor, one not yet."""
    return [_oit_item(sample_year.approved[0].action, "O1"), _oit_item(sample_year.unapproved[0].action, "O2")]


def test_the_ranking_and_the_agency_page_show_the_oit_items_approved_of_all(
    login, province_officer, agency, sample_year, oit_items
):
    client = login(province_officer)

    overview, drill_down = pages(client, agency)

    assert '<span data-value="oit">1/2</span> (50%)' in overview
    assert '<span class="value" data-figure="oit">1/2</span>' in drill_down


def test_an_agency_that_adopted_no_oit_catalogue_shows_a_dash_not_zero(login, province_officer, agency, sample_year):
    overview, drill_down = pages(login(province_officer), agency)

    assert 'data-value="oit"' not in overview
    assert '<span class="value" data-figure="oit">–</span>' in drill_down


def test_the_api_progress_carries_the_same_oit_completion(client, province_officer, agency, sample_year, oit_items):
    _token, secret = api_services.create_token(by=province_officer, name="ระบบจังหวัด")

    [row] = client.get("/api/v1/me/progress", headers={"authorization": f"Bearer {secret}"}).json()["items"]

    assert row["oit"] == {"approved": 1, "items": 2, "percent_approved": 50}


def _agencies_with_plans(numbers: range, fiscal_year) -> None:
    for n in numbers:
        other = factories.AgencyFactory(name=f"อบต.ทดสอบจำนวน {n}", slug=f"many-{n}", province=PROVINCE)
        plan = factories.PlanFactory(agency=other, fiscal_year=fiscal_year)
        division = factories.DivisionFactory(agency=other, name="สำนักปลัด")
        action = factories.ActionFactory(indicator__measure__plan=plan, responsible=[division])
        # Every other agency adopted an OIT catalogue: its item counts in the same one query.
        if n % 2:
            _oit_item(action, "O1")


def test_the_overview_takes_as_many_queries_for_51_agencies_on_two_pages_as_for_2(login, province_officer, sample_year):
    client = login(province_officer)
    _agencies_with_plans(range(1), sample_year.plan.fiscal_year)
    client.get(reverse("oversight:overview"))
    with CaptureQueriesContext(connection) as two:
        assert client.get(reverse("oversight:overview")).status_code == 200

    _agencies_with_plans(range(1, 50), sample_year.plan.fiscal_year)
    with CaptureQueriesContext(connection) as first:
        page = client.get(reverse("oversight:overview")).content.decode()
    with CaptureQueriesContext(connection) as second:
        last = client.get(reverse("oversight:overview"), {"page": 2}).content.decode()

    assert (page.count('data-value="rank"'), last.count('data-value="rank"')) == (50, 1)
    assert page.count('data-value="oit"') + last.count('data-value="oit"') == 25
    assert (len(two), len(first), len(second)) == (OVERVIEW_QUERIES, OVERVIEW_QUERIES, OVERVIEW_QUERIES)


def test_the_ranking_is_paged_50_at_a_time_in_rank_order_with_thai_page_links(login, province_officer, sample_year):
    client = login(province_officer)
    _agencies_with_plans(range(51), sample_year.plan.fiscal_year)
    year = sample_year.plan.fiscal_year.year

    first = client.get(reverse("oversight:overview"), {"year": year}).content.decode()
    second = client.get(reverse("oversight:overview"), {"year": year, "page": 2}).content.decode()

    summary = '<span class="value" data-figure="agencies">52</span>'
    assert (summary in first, summary in second) == (True, True)
    assert "อันดับที่ 1–50 จากทั้งหมด 52 แห่ง" in first
    assert f'<a href="?year={year}&amp;page=2" rel="next">ถัดไป</a>' in first
    assert "อันดับที่ 51–52 จากทั้งหมด 52 แห่ง" in second
    assert f'<a href="?year={year}&amp;page=1" rel="prev">ก่อนหน้า</a>' in second
    assert '<td class="num" data-value="rank">51</td>' in second
    assert '<td class="num" data-value="rank">50</td>' not in second


def test_the_ranking_page_links_read_in_english(login, province_officer, sample_year):
    client = login(province_officer)
    client.cookies["django_language"] = "en"
    _agencies_with_plans(range(51), sample_year.plan.fiscal_year)

    page = client.get(reverse("oversight:overview"), {"page": 2}).content.decode()

    assert "Ranks 51–52 of 52 agencies" in page
    assert 'rel="prev">Previous</a>' in page


def test_the_api_progress_takes_as_many_queries_for_51_agencies_on_two_pages_as_for_2(
    client, province_officer, sample_year
):
    _token, secret = api_services.create_token(by=province_officer, name="ระบบจังหวัด")
    headers = {"authorization": f"Bearer {secret}"}
    _agencies_with_plans(range(1), sample_year.plan.fiscal_year)
    client.get("/api/v1/me/progress", headers=headers)
    with CaptureQueriesContext(connection) as two:
        assert client.get("/api/v1/me/progress", headers=headers).json()["count"] == 2

    _agencies_with_plans(range(1, 50), sample_year.plan.fiscal_year)
    with CaptureQueriesContext(connection) as first:
        page = client.get("/api/v1/me/progress", headers=headers).json()
    with CaptureQueriesContext(connection) as second:
        last = client.get("/api/v1/me/progress", {"page": 2}, headers=headers).json()

    assert (page["count"], len(page["items"]), last["count"], len(last["items"])) == (51, 50, 51, 1)
    assert sum(row["oit"] is not None for row in page["items"] + last["items"]) == 25
    assert (len(two), len(first), len(second)) == (API_QUERIES, API_QUERIES, API_QUERIES)
