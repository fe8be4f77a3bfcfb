"""A dry run and a real import accept and refuse the same files: every limit of the models is checked by the parser.

A property test over damaged copies of the sample report (hypothesis), each imported twice by the command, dry
and for real (rolled back afterwards): both accept it, or both refuse it with the same bilingual message, and
nothing else ever escapes. Then the damage the issue measured, one test each, and the limits on the size of what
is read, refused in a fraction of a second (timed by bench/import_limits.py, not here).
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from approvals.importer import ReportError, limits, parse_report, parse_report_bytes
from approvals.models import Action, BudgetItem, Indicator, Measure, Plan

SEED = Path(__file__).resolve().parents[3] / "approvals/sample_data/ita_report_2566.txt"
SEED_TEXT = SEED.read_text(encoding="utf-8")
SEED_LINES = SEED_TEXT.split("\n")
BILINGUAL = re.compile(r"[\u0e00-\u0e7f].* / .*[a-zA-Z]")
# A few dozen examples keep the suite fast; HYPOTHESIS_EXAMPLES=500 searches harder.
EXAMPLES = int(os.environ.get("HYPOTHESIS_EXAMPLES", "30"))

TABLE_LINES = [n for n, line in enumerate(SEED_LINES) if "\t" in line]
INDICATOR_LINES = [n for n, line in enumerate(SEED_LINES) if "ตัวชี้วัดที่" in line and "\t" in line]
MEASURE_LINES = [n for n, line in enumerate(SEED_LINES) if re.match(r"^[๐-๙0-9]\. มาตรการ", line)]
BUDGET_LINES = [n for n, line in enumerate(SEED_LINES) if re.match(r"^[0-9]\t", line)]


class Rollback(Exception):
    """Raised to undo a real import once it is compared."""


def _with_line(lines: list[str], number: int, new: str) -> list[str]:
    return [*lines[:number], new, *lines[number + 1 :]]


def _one_of(draw, numbers: list[int], lines: list[str]) -> int:
    """One of the seed's lines of a kind, if the damage so far left it (else the first line)."""
    return draw(st.sampled_from([n for n in numbers if n < len(lines)] or [0]))


@st.composite
def damaged_reports(draw) -> str:
    """The sample report with one to three kinds of damage, among those seen in agencies' exports and worse."""
    lines = list(SEED_LINES)
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(
            st.sampled_from(
                [
                    "amount_digits",
                    "status_removed",
                    "long_title",
                    "long_unit",
                    "long_agency",
                    "truncated",
                    "line_dropped",
                    "line_repeated",
                    "junk_line",
                    "cell_dropped",
                    "text_edited",
                ]
            )
        )
        if kind == "long_title":
            number = _one_of(draw, MEASURE_LINES, lines)
            extra = "ก" * draw(st.integers(0, 700))
            lines = _with_line(lines, number, lines[number].replace("มาตรการ", "มาตรการ" + extra, 1))
        elif kind == "amount_digits":
            number = _one_of(draw, BUDGET_LINES, lines)
            cells = lines[number].split("\t")
            if len(cells) > 3:
                cells[3] = draw(st.from_regex(r"[1-9][0-9]{0,17}(\.[0-9]{1,3})?", fullmatch=True))
            lines = _with_line(lines, number, "\t".join(cells))
        elif kind == "status_removed":
            number = _one_of(draw, INDICATOR_LINES, lines)
            lines = _with_line(lines, number, re.sub(r"\((?:รักษาระดับ|แก้ไขเร่งด่วน|พัฒนายกระดับ)\)", "", lines[number]))
        elif kind == "long_unit":
            number = _one_of(draw, INDICATOR_LINES, lines)
            extra = "ร" * draw(st.integers(0, 400))
            lines = _with_line(lines, number, lines[number].replace("สำนักปลัด", "สำนักปลัด" + extra, 1))
        elif kind == "long_agency" and len(lines) > 9:
            lines = _with_line(lines, 9, lines[9] + "ข" * draw(st.integers(0, 300)))
        elif kind == "truncated":
            lines = lines[: draw(st.integers(1, len(lines)))]
        elif kind == "line_dropped" and len(lines) > 1:
            number = draw(st.integers(0, len(lines) - 1))
            lines = [*lines[:number], *lines[number + 1 :]]
        elif kind == "line_repeated":
            number = _one_of(draw, TABLE_LINES, lines)
            lines = [*lines[: number + 1], *lines[number:]]
        elif kind == "junk_line":
            number = draw(st.integers(0, len(lines)))
            junk = draw(st.text(alphabet=st.sampled_from("กขค abc12๑.\t|-<p>"), max_size=80))
            lines = [*lines[:number], junk, *lines[number:]]
        elif kind == "cell_dropped":
            number = _one_of(draw, TABLE_LINES, lines)
            cells = lines[number].split("\t")
            if len(cells) > 1:
                del cells[draw(st.integers(0, len(cells) - 1))]
            lines = _with_line(lines, number, "\t".join(cells))
        elif kind == "text_edited":
            number = _one_of(draw, TABLE_LINES, lines)
            line = lines[number]
            start = draw(st.integers(0, len(line)))
            end = draw(st.integers(start, min(len(line), start + 40)))
            replacement = draw(st.text(alphabet=st.sampled_from("๐๑๒กขค -.()\t<>/p"), max_size=20))
            lines = _with_line(lines, number, line[:start] + replacement + line[end:])
    return "\n".join(lines)


