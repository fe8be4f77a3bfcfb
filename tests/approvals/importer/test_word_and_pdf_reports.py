"""Reports as offices have them: the Word file and the PDF (with text) read to the same plan; damaged ones
(cut short, encrypted, not a report, a table with merged or missing cells, a scan) refused with a bilingual
message naming the place, and nothing written."""

from __future__ import annotations

import copy
import datetime
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from docx import Document
from docx.oxml.ns import qn
from fpdf import FPDF
from pypdf import PdfReader, PdfWriter

from approvals.importer import ReportError
from approvals.importer.files import parse_report_file
from approvals.importer.text import match_key
from approvals.models import Action, Plan
from reports.assembly import ActionLine, ApprovedResult, BudgetLine, IndicatorBlock, MeasureBlock, ReportData
from reports.renderers.docx import render_docx
from reports.renderers.pdf import render_pdf

BILINGUAL = re.compile(r"[\u0e00-\u0e7f].* / .*[a-zA-Z]")
DAY = datetime.date(2023, 9, 1)


def _result(division: str, results: str, outcome: str) -> ApprovedResult:
    return ApprovedResult(division=division, results=results, outcome=outcome, approved_on=DAY)


@pytest.fixture
def report_data() -> ReportData:
    measures = [
        MeasureBlock(
            1,
            "มาตรการเพิ่มประสิทธิภาพการดำเนินงานและการสื่อสารกับบุคลากรภายในองค์กร",
            [
                IndicatorBlock(
                    "IIT",
                    1,
                    "การปฏิบัติหน้าที่",
                    "รักษาระดับ",
                    [
                        ActionLine(
                            "1",
                            "ดำเนินการทบทวน ปรับปรุงกระบวนการขั้นตอนการให้บริการของเจ้าหน้าที่ให้เป็นไปตามมาตรฐานการให้บริการที่กำหนดไว้",
                            "สำนักปลัด",
                            False,
                            [_result("สำนักปลัด", "มีการจัดประชุมเดือนละ ๑ ครั้ง", "ประชาชนพึงพอใจ")],
                        ),
                        ActionLine(
                            "2",
                            "เผยแพร่แผนการใช้จ่ายงบประมาณประจำปี",
                            "ทุกส่วนราชการ",
                            True,
                            [
                                _result("สำนักปลัด", "จัดประชุมชี้แจงแผน", "บุคลากรทราบแผน"),
                                _result("กองคลัง", "เผยแพร่ผ่าน Line, Facebook", "มีส่วนร่วม"),
                            ],
                        ),
                    ],
                ),
                IndicatorBlock(
                    "IIT",
                    2,
                    "การใช้งบประมาณ",
                    "แก้ไขเร่งด่วน",
                    [ActionLine("1", "มีมาตรการการลงโทษที่ชัดเจน", "กองคลัง", False, [_result("กองคลัง", "ออกคำสั่ง", "")])],
                ),
            ],
        ),
        MeasureBlock(
            2,
            "มาตรการปรับปรุงการเปิดเผยข้อมูลสาธารณะขององค์กร",
            [
                IndicatorBlock(
                    "OIT",
                    9,
                    "การเปิดเผยข้อมูล",
                    "พัฒนายกระดับ",
                    [ActionLine("1", "ตรวจสอบข้อมูลบนเว็บไซต์", "สำนักปลัด", False, [_result("สำนักปลัด", "ตรวจแล้ว", "ครบ")])],
                )
            ],
        ),
    ]
    return ReportData(
        agency="องค์การบริหารส่วนตำบลทดสอบ",
        district="พานทอง",
        province="ชลบุรี",
        fiscal_year=2566,
        round=12,
        period_start=datetime.date(2022, 10, 1),
        cutoff=datetime.date(2023, 9, 30),
        measures=measures,
        budget=[BudgetLine(1, "จัดทำแผนปฏิบัติการป้องกันการทุจริต", 1000, 650)],
        signatures=[],
        generated_on=DAY,
    )


@pytest.fixture
def docx_bytes(report_data) -> bytes:
    return render_docx(report_data)


@pytest.fixture
def pdf_bytes(report_data) -> bytes:
    return render_pdf(report_data)


def _outline(parsed: dict) -> list:
    return [
        (
            m["number"],
            m["title"],
            [
                (
                    i["number"],
                    i["assessment"],
                    i["status"],
                    [
                        (a["number"], match_key(a["text"]), a["responsible"], match_key(a["results"]))
                        for a in i["actions"]
                    ],
                )
                for i in m["indicators"]
            ],
        )
        for m in parsed["measures"]
    ]


