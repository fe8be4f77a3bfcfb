"""Cells of every CSV and XLSX export, neutralised: text that a spreadsheet would run as a formula.

A cell starting with = + - @ (or a tab or carriage return, which some programs skip before those) is read
as a formula by Excel, LibreOffice and Google Sheets, e.g. a reason typed as =HYPERLINK("http://…").
- CSV: such text gets a leading apostrophe, which spreadsheets read as "this is text" (OWASP's advice).
- XLSX: such text is written as a string cell marked "quote prefix" (no visible apostrophe; Excel keeps it
  text even when the cell is edited); openpyxl would otherwise store it as a live formula.
Numbers and dates stay numbers and dates.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_cell(value: Any) -> Any:
    """A value for csv.writer: formula-like text gets a leading apostrophe."""
    return f"'{value}" if is_formula_like(value) else value


def csv_row(row: Iterable[Any]) -> list[Any]:
    return [csv_cell(value) for value in row]


def mark_as_text(cell: Any, value: Any) -> Any:
    """After `cell.value = value` on an openpyxl cell: keep formula-like text as plain text."""
    if is_formula_like(value):
        cell.value = value
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def xlsx_row(sheet: Any, row: Iterable[Any]) -> list[Any]:
    """A row for a write-only openpyxl sheet (`sheet.append(...)`), formula-like text kept as text."""
    from openpyxl.cell import WriteOnlyCell

    cells = []
    for value in row:
        if is_formula_like(value):
            cells.append(mark_as_text(WriteOnlyCell(sheet, value=value), value))
        else:
            cells.append(value)
    return cells


def xlsx_cell(sheet: Any, *, row: int, column: int, value: Any) -> Any:
    """`sheet.cell(row=, column=, value=)` for a normal openpyxl sheet, formula-like text kept as text."""
    cell = sheet.cell(row=row, column=column, value=None if is_formula_like(value) else value)
    return mark_as_text(cell, value)
