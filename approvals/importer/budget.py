"""Read the budget table (รายการดำเนินงาน and amounts) that closes a measure's pages."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from approvals.importer.errors import ReportError
from approvals.importer.text import match_key, normalise_space, plain, to_arabic

_AMOUNT = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")
_QUOTE_MAX = 40


@dataclass(frozen=True)
class BudgetColumns:
    """Where a budget table keeps its data, read from its header row.

    The amount is the first money column after the item ("งบฯ", not "ปีงบประมาณ"): the planned budget.
    """

    width: int
    number: int | None
    item: int
    amount: int


def budget_columns(cells: list[str]) -> BudgetColumns | None:
    """Read a budget header row ("ร.ก. | รายการดำเนินงาน | ปีงบประมาณ | งบฯ …"), or None if it is not one."""
    keys = [match_key(plain(cell)) for cell in cells]
    item = next((index for index, key in enumerate(keys) if "รายการ" in key), None)
    if item is None:
        return None
    for amount in range(item + 1, len(keys)):
        key = keys[amount]
        if ("งบ" in key and not key.startswith("ปี")) or "จำนวนเงิน" in key or "บาท" in key:
            # Trailing empty header cells are not required in the rows.
            width = len(keys)
            while width > amount + 1 and not keys[width - 1]:
                width -= 1
            return BudgetColumns(width, 0 if item > 0 else None, item, amount)
    return None


def read_amount(text: str, line: int) -> Decimal:
    """Read an amount in baht ("1,000", "๑,๐๐๐.๕๐", "-" for none) as a Decimal with two places."""
    cleaned = to_arabic(text).replace("บาท", "").replace(" ", "")
    if cleaned in ("", "-"):
        return Decimal("0.00")
    error = ReportError(
        f'จำนวนเงิน "{_quote(text)}" ไม่ใช่ตัวเลข', f"the amount {_quote(text)!r} is not a number", line=line
    )
    if not _AMOUNT.fullmatch(cleaned):
        raise error
    try:
        return Decimal(cleaned.replace(",", "")).quantize(Decimal("0.01"))
    except InvalidOperation as exc:
        raise error from exc


def _quote(text: str) -> str:
    text = normalise_space(text)
    return text if len(text) <= _QUOTE_MAX else f"{text[:_QUOTE_MAX]}…"
