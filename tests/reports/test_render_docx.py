import pytest
from docx import Document

from reports import renderers
from reports.assembly import assemble_report
from tests.reports.builders import UNAPPROVED
from tests.reports.checks import docx_text, report_problems, squeeze
from tests.reports.previews import docx_preview_html, screenshot
from tests.reports.test_render_pdf import THAI_PHRASES


@pytest.fixture
def docx(sample_year, agency_admin):
    return renderers.render(assemble_report(sample_year.plan, 12, prepared_by=agency_admin), "docx")


def test_twelve_month_docx_holds_every_indicator_action_and_approved_result_and_nothing_unapproved(sample_year, docx):
    text = docx_text(docx)

    assert report_problems(text, sample_year.plan, 12) == []
    assert UNAPPROVED not in text


def test_docx_prints_the_official_wording_in_intact_thai(docx):
    text = docx_text(docx)

    for phrase in THAI_PHRASES:
        assert phrase in text


def test_docx_sets_sarabun_for_thai_text(docx):
    import io

    normal = Document(io.BytesIO(docx)).styles["Normal"]

    fonts = normal.element.rPr.rFonts
    assert fonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}cs") == "Sarabun"
    assert normal.font.name == "Sarabun"


def test_docx_signature_block_names_the_people_with_positions_and_dates(docx):
    text = squeeze(docx_text(docx))

    for line in ("(ชาลี ธรรมดี)", "ปลัดองค์การบริหารส่วนตำบล", "ผู้ตรวจสอบ", "(มะลิ ศรีสุข)", "ผู้อนุมัติ"):
        assert squeeze(line) in text
    assert squeeze("วันที่ ๒๕ สิงหาคม ๒๕๖๖") in text


@pytest.mark.browser
def test_docx_preview_page_image_is_kept_for_review(docx):
    image = screenshot(docx_preview_html(docx), "docx-preview")

    assert image.stat().st_size > 10_000
