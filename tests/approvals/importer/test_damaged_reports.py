"""Damaged copies of the sample report: each still gives the same plan, or a bilingual ReportError."""

from __future__ import annotations

import codecs
import json
import random
import re
from pathlib import Path
from typing import Any

import pytest

from approvals.importer import ReportError, decode_report, parse_report, parse_report_bytes

SEED = Path(__file__).resolve().parents[3] / "approvals/sample_data/ita_report_2566.txt"
THAI_TO_ARABIC = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
LINE_PREFIX = re.compile(r"(บรรทัด|line) \d+: ")
BILINGUAL = re.compile(r"^[^a-zA-Z]*[\u0e00-\u0e7f].* / .*[a-zA-Z]")

# Header and measure rows that the seed repeats at the top of each page, by line number. The first header
# row (19) and the first row of each measure (20, 78, 94) stay.
REPEATED_PAGE_HEADERS = {23, 24, 27, 28, 31, 32, 35, 36, 40, 46, 77, 83, 84, 87, 88, 91, 99, 100, 103, 104}


@pytest.fixture(scope="module")
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def seed_plan(seed_text: str) -> dict[str, Any]:
    return parse_report(seed_text).to_dict()


def _plan(text: str) -> dict[str, Any]:
    return parse_report(text).to_dict()


def _without_line_numbers(plan: dict[str, Any]) -> dict[str, Any]:
    """The plan with the line references dropped from its warnings: damage that adds lines moves them."""
    return {**plan, "warnings": [LINE_PREFIX.sub("", warning) for warning in plan["warnings"]]}


def _on_one_line(plan: dict[str, Any]) -> str:
    """The plan as JSON, line breaks inside texts read as spaces: without HTML, paragraphs run together."""
    return json.dumps(plan, ensure_ascii=False).replace("\\n", " ")


def _lines_of(text: str, first: int, last: int) -> str:
    return "\n".join(text.split("\n")[first - 1 : last])


def _rejection(data: bytes) -> ReportError:
    with pytest.raises(ReportError) as caught:
        parse_report_bytes(data)
    return caught.value


# Damage that must not change the plan ---------------------------------------------------------------------


def test_arabic_digits_instead_of_thai_digits_give_the_same_plan(seed_text: str, seed_plan: dict[str, Any]) -> None:
    damaged = seed_text.translate(THAI_TO_ARABIC)

    assert json.dumps(_plan(damaged), ensure_ascii=False) == json.dumps(seed_plan, ensure_ascii=False).translate(
        THAI_TO_ARABIC
    )


def test_a_copy_with_all_html_stripped_gives_the_same_plan(seed_text: str, seed_plan: dict[str, Any]) -> None:
    damaged = re.sub(r"<[^>]+>", " ", seed_text)

    assert _on_one_line(_plan(damaged)) == _on_one_line(seed_plan)


def test_crlf_line_endings_give_the_same_plan(seed_text: str, seed_plan: dict[str, Any]) -> None:
    damaged = seed_text.replace("\n", "\r\n").encode("utf-8")

    assert parse_report_bytes(damaged).to_dict() == seed_plan


def test_cr_line_endings_give_the_same_plan(seed_text: str, seed_plan: dict[str, Any]) -> None:
    damaged = seed_text.replace("\n", "\r").encode("utf-8")

    assert parse_report_bytes(damaged).to_dict() == seed_plan


def test_a_utf8_bom_gives_the_same_plan(seed_text: str, seed_plan: dict[str, Any]) -> None:
    damaged = codecs.BOM_UTF8 + seed_text.encode("utf-8")

    assert parse_report_bytes(damaged).to_dict() == seed_plan


def test_utf16_little_endian_with_bom_gives_the_same_plan(seed_text: str, seed_plan: dict[str, Any]) -> None:
    damaged = codecs.BOM_UTF16_LE + seed_text.replace("\n", "\r\n").encode("utf-16-le")

    assert parse_report_bytes(damaged).to_dict() == seed_plan


def test_utf16_big_endian_with_bom_gives_the_same_plan(seed_text: str, seed_plan: dict[str, Any]) -> None:
    damaged = codecs.BOM_UTF16_BE + seed_text.encode("utf-16-be")

    assert parse_report_bytes(damaged).to_dict() == seed_plan


