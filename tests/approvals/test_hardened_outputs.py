"""Hardened outputs: CSV and XLSX exports neutralise cells a spreadsheet would run as a formula; every page
carries a Content-Security-Policy it passes (no inline script, no style attribute); a bad query string or
form value is answered 400, not 500."""

from __future__ import annotations

import csv
import datetime
import io
import re

import pytest
from openpyxl import Workbook, load_workbook

from approvals import services, spreadsheets
from tests import factories

FORMULAS = ['=HYPERLINK("http://example.com","click")', "+1+1", "-2+3", "@SUM(A1:A2)"]


@pytest.fixture
def action_with_formula_reasons(agency, division, agency_admin):
    action = factories.ActionFactory(indicator__measure__plan__agency=agency, responsible=[division])
    for days, reason in enumerate(FORMULAS, start=1):
        services.set_due_date(action, by=agency_admin, due_date=datetime.date(2026, 9, days), reason=reason)
    return action


def test_the_change_log_csv_neutralises_formula_cells(client, auditor, action_with_formula_reasons):
    client.force_login(auditor)

    response = client.get("/audit/changes/export.csv")

    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    reason_column = rows[0].index("เหตุผล")
    reasons = {row[reason_column] for row in rows[1:]}
    assert {f"'{formula}" for formula in FORMULAS} <= reasons
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_the_change_log_xlsx_keeps_formula_cells_as_text(client, auditor, action_with_formula_reasons):
    client.force_login(auditor)

    response = client.get("/audit/changes/export.xlsx")

    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = {cell.value: cell for row in sheet.iter_rows() for cell in row if cell.value in FORMULAS}
    assert set(cells) == set(FORMULAS)
    assert {(cell.data_type, cell.quotePrefix) for cell in cells.values()} == {("s", True)}


@pytest.mark.parametrize("value", ["\t=1+1", "\r=1+1", "=1+1", "@A1", "+A1", "-A1"])
def test_a_formula_like_cell_is_neutralised_in_csv_and_xlsx(value):
    sheet = Workbook().active

    cell = spreadsheets.xlsx_cell(sheet, row=1, column=1, value=value)

    assert spreadsheets.csv_cell(value) == f"'{value}"
    assert (cell.value, cell.data_type) == (value, "s")


def test_plain_text_and_numbers_are_left_as_they_are():
    sheet = Workbook().active

    assert spreadsheets.csv_row(["ปกติ", 12, -3.5]) == ["ปกติ", 12, -3.5]
    assert spreadsheets.xlsx_cell(sheet, row=1, column=1, value=-3.5).data_type == "n"


def test_pages_carry_a_content_security_policy(client, staff_member):
    client.force_login(staff_member)

    policy = client.get("/")["Content-Security-Policy"]

    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy


INLINE = re.compile(r"""<script(?![^>]*\bsrc=)[^>]*>|\sstyle\s*=|\son[a-z]+\s*=""", re.IGNORECASE)


@pytest.mark.parametrize(
    ("persona", "page"),
    [
        ("agency_admin", "/approvals/administration/people/"),
        ("agency_admin", "/approvals/administration/roles/"),
        ("agency_admin", "/reports/dashboard/"),
        ("auditor", "/audit/refusals/"),
        ("staff_member", "/"),
        ("mayor", "/accounts/"),
    ],
)
def test_pages_have_no_inline_script_and_no_style_attribute(client, request, persona, page):
    client.force_login(request.getfixturevalue(persona))

    html = client.get(page).content.decode()

    assert INLINE.findall(html) == []


@pytest.mark.parametrize(
    "address",
    ["/audit/actions/?q=%00", "/audit/changes/?person=%00&kind=%00", "/audit/?page=%00&rule=%00"],
)
def test_a_bad_query_string_is_answered_400_not_500(client, auditor, address):
    client.force_login(auditor)

    response = client.get(address)

    assert response.status_code == 400
    assert "คำขอไม่ถูกต้อง" in response.content.decode()


def test_a_form_value_with_a_nul_character_is_answered_400(client, agency_admin):
    client.force_login(agency_admin)

    response = client.post("/approvals/administration/divisions/", {"name": "กอง\x00ใหม่", "reason": "x"})

    assert response.status_code == 400