def _refusal(content: bytes) -> str:
    with pytest.raises(ReportError) as refused:
        parse_report_file(content)
    message = str(refused.value)
    assert BILINGUAL.search(message), message
    return message


def test_the_word_file_reads_to_the_plan_it_prints(docx_bytes):
    parsed = parse_report_file(docx_bytes).to_dict()

    assert parsed["agency"] == "องค์การบริหารส่วนตำบลทดสอบ"
    assert parsed["fiscal_year"] == 2566
    assert _outline(parsed) == [
        (
            1,
            "มาตรการเพิ่มประสิทธิภาพการดำเนินงานและการสื่อสารกับบุคลากรภายในองค์กร",
            [
                (
                    1,
                    "IIT",
                    "maintain",
                    [
                        (
                            "1",
                            match_key(
                                "ดำเนินการทบทวน ปรับปรุงกระบวนการขั้นตอนการให้บริการของเจ้าหน้าที่ให้เป็นไปตามมาตรฐาน"
                                "การให้บริการที่กำหนดไว้"
                            ),
                            ["สำนักปลัด"],
                            match_key("มีการจัดประชุมเดือนละ ๑ ครั้ง"),
                        ),
                        (
                            "2",
                            match_key("เผยแพร่แผนการใช้จ่ายงบประมาณประจำปี"),
                            "all",
                            match_key("สำนักปลัด: จัดประชุมชี้แจงแผน\nกองคลัง: เผยแพร่ผ่าน Line, Facebook"),
                        ),
                    ],
                ),
                (2, "IIT", "urgent", [("1", match_key("มีมาตรการการลงโทษที่ชัดเจน"), ["กองคลัง"], match_key("ออกคำสั่ง"))]),
            ],
        ),
        (
            2,
            "มาตรการปรับปรุงการเปิดเผยข้อมูลสาธารณะขององค์กร",
            [(9, "OIT", "develop", [("1", match_key("ตรวจสอบข้อมูลบนเว็บไซต์"), ["สำนักปลัด"], match_key("ตรวจแล้ว"))])],
        ),
    ]
    assert parsed["budget"] == [{"item": "จัดทำแผนปฏิบัติการป้องกันการทุจริต", "amount": "1000.00"}]


def test_the_pdf_reads_to_the_same_plan_as_the_word_file(docx_bytes, pdf_bytes):
    from_pdf = parse_report_file(pdf_bytes).to_dict()
    from_word = parse_report_file(docx_bytes).to_dict()

    assert _outline(from_pdf) == _outline(from_word)
    assert from_pdf["budget"] == from_word["budget"]