def _run(path: Path, *options: str) -> str | None:
    """Run the command; None when it imported (or, dry, accepted), else its error message."""
    try:
        call_command("import_ita_report", str(path), *options, stdout=io.StringIO(), stderr=io.StringIO())
    except CommandError as error:
        return str(error)
    return None


@pytest.mark.django_db
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=os.environ.get("HYPOTHESIS_EXAMPLES") is None,
    database=None,  # nothing written to .hypothesis/: a failing example is printed instead
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(report=damaged_reports())
def test_a_damaged_report_accepted_by_a_dry_run_imports_and_one_refused_is_refused_alike(report, tmp_path_factory):
    path = tmp_path_factory.mktemp("report") / "report.txt"
    path.write_text(report, encoding="utf-8")

    dry = _run(path, "--dry-run")
    real = "not run"
    try:
        with transaction.atomic():
            real = _run(path)
            raise Rollback
    except Rollback:
        pass

    assert real == dry
    if dry is not None:
        assert BILINGUAL.search(dry), dry


# The damage the issue measured: each refused by the dry run already, with the line and in Thai then English.


def _refusal(text: str) -> ReportError:
    with pytest.raises(ReportError) as caught:
        parse_report(text)
    return caught.value


def test_a_thirteen_digit_amount_is_refused_at_its_line_with_the_largest_amount_that_fits():
    number = next(n for n in range(len(SEED_LINES)) if SEED_LINES[n].startswith("1\t"))
    cells = SEED_LINES[number].split("\t")
    cells[3] = "1,234,567,890,123"

    error = _refusal("\n".join(_with_line(SEED_LINES, number, "\t".join(cells))))

    assert error.line == number + 1
    assert "13 หลัก เก็บได้ไม่เกิน 12 หลัก" in error.thai
    assert "has 13 digits; at most 12 can be stored (up to 999,999,999,999.99)" in error.english


def test_a_measure_title_longer_than_the_model_stores_is_refused_with_both_lengths():
    number = next(n for n in range(len(SEED_LINES)) if SEED_LINES[n].startswith("๑. มาตรการ"))
    title_limit = Measure._meta.get_field("title").max_length

    longer = SEED_LINES[number].replace("มาตรการ", "มาตรการ" + "ก" * title_limit, 1)

    error = _refusal("\n".join(_with_line(SEED_LINES, number, longer)))

    assert error.line == number + 1
    assert f"at most {title_limit} can be stored" in error.english
    assert "ชื่อมาตรการยาว" in error.thai


def test_an_indicator_whose_status_was_removed_takes_the_default_status_with_a_warning():
    number = next(n for n in range(len(SEED_LINES)) if "ตัวชี้วัดที่ ๑ การปฏิบัติหน้าที่ (รักษาระดับ)" in SEED_LINES[n])
    damaged = _with_line(SEED_LINES, number, SEED_LINES[number].replace(" (รักษาระดับ)", ""))

    report = parse_report("\n".join(damaged))

    first = report.measures[0].indicators[0]
    assert first.status == Indicator._meta.get_field("status").default
    assert any("ตัวชี้วัดที่ 1 ไม่ระบุสถานะ" in w and "recorded as Develop" in w for w in report.warnings)


