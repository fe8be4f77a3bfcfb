import io

import pytest
from openpyxl import load_workbook

from reports import renderers
from reports.assembly import assemble_report
from tests.reports.builders import UNAPPROVED
from tests.reports.checks import report_problems, xlsx_text
from tests.reports.previews import screenshot, xlsx_preview_html
from tests.reports.test_render_pdf import THAI_PHRASES


@pytest.fixture
def xlsx(sample_year, agency_admin):
    return renderers.render(assemble_report(sample_year.plan, 12, prepared_by=agency_admin), "xlsx")


def test_twelve_month_xlsx_holds_every_indicator_action_and_approved_result_and_nothing_unapproved(sample_year, xlsx):
    text = xlsx_text(xlsx)

    assert report_problems(text, sample_year.plan, 12) == []
    assert UNAPPROVED not in text


def test_xlsx_prints_the_official_wording_in_intact_thai(xlsx):
    text = xlsx_text(xlsx)

    for phrase in THAI_PHRASES:
        assert phrase in text


def test_xlsx_budget_sheet_holds_amounts_as_numbers(xlsx):
    sheet = load_workbook(io.BytesIO(xlsx))["งบประมาณ"]

    rows = [row for row in sheet.iter_rows(values_only=True) if row[1] == "ดำเนินการจัดทำแผนปฏิบัติการป้องกันการทุจริต"]
    assert [float(value) for value in rows[0][2:]] == [1000.0, 650.0, 350.0]


@pytest.mark.browser
def test_xlsx_preview_page_image_is_kept_for_review(xlsx):
    image = screenshot(xlsx_preview_html(xlsx), "xlsx-preview")

    assert image.stat().st_size > 10_000
