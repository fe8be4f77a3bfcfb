import io

import pytest
from docx import Document
from docx.oxml.ns import qn

from reports import renderers
from reports.assembly import assemble_report
from reports.renderers.docx import COLUMN_WIDTHS_CM
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


def test_docx_sets_th_sarabun_new_at_16_pt_for_thai_text_with_declared_fallbacks(docx):
    document = Document(io.BytesIO(docx))
    normal = document.styles["Normal"]
    font_table = next(r.target_part.blob for r in document.part.rels.values() if r.reltype.endswith("/fontTable"))

    assert normal.element.rPr.rFonts.get(qn("w:cs")) == "TH Sarabun New"
    assert normal.font.size.pt == 16
    for name, fallback in (("TH Sarabun New", "TH SarabunPSK"), ("TH SarabunPSK", "Sarabun")):
        assert f'w:name="{name}"><w:altName w:val="{fallback}"/><w:charset w:val="DE"/>'.encode() in font_table


def test_docx_table_grids_carry_the_column_widths(docx):
    document = Document(io.BytesIO(docx))

    measure_table = document.tables[0]
    widths = [round(column.w.cm, 2) for column in measure_table._tbl.tblGrid.gridCol_lst]
    assert widths == list(COLUMN_WIDTHS_CM)
    assert measure_table._tbl.tblPr.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"


def test_docx_page_numbers_use_thai_digits_when_the_setting_asks(docx):
    document = Document(io.BytesIO(docx))

    footer = document.sections[1].footer._element.xml
    assert "PAGE \\* ThaiArabic" in footer
    assert 'w:fmt="thaiNumbers"' in document.sections[1]._sectPr.xml


def test_docx_signature_block_names_the_people_with_positions_and_dates(docx):
    text = squeeze(docx_text(docx))

    for line in ("(ชาลี ธรรมดี)", "ปลัดองค์การบริหารส่วนตำบล", "ผู้ตรวจสอบ", "(มะลิ ศรีสุข)", "ผู้อนุมัติ"):
        assert squeeze(line) in text
    assert squeeze("วันที่ ........ / ........ / ........") in text


@pytest.mark.browser
def test_docx_preview_page_image_is_kept_for_review(docx, chromium):
    image = screenshot(chromium, docx_preview_html(docx), "docx-preview")

    assert image.stat().st_size > 10_000
