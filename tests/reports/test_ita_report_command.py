import hashlib

import pytest
from django.core.management import CommandError, call_command

from tests import factories
from tests.reports.checks import pdf_text, report_problems, xlsx_text


def test_command_renders_the_twelve_month_report_of_the_only_agency_to_a_file(sample_year, tmp_path, capsys):
    output = tmp_path / "report.pdf"

    call_command("ita_report", "--fiscal-year", "2566", "--round", "12", "--format", "pdf", "-o", str(output))

    content = output.read_bytes()
    assert report_problems(pdf_text(content), sample_year.plan, 12) == []
    assert hashlib.sha256(content).hexdigest() in capsys.readouterr().out


def test_command_names_the_agency_and_the_preparer(sample_year, agency, agency_admin, tmp_path):
    factories.AgencyFactory(name="เทศบาลตำบลอื่น", slug="other-agency")
    output = tmp_path / "report.xlsx"

    call_command(
        "ita_report",
        "--agency",
        agency.slug,
        "--fiscal-year=2566",
        "--round=6",
        "--format=xlsx",
        f"-o={output}",
        "--prepared-by=walter",
    )

    assert "(วอลเตอร์ ทดสอบ)" in xlsx_text(output.read_bytes())


def test_command_asks_for_the_agency_when_there_are_several(sample_year, tmp_path):
    factories.AgencyFactory(name="เทศบาลตำบลอื่น", slug="other-agency")

    with pytest.raises(CommandError, match="มีหลายหน่วยงาน ระบุ --agency / There are several agencies"):
        call_command("ita_report", "--fiscal-year=2566", "--round=12", f"-o={tmp_path / 'r.pdf'}")


def test_command_explains_a_year_without_a_plan_in_thai_then_english(sample_year, tmp_path):
    with pytest.raises(CommandError, match=r"ไม่มีแผนของปีงบประมาณ 2560 / .* has no plan for fiscal year 2560"):
        call_command("ita_report", "--fiscal-year=2560", "--round=12", f"-o={tmp_path / 'r.pdf'}")

    assert not (tmp_path / "r.pdf").exists()