def test_windows_874_encoding_gives_the_same_plan(seed_text: str, seed_plan: dict[str, Any]) -> None:
    damaged = seed_text.replace("\n", "\r\n").encode("cp874")

    assert parse_report_bytes(damaged).to_dict() == seed_plan


def test_headers_not_repeated_on_each_page_give_the_same_plan(seed_text: str, seed_plan: dict[str, Any]) -> None:
    damaged = "\n".join(
        line for number, line in enumerate(seed_text.split("\n"), start=1) if number not in REPEATED_PAGE_HEADERS
    )

    assert _without_line_numbers(_plan(damaged)) == _without_line_numbers(seed_plan)


def test_extra_markdown_separator_rows_give_the_same_plan(seed_text: str, seed_plan: dict[str, Any]) -> None:
    damaged = re.sub(r"(?m)^((?:ตัวชี้วัด|ร\.ก\.)\t.*)$", "\\1\n---|---|---|---|---", seed_text)

    assert _without_line_numbers(_plan(damaged)) == _without_line_numbers(seed_plan)


def test_a_budget_table_repeated_three_times_gives_four_items_and_the_same_plan(
    seed_text: str, seed_plan: dict[str, Any]
) -> None:
    table = _lines_of(seed_text, 63, 67)
    damaged = seed_text.replace(table, f"{table}\n\n{table}", 1)

    assert _without_line_numbers(_plan(damaged)) == _without_line_numbers(seed_plan)


def test_a_responsible_cell_split_over_two_lines_gives_the_same_plan(seed_text: str, seed_plan: dict[str, Any]) -> None:
    damaged = seed_text.replace("\tทุกส่วน ราชการ\t", "\tทุกส่วน\nราชการ\t", 1)

    assert _without_line_numbers(_plan(damaged)) == _without_line_numbers(seed_plan)


def test_an_approach_cell_split_over_two_lines_gives_the_same_plan(seed_text: str, seed_plan: dict[str, Any]) -> None:
    damaged = seed_text.replace("ซื่อสัตย์สุจริต ทั้งด้วยวาจา", "ซื่อสัตย์สุจริต\nทั้งด้วยวาจา", 1)

    assert _without_line_numbers(_plan(damaged)) == _without_line_numbers(seed_plan)


def test_paragraphs_of_an_eit_responsible_cell_split_over_lines_give_the_same_plan(
    seed_text: str, seed_plan: dict[str, Any]
) -> None:
    damaged = seed_text.replace(
        "<p>สำนักปลัด</p> <p>ทุกส่วนราชการ</p> <p>ทุกส่วนราชการ</p>",
        "<p>สำนักปลัด</p>\n<p>ทุกส่วนราชการ</p>\n<p>ทุกส่วนราชการ</p>",
        1,
    )

    assert _without_line_numbers(_plan(damaged)) == _without_line_numbers(seed_plan)


def test_signatures_under_the_last_table_are_skipped_with_a_warning(seed_text: str, seed_plan: dict[str, Any]) -> None:
    damaged = f"{seed_text}\n\nลงชื่อ ผู้รายงาน\n\n(นายสมชาย ใจดี)\n\nนายกองค์การบริหารส่วนตำบลเกาะลอยบางหัก\n"

    plan = _plan(damaged)

    assert plan["measures"] == seed_plan["measures"]
    assert (
        'บรรทัด 107: ข้ามข้อความนอกตาราง: "ลงชื่อ ผู้รายงาน" / line 107: skipped text outside the table' in (plan["warnings"])
    )


# Files that are not a complete report ---------------------------------------------------------------------


def test_an_empty_file_is_rejected_in_thai_then_english() -> None:
    error = _rejection(b"")

    assert (str(error), error.line) == ("ไฟล์ว่างเปล่า / the file is empty", None)


def test_a_file_of_only_whitespace_is_rejected_in_thai_then_english() -> None:
    error = _rejection(b" \r\n\t\n  \n")

    assert (str(error), error.line) == ("ไฟล์ไม่มีข้อความ / the file contains no text", None)


