"""The OIT items adopted into a plan are counted apart from its measures everywhere people read figures: the
public page, the executive and division dashboards, the plan's progress page and the scores page's look-back
show the integrity measures' actions in their figures and lists, and the OIT items in a figure and a list of
their own (items approved of all, oit.progress), the same on every page. The official report of such a plan
holds every action of its measures and no OIT item."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from approvals import services
from approvals.models import Plan
from oit import services as oit_services
from oit.models import DisclosureItem
from reports import renderers
from reports.assembly import assemble_report
from tests import factories
from tests.oit.conftest import PDF
from tests.reports.checks import pdf_text, report_problems, squeeze
from tests.workflows.conftest import login

OWN_MEASURE = "มาตรการส่งเสริมการปฏิบัติหน้าที่"
DONE_ACTION = "ทบทวนขั้นตอนการให้บริการประชาชน"
LATE_ACTION = "จัดอบรมเจ้าหน้าที่เรื่องผลประโยชน์ทับซ้อน"
DONE_RESULT = "ทบทวนขั้นตอนครบทุกงานบริการแล้ว"
ADDRESS = "https://www.example-sao.go.th/oit/o1-structure.pdf"
# The 2567 catalogue's measure and its indicators (9 and 10): words no page of the measures may show.
OIT_MEASURE = "แบบตรวจการเปิดเผยข้อมูลสาธารณะ"
OIT_INDICATOR = "การป้องกันการทุจริต"


@pytest.fixture
def year(agency, division, other_division, agency_admin, staff_member, chief_administrator, mayor):
    """Fiscal year 2567: a measure of the agency's own with two actions (one approved, one overdue), the 2567 OIT
    catalogue adopted (43 items) and the plan activated; O1 published and approved, nothing else."""
    plan = factories.PlanFactory(agency=agency, status=Plan.Status.DRAFT, fiscal_year__year=2567)
    measure = factories.MeasureFactory(plan=plan, agency=agency, number=1, title=OWN_MEASURE)
    indicator = factories.IndicatorFactory(measure=measure, agency=agency, number=1, name="การปฏิบัติหน้าที่")
    done = factories.ActionFactory(
        indicator=indicator, agency=agency, position=1, number="1", text=DONE_ACTION, responsible=[division]
    )
    factories.ActionFactory(
        indicator=indicator,
        agency=agency,
        position=2,
        number="2",
        text=LATE_ACTION,
        responsible=[division],
        due_date=datetime.date(2024, 3, 1),
    )
    items = oit_services.adopt_catalogue(
        plan, 2567, by=agency_admin, divisions={"สำนักปลัด": division.pk, "กองคลัง": other_division.pk}
    )
    services.activate_plan(plan, by=agency_admin)

    submission = done.submissions.get()
    services.save_draft(submission, by=staff_member, results=DONE_RESULT, outcome="", progress=100)
    services.submit_result(submission, by=staff_member)
    services.accept_action(done, by=chief_administrator)
    services.approve_action(done, by=mayor)

    o1 = items[0]
    oit_services.record_publication(
        o1.action.submissions.get(),
        by=staff_member,
        url=ADDRESS,
        document=SimpleUploadedFile("โครงสร้าง.pdf", PDF),
        submit=True,
    )
    services.accept_action(o1.action, by=chief_administrator)
    services.approve_action(o1.action, by=mayor)
    plan.refresh_from_db()
    return plan


def rows_of(html: str) -> list[str]:
    return re.findall(r'data-row="([^"]*)"', html)


def figure(html: str, name: str) -> str:
    found = re.search(rf'data-figure="{name}">([^<]*)<', html)
    assert found, name
    return found.group(1)


def test_the_public_page_counts_the_measures_actions_and_lists_the_approved_oit_items_apart(client, year):
    html = client.get(reverse("reports:public", args=[year.agency.slug, 2567])).content.decode()
    measures, oit = html.split('id="oit-items"')

    assert re.search(
        r'data-row="overall">\s*<li><span class="value"><span data-value="done">1</span> / '
        r'<span data-value="total">2</span>',
        html,
    )
    assert (
        '<li data-row="oit"><span class="value"><span data-value="done">1</span> / '
        '<span data-value="total">43</span>' in html
    )
    # The measures' part shows the agency's own measure only: no OIT measure, indicator or item.
    assert OWN_MEASURE in measures and DONE_ACTION in measures and LATE_ACTION in measures
    assert OIT_MEASURE not in measures and OIT_INDICATOR not in measures and "โครงสร้าง" not in measures
    # The OIT list holds exactly the one approved item its figure counts, with its published link.
    assert [row for row in rows_of(oit) if row.startswith("O")] == ["O1"]
    assert f'href="{ADDRESS}"' in oit and '<td class="num">O1</td><td>โครงสร้าง</td>' in oit
    assert "ข้อมูลผู้บริหาร" not in html  # O2, not approved


def test_the_public_pages_open_data_carries_the_oit_items_apart_from_the_measures(client, year):
    data = client.get(reverse("reports:public-data-json", args=[year.agency.slug, 2567])).json()

    assert (data["approved"], data["counted"]) == (1, 2)
    assert [measure["label"] for measure in data["measures"]] == [f"1. {OWN_MEASURE}"]
    assert data["oit"] == {"approved": 1, "total": 43, "items": [{"number": "O1", "title": "โครงสร้าง", "url": ADDRESS}]}


def test_the_executive_dashboard_counts_the_measures_actions_and_shows_the_oit_items_figure_apart(client, year, mayor):
    login(client, mayor)
    html = client.get(reverse("reports:dashboard")).content.decode()

    assert (figure(html, "total"), figure(html, "done"), figure(html, "overdue")) == ("2", "1", "1")
    assert figure(html, "oit") == "1/43"
    assert f'href="{reverse("oit:progress", args=[2567])}">รายการ OIT ที่อนุมัติแล้ว (2%)</a>' in html
    assert OIT_MEASURE not in html and OIT_INDICATOR not in html
    assert LATE_ACTION in html  # the overdue list: the measures' overdue action


def test_a_divisions_dashboard_shows_its_own_oit_items_apart_from_its_actions(
    client, year, staff_member, other_division_staff
):
    login(client, staff_member)
    html = client.get(reverse("reports:division-dashboard")).content.decode()
    ours = DisclosureItem.objects.filter(plan=year, usual_division="สำนักปลัด").count()

    assert figure(html, "oit") == f"1/{ours}"
    table = html.split('id="division-actions"')[1].split("</table>")[0]
    assert DONE_ACTION in table and LATE_ACTION in table and "โครงสร้าง" not in table
    assert len(rows_of(table)) == 2

    login(client, other_division_staff)
    html = client.get(reverse("reports:division-dashboard")).content.decode()
    assert figure(html, "oit") == f"0/{43 - ours}"


def test_the_oit_progress_view_shows_the_same_figure_as_the_dashboards(client, year, agency_admin):
    login(client, agency_admin)
    html = client.get(reverse("oit:progress", args=[2567])).content.decode()

    assert 'data-approved="1" data-missing="42" data-total="43"' in html
    assert "อนุมัติแล้ว 1 จาก 43 รายการ" in html


def test_the_plan_progress_page_counts_the_measures_actions_and_the_oit_items_apart(client, year, agency_admin):
    login(client, agency_admin)
    html = client.get(reverse("workflows:progress", args=[2567])).content.decode()

    assert 'data-row="overall" data-done="1" data-total="2" data-overdue="1"' in html
    assert 'data-row="oit" data-done="1" data-total="43"' in html
    assert OIT_MEASURE not in html and OIT_INDICATOR not in html


def test_the_scores_look_back_counts_the_measures_actions_per_indicator_and_the_oit_items_apart(
    client, year, agency_admin
):
    login(client, agency_admin)
    html = client.get(reverse("approvals:scores", args=[2567])).content.decode()

    def cells(number: int) -> tuple[str, ...]:
        row = html.split(f'<tr data-row="{number}">')[1].split("</tr>")[0]
        found = re.findall(r'data-value="(actions|approved|returns)">(\d+)<', row)
        return tuple(value for _name, value in found)

    assert cells(1) == ("2", "1", "0")
    assert cells(9) == cells(10) == ("0", "0", "0")
    assert 'data-row="oit" data-done="1" data-total="43"' in html
    assert "รายการเปิดเผยข้อมูลตามแบบ OIT ของแผนปีนี้: อนุมัติแล้ว 1 จาก 43 รายการ" in html


def test_the_look_back_leaves_out_a_cancelled_action_as_every_other_figure_does(client, year, agency_admin):
    from approvals.models import Action

    late = Action.objects.get(text=LATE_ACTION)
    services.cancel_action(late, by=agency_admin, reason="ซ้ำกับการดำเนินการที่ 1")
    login(client, agency_admin)
    html = client.get(reverse("approvals:scores", args=[2567])).content.decode()
    row = html.split('<tr data-row="1">')[1].split("</tr>")[0]

    assert re.findall(r'data-value="(?:actions|approved|returns)">(\d+)<', row) == ["1", "1", "0"]


def test_a_plan_with_oit_adopted_renders_the_official_report_with_no_problems_and_no_oit_item(year):
    text = pdf_text(renderers.render(assemble_report(year, 12), "pdf"))
    flat = squeeze(text)

    assert report_problems(text, year, 12) == []
    assert squeeze(DONE_RESULT) in flat
    for item in DisclosureItem.objects.filter(plan=year):
        assert squeeze(f"{item.title}{item.publish}") not in flat, item.number
    assert squeeze(ADDRESS) not in flat
