import pytest

from reports import renderers
from reports.assembly import assemble_report
from tests.reports.builders import UNAPPROVED
from tests.reports.checks import pdf_fonts, pdf_page_image, pdf_text, report_problems, squeeze

# Official wording and names with vowels and tone marks above and below the line, and ำ.
THAI_PHRASES = (
    "รายงานผลการดำเนินงานตามมาตรการส่งเสริมคุณธรรมและความโปร่งใสภายในหน่วยงาน",
    "ผลลัพธ์/ความสำเร็จ",
    "สรุปผลการดำเนินการตามมาตรการ",
    "ทุกส่วนราชการ",
    "ตัวชี้วัดที่ ๑ การปฏิบัติหน้าที่ (รักษาระดับ)",
    "อำเภอพานทอง จังหวัดชลบุรี",
)


@pytest.fixture
def pdf(sample_year, agency_admin):
    return renderers.render(assemble_report(sample_year.plan, 12, prepared_by=agency_admin), "pdf")


def test_twelve_month_pdf_holds_every_indicator_action_and_approved_result_and_nothing_unapproved(sample_year, pdf):
    text = pdf_text(pdf)

    assert report_problems(text, sample_year.plan, 12) == []
    assert UNAPPROVED not in squeeze(text)
    assert pdf_page_image(pdf, 2, "pdf-page-2").stat().st_size > 10_000


def test_pdf_prints_the_official_wording_in_intact_thai(pdf):
    text = squeeze(pdf_text(pdf))

    for phrase in THAI_PHRASES:
        assert squeeze(phrase) in text


def test_pdf_embeds_the_sarabun_font(pdf, tmp_path):
    fonts = pdf_fonts(pdf, tmp_path)

    embedded = [line for line in fonts.splitlines() if "Sarabun" in line]
    assert embedded and all(" yes yes yes " in line for line in embedded)


def test_six_month_pdf_leaves_out_results_approved_after_31_march(sample_year, agency_admin):
    pdf = renderers.render(assemble_report(sample_year.plan, 6, prepared_by=agency_admin), "pdf")

    text = squeeze(pdf_text(pdf))
    assert report_problems(pdf_text(pdf), sample_year.plan, 6) == []
    assert squeeze("เว็บไซต์มีเนื้อหาที่ถูกต้อง") not in text
    assert squeeze("ยังไม่มีผลการดำเนินการที่ได้รับอนุมัติ ณ วันที่ ๓๑ มีนาคม ๒๕๖๖") in text