@pytest.mark.parametrize(
    ("kept_lines", "cut_inside_last_line", "line"),
    [
        (11, False, 11),
        (19, False, 19),
        (20, False, 20),
        (29, True, 29),
        (51, False, 48),
        (65, True, 65),
        (78, False, 78),
        (79, True, 79),
        (101, True, 101),
    ],
    ids=[
        "after the cover",
        "after the first table header",
        "after the first measure row",
        "inside an indicator row",
        "inside a row that lost its tabs",
        "inside the budget table",
        "after the second measure row",
        "inside an EIT row",
        "inside the last indicator row",
    ],
)
def test_a_truncated_report_is_rejected_at_the_line_where_it_breaks(
    seed_text: str, kept_lines: int, cut_inside_last_line: bool, line: int
) -> None:
    text = _lines_of(seed_text, 1, kept_lines)
    half_of_last_line = len(text.split("\n")[-1]) // 2
    truncated = text[: len(text) - half_of_last_line] if cut_inside_last_line else text

    error = _rejection(truncated.encode("utf-8"))

    assert error.line == line
    assert BILINGUAL.match(str(error))


def test_random_binary_bytes_are_rejected_as_binary() -> None:
    error = _rejection(random.Random(2566).randbytes(4096))

    assert str(error) == "ไฟล์นี้ไม่ใช่ไฟล์ข้อความ / the file is binary, not text"


def test_random_bytes_without_nul_are_rejected_as_an_unknown_encoding() -> None:
    data = random.Random(2566).randbytes(4096).replace(b"\x00", b"")

    error = _rejection(data)

    assert (
        str(error) == "ไม่รู้จักการเข้ารหัสอักขระของไฟล์ กรุณาบันทึกเป็น UTF-8 / unknown character encoding; save the file as UTF-8"
    )


def test_a_png_image_is_rejected_as_binary() -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00\x00\x00\x10" * 2 + b"\x08\x06\x00\x00\x00\x1f\xf3\xffa"

    error = _rejection(png)

    assert str(error) == "ไฟล์นี้ไม่ใช่ไฟล์ข้อความ / the file is binary, not text"


def test_a_utf32_file_is_rejected_with_advice_to_save_as_utf8(seed_text: str) -> None:
    error = _rejection(seed_text.encode("utf-32"))

    assert str(error) == "ไม่รองรับไฟล์แบบ UTF-32 กรุณาบันทึกเป็น UTF-8 / UTF-32 files are not supported; save as UTF-8"


def test_utf16_without_a_bom_is_rejected_as_binary(seed_text: str) -> None:
    error = _rejection(seed_text.encode("utf-16-le"))

    assert str(error) == "ไฟล์นี้ไม่ใช่ไฟล์ข้อความ / the file is binary, not text"


def test_latin1_text_that_fits_the_thai_code_page_but_has_no_thai_is_rejected() -> None:
    error = _rejection("Café, naïve, über".encode("latin-1"))

    assert error.line is None
    assert BILINGUAL.match(str(error))


def test_unrelated_thai_text_is_rejected_for_lack_of_a_measures_table() -> None:
    text = "ประกาศองค์การบริหารส่วนตำบลเกาะลอยบางหัก\nเรื่อง รับสมัครบุคคลเพื่อสรรหาเป็นพนักงานจ้าง\n\n"

    error = _rejection(text.encode("utf-8"))

    assert (str(error), error.line) == ("บรรทัด 2: ไม่พบตารางมาตรการ / line 2: no measures table found", 2)


def test_an_english_csv_is_rejected_for_lack_of_a_measures_table() -> None:
    error = _rejection(b"indicator,action,responsible\n1,Review services,Office\n2,Publish budget,Finance\n")

    assert (str(error), error.line) == ("บรรทัด 3: ไม่พบตารางมาตรการ / line 3: no measures table found", 3)


def test_a_report_without_a_cover_needs_an_agency_override(seed_text: str) -> None:
    without_cover = _lines_of(seed_text, 19, 200)

    with pytest.raises(ReportError) as caught:
        parse_report(without_cover)

    assert str(caught.value).startswith("ไม่พบชื่อหน่วยงาน")


def test_decoding_keeps_the_seed_text_unchanged(seed_text: str) -> None:
    assert decode_report(SEED.read_bytes()) == seed_text