def test_a_word_file_cut_short_is_refused_as_damaged(docx_bytes):
    message = _refusal(docx_bytes[: len(docx_bytes) // 2])

    assert "ไฟล์ Word เสียหายหรือไม่ครบ" in message


def test_an_encrypted_word_file_is_refused_saying_so(docx_bytes):
    # Word saves a password-protected .docx inside an OLE compound file.
    message = _refusal(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)

    assert "ถูกเข้ารหัส" in message and "encrypted" in message


def test_a_word_file_that_is_not_a_report_is_refused_naming_where_the_text_ends():
    document = Document()
    document.add_paragraph("บันทึกข้อความ")
    document.add_paragraph("เรื่อง ขออนุมัติจัดซื้อวัสดุสำนักงาน")
    buffer = io.BytesIO()
    document.save(buffer)

    message = _refusal(buffer.getvalue())

    assert "ย่อหน้าที่ 2: ไม่พบตารางมาตรการ" in message and "paragraph 2: no measures table found" in message


def _edited(docx_bytes: bytes, edit) -> bytes:
    document = Document(io.BytesIO(docx_bytes))
    edit(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_a_measures_row_with_merged_cells_is_refused_naming_the_table_row_and_cell(docx_bytes):
    # Table 1, row 3: indicator 1's first action; its results and outcome merged into one cell.
    def merge(document):
        row = document.tables[0].rows[2]
        row.cells[3].merge(row.cells[4])

    message = _refusal(_edited(docx_bytes, merge))

    assert "ตารางที่ 1 แถวที่ 3 ช่องที่ 4: มีช่องที่ผสานกัน" in message
    assert "table 1, row 3, cell 4: merged cells" in message


def test_a_measures_row_with_a_missing_cell_is_refused_naming_the_table_and_row(docx_bytes):
    def drop_cell(document):
        tr = document.tables[0].rows[3]._tr
        tr.remove(tr.findall(qn("w:tc"))[-1])

    message = _refusal(_edited(docx_bytes, drop_cell))

    assert "ตารางที่ 1 แถวที่ 4: แถวมีช่องไม่ครบ (4 จาก 5 ช่อง)" in message
    assert "table 1, row 4: the row has missing cells (4 of 5)" in message


def test_a_pdf_cut_short_is_refused_as_incomplete(pdf_bytes):
    message = _refusal(pdf_bytes[: len(pdf_bytes) * 2 // 3])

    assert "ไฟล์ PDF ไม่ครบ" in message


def test_a_password_protected_pdf_is_refused_saying_so(pdf_bytes):
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes)))
    writer.encrypt("รหัสลับ-secret")
    buffer = io.BytesIO()
    writer.write(buffer)

    message = _refusal(buffer.getvalue())

    assert "ถูกเข้ารหัส" in message and "encrypted" in message


def test_a_scanned_pdf_without_text_is_refused_saying_it_has_no_text_layer():
    scan = FPDF()
    scan.add_page()
    # A scan is pictures of pages: only drawings, no characters.
    scan.set_fill_color(40, 40, 40)
    for line in range(30):
        scan.rect(20, 20 + line * 8, 150, 3, style="F")

    message = _refusal(bytes(scan.output()))

    assert "ไม่มีข้อความ (เป็นภาพสแกน)" in message and "no text layer" in message


def test_a_pdf_that_is_not_a_report_is_refused_naming_the_page():
    letter = FPDF()
    letter.add_page()
    letter.set_font("helvetica", size=12)
    letter.cell(text="Invoice 2023-114, office supplies")

    message = _refusal(bytes(letter.output()))

    assert "หน้า 1: ไม่พบตารางมาตรการ" in message and "page 1: no measures table found" in message


def test_warnings_of_a_word_file_name_the_table_row_not_a_line(report_data):
    data = copy.deepcopy(report_data)
    data.measures[0].indicators[0].actions[0].responsible = ""

    parsed = parse_report_file(render_docx(data))

    assert any(w.startswith("ตารางที่ 1 แถวที่ 3: ตัวชี้วัดที่ 1 ไม่ระบุผู้รับผิดชอบ") for w in parsed.warnings)


def _upload(client, content: bytes, name: str):
    return client.post(reverse("approvals:plan-import"), {"report": SimpleUploadedFile(name, content)})


def _import_through_the_page(client, content: bytes, name: str) -> int:
    response = _upload(client, content, name)
    assert Plan.objects.count() == 0
    client.post(response.url, {"confirm": "1"})
    return Action.objects.filter(indicator__measure__plan__agency__isnull=False).count()


def test_the_import_page_reads_a_word_file_and_writes_on_confirmation(client, agency_admin, docx_bytes):
    client.force_login(agency_admin)

    assert _import_through_the_page(client, docx_bytes, "report.docx") == 4
    assert Plan.objects.get().agency == agency_admin.agency


def test_the_import_page_reads_a_pdf_and_writes_on_confirmation(client, agency_admin, pdf_bytes):
    client.force_login(agency_admin)

    assert _import_through_the_page(client, pdf_bytes, "report.pdf") == 4
    assert Plan.objects.get().agency == agency_admin.agency


def test_a_damaged_word_file_on_the_import_page_shows_the_place_and_writes_nothing(client, agency_admin, docx_bytes):
    client.force_login(agency_admin)

    def merge(document):
        row = document.tables[0].rows[2]
        row.cells[3].merge(row.cells[4])

    response = _upload(client, _edited(docx_bytes, merge), "report.docx")

    assert response.status_code == 200
    assert "ตารางที่ 1 แถวที่ 3" in response.context["form"].errors["report"][0]
    assert Plan.objects.count() == 0


def test_the_import_command_dry_runs_a_word_file_without_writing(tmp_path, docx_bytes, db):
    from io import StringIO

    from django.core.management import call_command

    path = tmp_path / "report.docx"
    path.write_bytes(docx_bytes)
    out = StringIO()

    call_command("import_ita_report", str(path), "--dry-run", stdout=out, stderr=StringIO())

    assert "IIT 1 การปฏิบัติหน้าที่ (maintain): 2 actions" in out.getvalue()
    assert Plan.objects.count() == 0


def test_the_import_command_refuses_a_scanned_pdf_with_the_reason(tmp_path):
    from django.core.management import CommandError, call_command

    scan = FPDF()
    scan.add_page()
    scan.rect(20, 20, 150, 200, style="F")
    path = tmp_path / "scan.pdf"
    path.write_bytes(bytes(scan.output()))

    with pytest.raises(CommandError, match="ภาพสแกน"):
        call_command("import_ita_report", str(path), "--dry-run")
