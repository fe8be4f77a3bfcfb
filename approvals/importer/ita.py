"""The fixed vocabulary of the ITA assessment that the importer recognises in a report."""

from __future__ import annotations

import re
from dataclasses import dataclass

from approvals.importer.text import match_key, normalise_space, to_int


@dataclass(frozen=True)
class ItaIndicator:
    """One of the ten indicators (ตัวชี้วัด) of the ITA 2566 assessment and the tool that measures it."""

    number: int
    name: str
    assessment: str


INDICATORS: tuple[ItaIndicator, ...] = (
    ItaIndicator(1, "การปฏิบัติหน้าที่", "IIT"),
    ItaIndicator(2, "การใช้งบประมาณ", "IIT"),
    ItaIndicator(3, "การใช้อำนาจ", "IIT"),
    ItaIndicator(4, "การใช้ทรัพย์สินของราชการ", "IIT"),
    ItaIndicator(5, "การแก้ไขปัญหาการทุจริต", "IIT"),
    ItaIndicator(6, "คุณภาพการดำเนินงาน", "EIT"),
    ItaIndicator(7, "ประสิทธิภาพการสื่อสาร", "EIT"),
    ItaIndicator(8, "การปรับปรุงการทำงาน", "EIT"),
    ItaIndicator(9, "การเปิดเผยข้อมูล", "OIT"),
    ItaIndicator(10, "การป้องกันการทุจริต", "OIT"),
)
BY_NUMBER = {indicator.number: indicator for indicator in INDICATORS}
ASSESSMENTS = ("IIT", "EIT", "OIT")

# Longest names first so that a name containing another one wins.
_BY_KEY = sorted(((match_key(i.name), i) for i in INDICATORS), key=lambda pair: -len(pair[0]))

# Checked in this order: "แก้ไขเร่งด่วน" must not fall through to a looser word.
STATUSES: tuple[tuple[str, str], ...] = (
    ("เร่งด่วน", "urgent"),
    ("รักษาระดับ", "maintain"),
    ("ยกระดับ", "develop"),
    ("พัฒนา", "develop"),
)

_DIGITS = "0-9๐-๙"
_INDICATOR_LABEL = re.compile(rf"^ตัวชี้วัด\s*(?:ที่)?\s*([{_DIGITS}]{{1,2}})?\s*[.:]?\s*")
_PARENTHESISED = re.compile(r"\(([^()]*)\)")
MEASURE_TITLE = re.compile(rf"^([{_DIGITS}]{{1,2}})\s*[.)]\s*(มาตรการ.*)$")


@dataclass(frozen=True)
class IndicatorLabel:
    """What an indicator cell says: "ตัวชี้วัดที่ ๒ คุณภาพการดำเนินงาน (แก้ไขเร่งด่วน)"."""

    written_number: int | None
    written_name: str
    indicator: ItaIndicator | None
    status: str | None


def find_indicator(name: str) -> ItaIndicator | None:
    """Identify an ITA indicator by its name, ignoring stray spaces and surrounding words."""
    key = match_key(name)
    if not key:
        return None
    for known_key, indicator in _BY_KEY:
        if key == known_key:
            return indicator
    for known_key, indicator in _BY_KEY:
        if key.startswith(known_key) or known_key in key:
            return indicator
    return None


def find_status(text: str) -> str | None:
    """Return "maintain", "urgent" or "develop" for the status words in ``text``, or None."""
    key = match_key(text)
    for word, status in STATUSES:
        if word in key:
            return status
    return None


def read_indicator_label(cell_text: str) -> IndicatorLabel | None:
    """Read an indicator cell, or return None when the text is not one.

    A cell counts when it starts with "ตัวชี้วัด" or with the name of an ITA indicator: some agencies leave
    out the word and the number.
    """
    text = normalise_space(cell_text)
    label = _INDICATOR_LABEL.match(text)
    if label is None and find_indicator_at_start(text) is None:
        return None
    written_number = to_int(label.group(1)) if label and label.group(1) else None
    rest = text[label.end() :] if label else text
    status = None
    for note in _PARENTHESISED.findall(rest):
        status = status or find_status(note)
    name = normalise_space(_PARENTHESISED.sub(" ", rest))
    if status is None:
        status = find_status(name)
        if status is not None:
            # The status was written without parentheses; cut it off the name at its first word.
            for word, _ in STATUSES:
                name = normalise_space(name.split(word)[0]) if word in name else name
    return IndicatorLabel(written_number, name, find_indicator(name), status)


def find_indicator_at_start(text: str) -> ItaIndicator | None:
    """Return the ITA indicator whose name opens ``text``, if any."""
    key = match_key(text)
    for known_key, indicator in _BY_KEY:
        if key.startswith(known_key):
            return indicator
    return None


def assessment_of(number: int) -> str:
    """Return the assessment tool of ITA indicator ``number``: IIT (1-5), EIT (6-8) or OIT (9-10)."""
    return BY_NUMBER[number].assessment