@pytest.mark.django_db
def test_an_indicator_whose_status_was_removed_imports_with_the_status_the_dry_run_showed(tmp_path):
    number = next(n for n in range(len(SEED_LINES)) if "ตัวชี้วัดที่ ๑ การปฏิบัติหน้าที่ (รักษาระดับ)" in SEED_LINES[n])
    path = tmp_path / "report.txt"
    path.write_text("\n".join(_with_line(SEED_LINES, number, SEED_LINES[number].replace(" (รักษาระดับ)", ""))))

    call_command("import_ita_report", str(path), stdout=io.StringIO(), stderr=io.StringIO())

    assert Indicator.objects.get(number=1).status == Indicator.Status.DEVELOP


def test_a_responsible_division_name_longer_than_the_model_stores_is_refused_at_its_line():
    number = next(n for n in range(len(SEED_LINES)) if "สำนักปลัด" in SEED_LINES[n] and "ตัวชี้วัดที่" in SEED_LINES[n])
    long_name = "สำนักปลัด" + "ร" * limits.max_length(limits.DIVISION_NAME)

    error = _refusal("\n".join(_with_line(SEED_LINES, number, SEED_LINES[number].replace("สำนักปลัด", long_name, 1))))

    assert error.line == number + 1
    assert "the responsible division's name is" in error.english


def test_text_after_the_last_table_row_is_kept_and_warned_about_never_silently():
    report = parse_report(SEED_TEXT + "\nลงชื่อ นายกองค์การบริหารส่วนตำบล")

    assert any(
        "ข้อความหลังแถวสุดท้ายของตาราง" in warning and f"line {len(SEED_LINES) + 1}" in warning
        for warning in report.warnings
    )


def test_a_report_pasted_ten_times_gives_the_plan_of_one_copy_with_a_warning():
    once = parse_report(SEED_TEXT).to_dict()

    tenfold = parse_report("\n".join([SEED_TEXT] * 10)).to_dict()

    assert (tenfold["measures"], tenfold["budget"]) == (once["measures"], once["budget"])
    assert any("repeats an action already read" in warning for warning in tenfold["warnings"])


@pytest.mark.django_db
def test_a_report_pasted_ten_times_imports_as_many_actions_as_one_copy(tmp_path):
    path = tmp_path / "report.txt"
    path.write_text("\n".join([SEED_TEXT] * 10), encoding="utf-8")

    call_command("import_ita_report", str(path), stdout=io.StringIO(), stderr=io.StringIO())

    plan = Plan.objects.get()
    assert Action.objects.filter(indicator__measure__plan=plan).count() == sum(
        len(i.actions) for m in parse_report(SEED_TEXT).measures for i in m.indicators
    )
    assert BudgetItem.objects.filter(plan=plan).count() == 4


# Limits on what is read at all.


def test_a_file_over_the_size_limit_is_refused_before_it_is_decoded():
    with pytest.raises(ReportError) as caught:
        parse_report_bytes(b"\t" * (10 * 1024 * 1024))

    error = caught.value
    assert "over the 5 MB limit" in error.english
    assert "ใหญ่เกิน 5 MB" in error.thai


def test_a_line_over_the_length_limit_is_refused_at_its_line():
    error = _refusal(SEED_TEXT + "\n" + "ก\t" * limits.MAX_LINE_CHARS)

    assert error.line == len(SEED_LINES) + 1
    assert f"over the limit of {limits.MAX_LINE_CHARS:,}" in error.english


def test_a_row_with_more_cells_than_any_table_has_is_refused_at_its_line():
    error = _refusal(SEED_TEXT + "\n" + "\t".join(["ก"] * (limits.MAX_CELLS_PER_ROW + 1)))

    assert error.line == len(SEED_LINES) + 1
    assert f"cells, over the limit of {limits.MAX_CELLS_PER_ROW}" in error.english


def test_a_report_with_more_table_cells_than_the_limit_is_refused():
    rows = "\n".join(["ก\tข\tค\tง"] * (limits.MAX_TABLE_CELLS // 4 + 1))

    error = _refusal(SEED_TEXT + "\n" + rows)

    assert f"more than {limits.MAX_TABLE_CELLS:,} cells in all" in error.english


def test_a_file_of_more_lines_than_the_limit_is_refused():
    error = _refusal(SEED_TEXT + "\n" * limits.MAX_LINES)

    assert f"over the limit of {limits.MAX_LINES:,}" in error.english


def test_the_command_refuses_a_huge_file_without_reading_it(tmp_path):
    path = tmp_path / "huge.txt"
    with path.open("wb") as file:
        file.truncate(200 * 1024 * 1024)  # a sparse 200 MB file: nothing to read, only its size

    with pytest.raises(CommandError, match="over the 5 MB limit"):
        call_command("import_ita_report", str(path), "--dry-run")
