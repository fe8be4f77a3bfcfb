"""Buddhist-Era dates (พ.ศ.) for display. Dates are stored in the Gregorian calendar, timezone-aware;
this module is the one place that turns them into what a Thai reader expects."""

from __future__ import annotations

import datetime
import re

from django.conf import settings
from django.utils import timezone, translation

THAI_MONTHS_SHORT = (
    "ม.ค.",
    "ก.พ.",
    "มี.ค.",
    "เม.ย.",
    "พ.ค.",
    "มิ.ย.",
    "ก.ค.",
    "ส.ค.",
    "ก.ย.",
    "ต.ค.",
    "พ.ย.",
    "ธ.ค.",
)
THAI_MONTHS_LONG = (
    "มกราคม",
    "กุมภาพันธ์",
    "มีนาคม",
    "เมษายน",
    "พฤษภาคม",
    "มิถุนายน",
    "กรกฎาคม",
    "สิงหาคม",
    "กันยายน",
    "ตุลาคม",
    "พฤศจิกายน",
    "ธันวาคม",
)
ENGLISH_MONTHS_SHORT = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")
_ARABIC_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")


def thai_digits(text: object) -> str:
    return str(text).translate(_THAI_DIGITS)


def arabic_digits(text: str) -> str:
    return str(text).translate(_ARABIC_DIGITS)


def _digits(text: str, use_thai_digits: bool | None) -> str:
    if use_thai_digits is None:
        use_thai_digits = settings.THAI_DIGITS and translation.get_language() == "th"
    return thai_digits(text) if use_thai_digits else text


def be_year(value: datetime.date | int) -> int:
    year = value if isinstance(value, int) else value.year
    return year + 543


def _as_date(value: datetime.date | datetime.datetime) -> datetime.date:
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.date()
    return value


def be_date(
    value: datetime.date | datetime.datetime | None, style: str = "short", use_thai_digits: bool | None = None
) -> str:
    """25 พ.ย. 2569 (short) or 25 พฤศจิกายน 2569 (long); in English, 25 Nov 2569 B.E."""
    if value in (None, ""):
        return ""
    day = _as_date(value)
    if translation.get_language() == "en":
        text = f"{day.day} {ENGLISH_MONTHS_SHORT[day.month - 1]} {be_year(day)} B.E."
    else:
        months = THAI_MONTHS_LONG if style == "long" else THAI_MONTHS_SHORT
        text = f"{day.day} {months[day.month - 1]} {be_year(day)}"
    return _digits(text, use_thai_digits)


def be_datetime(value: datetime.datetime | None, use_thai_digits: bool | None = None) -> str:
    """25 พ.ย. 2569 14:05 น. in local time."""
    if value in (None, ""):
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    suffix = " น." if translation.get_language() != "en" else ""
    return _digits(f"{be_date(local, use_thai_digits=False)} {local:%H:%M}{suffix}", use_thai_digits)


def parse_be_date(text: str) -> datetime.date:
    """A date typed the Thai way: day/month/Buddhist-era year ("25/11/2569", Thai digits, "-" or "."
    between the parts), or year-month-day ("2569-11-25"). A year below 2400 is taken as a Gregorian
    year typed by habit. Raises ValueError for anything else."""
    parts = [part for part in re.split(r"[/.\-\s]+", arabic_digits(text).strip()) if part]
    if len(parts) != 3 or not all(part.isdigit() for part in parts):
        raise ValueError(f"not a date: {text!r}")
    if len(parts[0]) == 4:
        year, month, day = map(int, parts)
    else:
        day, month, year = map(int, parts)
    if year >= 2400:
        year -= 543
    return datetime.date(year, month, day)


def be_numeric_date(value: datetime.date) -> str:
    """25/11/2569: how a date reads back in a form field."""
    return f"{value.day}/{value.month}/{be_year(value)}"
