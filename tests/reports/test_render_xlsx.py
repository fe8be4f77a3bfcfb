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

    rows = [row for row in sheet.iter_rows() if row[1].value == "ดำเนินการจัดทำแผนปฏิบัติการป้องกันการทุจริต"]
    amount, spent, remaining = rows[0][2:]
    assert (float(amount.value), float(spent.value)) == (1000.0, 650.0)
    assert remaining.value == f"=C{amount.row}-D{amount.row}"
    assert amount.number_format == spent.number_format == remaining.number_format == '#,##0.00" บาท"'


def test_xlsx_budget_totals_are_formulas_over_the_rows_above(xlsx):
    sheet = load_workbook(io.BytesIO(xlsx))["งบประมาณ"]

    total = next(row for row in sheet.iter_rows() if row[0].value == "รวม")
    assert [cell.value for cell in total[2:]] == [f"=SUM({c}5:{c}{total[0].row - 1})" for c in "CDE"]


def test_no_xlsx_row_is_higher_than_excel_allows(xlsx):
    workbook = load_workbook(io.BytesIO(xlsx))

    heights = [d.height for sheet in workbook.worksheets for d in sheet.row_dimensions.values() if d.height]
    assert heights and max(heights) <= 409


def test_a_long_result_goes_on_over_rows_that_read_as_one_entry(sample_year, agency_admin):
    action = sample_year.approved[0]
    action.results = "\n".join(f"- ผลการดำเนินการข้อที่ {n} ของหน่วยงานที่ได้รับอนุมัติแล้ว" for n in range(60))
    action.save()

    sheet = load_workbook(io.BytesIO(renderers.render(assemble_report(sample_year.plan, 12), "xlsx")))["รายงานผล"]

    heights = [d.height for d in sheet.row_dimensions.values() if d.height]
    assert max(heights) <= 409
    cells = [row[3].value for row in sheet.iter_rows() if row[3].value and "ผลการดำเนินการข้อที่" in row[3].value]
    assert len(cells) > 1
    assert "\n".join(cells) == action.results
    merged = [str(r) for r in sheet.merged_cells.ranges if r.min_col == 2 and r.max_row > r.min_row]
    assert merged


@pytest.mark.browser
def test_xlsx_preview_page_image_is_kept_for_review(xlsx, chromium):
    image = screenshot(chromium, xlsx_preview_html(xlsx), "xlsx-preview")

    assert image.stat().st_size > 10_000
