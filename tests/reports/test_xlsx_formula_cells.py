"""The official report's workbook never turns a result typed by a division into a live formula."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from approvals.services import save_with_history
from reports import renderers
from reports.assembly import assemble_report

TYPED = '=HYPERLINK("http://example.com","ดูผล")'


def test_a_result_typed_as_a_formula_stays_text_in_the_official_workbook(sample_year, staff_member, agency_admin):
    submission = sample_year.approved[0]
    submission.results = TYPED
    save_with_history(submission, by=staff_member, reason="ทดสอบ", update_fields=["results"])

    workbook = load_workbook(io.BytesIO(renderers.render(assemble_report(sample_year.plan, 12), "xlsx")))

    cells = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row if TYPED in str(cell.value or "")]
    assert [cell.value for cell in cells if cell.value.startswith("=")] == [TYPED]
    assert {cell.data_type for cell in cells} == {"s"}
