"""Read the cover of a report: which agency, where, and for which fiscal year."""

from __future__ import annotations

import re

from approvals.importer.errors import ReportError, bilingual
from approvals.importer.text import normalise_space, to_int

_FISCAL_YEAR = re.compile(r"ปีงบประมาณ\s*(?:พ\s*\.\s*ศ\s*\.?)?\s*([0-9๐-๙]{4})")
_AGENCY = re.compile(r"(องค์การบริหารส่วนตำบล|องค์การบริหารส่วนจังหวัด|เทศบาล(?:ตำบล|เมือง|นคร))\s*(\S+)")
_DISTRICT = re.compile(r"อำเภอ\s*(\S+)")
_PROVINCE = re.compile(r"จังหวัด\s*(\S+)")
_BE_OFFSET = 543


def read_agency(cover: list[str]) -> str:
    """Return the first local administration named on the cover, e.g. "องค์การบริหารส่วนตำบลเกาะลอยบางหัก"."""
    for line in cover:
        found = _AGENCY.search(normalise_space(line))
        if found:
            # Some covers run the district into the name without a space.
            name = re.split(r"อำเภอ|จังหวัด", found.group(2))[0]
            return f"{found.group(1)}{name}"
    raise ReportError(
        "ไม่พบชื่อหน่วยงาน (องค์การบริหารส่วนตำบล…/เทศบาล…) ในหน้าปก",
        "no agency name (องค์การบริหารส่วนตำบล…/เทศบาล…) on the cover; pass agency= to name it",
    )


def read_district(cover: list[str]) -> str | None:
    """Return the district (อำเภอ) named on the cover, without the word อำเภอ."""
    return _first(_DISTRICT, cover)


def read_province(cover: list[str]) -> str | None:
    """Return the province (จังหวัด) named on the cover, without the word จังหวัด."""
    return _first(_PROVINCE, cover)


def read_fiscal_year(cover: list[str], warnings: list[str]) -> int:
    """Return the fiscal year (ปีงบประมาณ) of the cover in the Buddhist Era, e.g. 2566."""
    for number, line in enumerate(cover, start=1):
        found = _FISCAL_YEAR.search(normalise_space(line))
        if not found:
            continue
        year = to_int(found.group(1))
        if 1900 <= year < 2400:
            warnings.append(
                bilingual(
                    f"ปีงบประมาณ {year} เป็นปีคริสต์ศักราช แปลงเป็นพุทธศักราช {year + _BE_OFFSET}",
                    f"fiscal year {year} is a Gregorian year; read as BE {year + _BE_OFFSET}",
                    number,
                )
            )
            return year + _BE_OFFSET
        if 2400 <= year < 2800:
            return year
    raise ReportError(
        "ไม่พบปีงบประมาณ (ประจำปีงบประมาณ พ.ศ. ….) ในหน้าปก",
        "no fiscal year (ประจำปีงบประมาณ พ.ศ. ….) on the cover; pass fiscal_year= to give it",
    )


def _first(pattern: re.Pattern[str], cover: list[str]) -> str | None:
    for line in cover:
        found = pattern.search(normalise_space(line))
        if found:
            return found.group(1)
    return None
