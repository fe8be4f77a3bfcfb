"""The OIT disclosure work adopted into a plan is not one of the agency's measures: the official measures report
(6 and 12 months, as printed in the PDF) leaves it out, and next year's draft does not copy it (next year's OIT
items come from adopting next year's catalogue). The agency's own measures are reported and copied as before."""

from __future__ import annotations

import pytest

from approvals import next_year
from approvals.models import Action, Measure, Plan
from oit import services as oit_services
from oit.models import DisclosureItem
from reports import renderers
from reports.assembly import assemble_report, round_facts
from tests import factories
from tests.reports.checks import pdf_page_image, pdf_text, squeeze

OWN_MEASURE = "มาตรการส่งเสริมการปฏิบัติหน้าที่"
OWN_ACTION = "ทบทวนขั้นตอนการให้บริการประชาชน"
# Words that appear only in the OIT catalogue's measure, indicators and items.
OIT_WORDS = ("แบบตรวจการเปิดเผยข้อมูลสาธารณะ", "ประกาศเจตนารมณ์นโยบาย No Gift Policy", "แผนยุทธศาสตร์หรือแผนพัฒนาหน่วยงาน")


@pytest.fixture
def year_plan(agency, division, other_division, agency_admin):
    """This year's plan, 2566: one measure of the agency's own, then the 2566 OIT catalogue adopted into it."""
    plan = factories.PlanFactory(
        agency=agency, status=Plan.Status.DRAFT, fiscal_year=factories.FiscalYearFactory(year=2566)
    )
    measure = factories.MeasureFactory(plan=plan, agency=agency, number=1, title=OWN_MEASURE)
    indicator = factories.IndicatorFactory(measure=measure, agency=agency, number=1, name="การปฏิบัติหน้าที่")
    factories.ActionFactory(
        indicator=indicator, agency=agency, position=1, number="1", text=OWN_ACTION, responsible=[division]
    )
    oit_services.adopt_catalogue(
        plan, 2566, by=agency_admin, divisions={"สำนักปลัด": division.pk, "กองคลัง": other_division.pk}
    )
    return plan


@pytest.mark.parametrize("report_round", [6, 12])
def test_the_official_measures_report_leaves_out_the_oit_items(year_plan, report_round):
    pdf = renderers.render(assemble_report(year_plan, report_round), "pdf")
    text = squeeze(pdf_text(pdf))
    # Kept in artifacts/reports/ to be read (pdftotext) and looked at.
    pdf_page_image(pdf, 2, f"report-{report_round}-months-with-oit-adopted")

    assert squeeze(OWN_MEASURE) in text and squeeze(OWN_ACTION) in text
    for words in OIT_WORDS:
        assert squeeze(words) not in text


def test_the_report_page_counts_only_the_agencys_own_measures(year_plan):
    assert DisclosureItem.objects.filter(plan=year_plan).count() == 43
    assert round_facts(year_plan)["all"] == 0
    assert [block.title for block in assemble_report(year_plan, 12).measures] == [OWN_MEASURE]


def test_the_one_definition_of_the_agencys_measures_excludes_the_adopted_oit_measure(year_plan):
    titles = list(Measure.objects.filter(plan=year_plan).integrity_measures().values_list("title", flat=True))

    assert titles == [OWN_MEASURE]
    assert Measure.objects.filter(plan=year_plan).count() == 2


def test_next_years_draft_does_not_copy_the_oit_items(year_plan, agency_admin):
    draft = next_year.draft_next_year_plan(year_plan, by=agency_admin)

    assert list(Measure.objects.filter(plan=draft.plan).values_list("title", flat=True)) == [OWN_MEASURE]
    assert list(Action.objects.filter(indicator__measure__plan=draft.plan).values_list("text", flat=True)) == [
        OWN_ACTION
    ]
    assert not DisclosureItem.objects.filter(plan=draft.plan).exists()


def test_next_years_oit_items_come_from_adopting_next_years_catalogue(
    year_plan, agency_admin, division, other_division
):
    draft = next_year.draft_next_year_plan(year_plan, by=agency_admin)

    items = oit_services.adopt_catalogue(
        draft.plan, 2567, by=agency_admin, divisions={"สำนักปลัด": division.pk, "กองคลัง": other_division.pk}
    )

    assert {item.assessment_year for item in items} == {2567}
    assert len(items) == 43
