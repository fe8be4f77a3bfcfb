"""What readers extract from the official report is the Thai that was written: pdftotext and pdfminer.six
(and pypdf) on the PDF, and the DOCX and XLSX as LibreOffice opens them, each find every indicator name
and the first sentence of every approved result exactly, with lines a table cell wrapped joined back and
nothing else changed. Page images of each format are kept in artifacts/reports/ to be looked at."""

import pytest

from approvals.models import Indicator
from reports import renderers
from reports.assembly import assemble_report
from tests.reports.checks import (
    approved_submissions,
    broken_thai,
    found_exactly,
    libreoffice_pdf,
    page_images,
    pdf_text,
    pdfminer_text,
    pypdf_text,
)

URL = "https://khunatham.example.go.th/public/ko-loi/2566/"


def _expected(plan) -> list[str]:
    names = [indicator.name for indicator in Indicator.objects.filter(measure__plan=plan)]
    sentences = [submission.results.strip().splitlines()[0] for submission in approved_submissions(plan, 12)]
    return names + sentences + ["ดำเนินการ", "ที่", "ผลลัพธ์/ความสำเร็จ"]


@pytest.fixture
def data(sample_year, agency_admin):
    agency_admin.position = "ผู้ดูแลระบบของหน่วยงาน"
    agency_admin.save()
    return assemble_report(sample_year.plan, 12, prepared_by=agency_admin, verification_url=URL)


@pytest.fixture
def pdf(data):
    content = renderers.render(data, "pdf")
    page_images(content, "pdf")
    return content


@pytest.mark.parametrize("extract", [pdf_text, pdfminer_text, pypdf_text], ids=["pdftotext", "pdfminer", "pypdf"])
def test_the_pdf_text_is_the_thai_that_was_written(sample_year, pdf, extract):
    text = extract(pdf)

    assert broken_thai(text) == []
    assert [expected for expected in _expected(sample_year.plan) if not found_exactly(text, expected)] == []


def test_a_search_for_a_word_with_sara_am_finds_it_in_the_pdf(pdf):
    assert pdf_text(pdf).count("ดำเนินการ") == pdfminer_text(pdf).count("ดำเนินการ") > 0


@pytest.mark.parametrize("report_format", ["docx", "xlsx"])
def test_libreoffice_opens_the_docx_and_xlsx_with_the_same_text(sample_year, data, report_format, tmp_path):
    converted = libreoffice_pdf(renderers.render(data, report_format), report_format, tmp_path, f"{report_format}-lo")

    text = pdf_text(converted)
    assert broken_thai(text) == []
    assert [expected for expected in _expected(sample_year.plan) if not found_exactly(text, expected)] == []
