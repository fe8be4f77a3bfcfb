"""The auditors' pages: Thai first with Buddhist-Era dates, scoped to the agency, read-only."""

from __future__ import annotations

import csv
import datetime
import io
import re

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from approvals.models import Decision, Division
from approvals.services import save_with_history
from audit import services
from audit.models import Finding
from audit.rules.base import Hit
from tests import factories
from tests.audit.factories import DecisionFactory, EvidenceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def action(agency, division):
    return factories.ActionFactory(agency=agency, indicator__measure__plan__agency=agency, responsible=[division])


@pytest.fixture
def finding(agency, action):
    return services.record_finding(
        rule="approval_without_evidence",
        severity="high",
        agency=agency,
        hit=Hit(key="decision:1", summary="แนวทาง 1.1 ได้รับอนุมัติโดยไม่มีไฟล์หลักฐาน", action_id=action.pk),
        by=None,
        reason="risk scan",
    )


@pytest.fixture
def auditor_client(client, auditor):
    client.force_login(auditor)
    return client


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_the_dashboard_lists_open_findings_in_thai_with_buddhist_era_dates(auditor_client, finding):
    page = _text(auditor_client.get(reverse("audit:findings")))

    assert "สัญญาณเตือนความเสี่ยงและการทุจริต" in page
    assert finding.summary in page
    assert str(timezone.localdate().year + 543) in page


def test_people_other_than_auditors_are_refused_every_audit_page(client, chief_administrator, action, finding):
    client.force_login(chief_administrator)
    urls = [
        reverse("audit:findings"),
        reverse("audit:finding-detail", args=[finding.pk]),
        reverse("audit:change-log"),
        reverse("audit:change-log-export", args=["csv"]),
        reverse("audit:actions"),
        reverse("audit:action-timeline", args=[action.pk]),
    ]

    assert {client.get(url).status_code for url in urls} == {403}


def test_an_auditor_of_another_agency_cannot_open_this_agencys_timeline(client, action, outsider_agency_user):
    outsider_auditor = factories.UserFactory(agency=outsider_agency_user.agency)
    factories.RoleAssignmentFactory(user=outsider_auditor, role="auditor")
    client.force_login(outsider_auditor)

    assert client.get(reverse("audit:action-timeline", args=[action.pk])).status_code == 404


def test_the_timeline_shows_changes_decisions_with_reasons_and_evidence_hashes(
    auditor_client, agency, action, division, staff_member, mayor
):
    submission = factories.SubmissionFactory(action=action, agency=agency, division=division)
    submission.results = "จัดอบรมแล้ว 2 ครั้ง"
    save_with_history(submission, by=staff_member, reason="ส่งผลรอบแรก")
    evidence = EvidenceFactory(submission=submission, uploaded_by=staff_member)
    deputy = factories.UserFactory(agency=agency, first_name="รองนายก")
    DecisionFactory(
        action=action,
        stage=Decision.Stage.APPROVAL,
        outcome=Decision.Outcome.RETURNED,
        reason="หลักฐานไม่ชัดเจน",
        decided_by=deputy,
        on_behalf_of=mayor,
    )

    page = _text(auditor_client.get(reverse("audit:action-timeline", args=[action.pk])))

    assert "<del>จัดประชุมชี้แจงแผนการใช้จ่ายงบประมาณ</del> → <ins>จัดอบรมแล้ว 2 ครั้ง</ins>" in page
    assert "ส่งผลรอบแรก" in page
    assert evidence.sha256 in page
    assert "หลักฐานไม่ชัดเจน" in page
    assert "รองนายก" in page and str(mayor) in page


def test_the_change_log_filters_by_person(auditor_client, agency, division, agency_admin):
    renamed = factories.DivisionFactory(agency=agency, name="กองช่าง")
    renamed.name = "กองช่าง (ใหม่)"
    save_with_history(renamed, by=agency_admin, reason="เปลี่ยนชื่อกอง")

    page = _text(auditor_client.get(reverse("audit:change-log"), {"person": agency_admin.pk}))

    assert "เปลี่ยนชื่อกอง" in page
    assert page.count("<del>") == 1


def test_the_change_log_pages_back_by_sequence(auditor_client, agency, settings):
    settings.AUDIT_CHANGE_LOG_PAGE_SIZE = 2
    for number in range(3):
        factories.DivisionFactory(agency=agency, name=f"กองที่ {number}")

    first = auditor_client.get(reverse("audit:change-log"))
    second = auditor_client.get(reverse("audit:change-log"), {"before": first.context["page"].next_before})

    first_seqs = [c.seq for c in first.context["page"].changes]
    second_seqs = [c.seq for c in second.context["page"].changes]
    assert len(first_seqs) == 2 and max(second_seqs) < min(first_seqs)


def test_a_change_log_page_takes_the_same_few_queries_however_many_rows(
    auditor_client, agency, django_assert_max_num_queries
):
    for number in range(60):
        factories.DivisionFactory(agency=agency, name=f"กองที่ {number}")

    with django_assert_max_num_queries(20):
        auditor_client.get(reverse("audit:change-log"))


def test_a_start_date_after_the_end_date_is_explained_in_thai_and_english(auditor_client):
    response = auditor_client.get(reverse("audit:change-log"), {"date_from": "2026-03-10", "date_to": "2026-03-01"})

    assert "วันที่เริ่มต้องไม่หลังวันที่สิ้นสุด / The start date must not be after the end date." in _text(response)


def test_the_date_filter_takes_and_shows_buddhist_era_dates(auditor_client, agency, agency_admin):
    division = factories.DivisionFactory(agency=agency)
    division.name = "กองช่าง"
    save_with_history(division, by=agency_admin, reason="เปลี่ยนชื่อกอง")
    today = timezone.localdate()
    typed = f"{today.day}/{today.month}/{today.year + 543}"
    tomorrow = today + datetime.timedelta(days=1)

    matching = auditor_client.get(reverse("audit:change-log"), {"date_from": typed, "date_to": typed})
    later = auditor_client.get(
        reverse("audit:change-log"), {"date_from": f"{tomorrow.day}/{tomorrow.month}/{tomorrow.year + 543}"}
    )

    assert f'value="{typed}"' in _text(matching)
    assert "เปลี่ยนชื่อกอง" in _text(matching)
    assert "เปลี่ยนชื่อกอง" not in _text(later)
    assert 'type="date"' not in _text(matching)  # the browser's picker is Gregorian


def test_a_date_that_is_not_one_is_explained_and_the_log_still_shows(auditor_client):
    response = auditor_client.get(reverse("audit:change-log"), {"date_from": "31/2/2569"})

    assert response.status_code == 200
    assert "ให้พิมพ์ วัน/เดือน/ปี พ.ศ. เช่น 1/10/2568 / Not a date" in _text(response)
    assert 'value="31/2/2569"' in _text(response)


def test_the_filters_name_their_empty_choice(auditor_client):
    page = _text(auditor_client.get(reverse("audit:change-log")))

    assert "---------" not in page
    assert all(label in page for label in ("ทุกคน", "ทุกส่วนราชการ", "ทุกตัวชี้วัด"))


def test_the_csv_export_has_thai_headers_and_buddhist_era_dates(auditor_client, agency, agency_admin):
    division = factories.DivisionFactory(agency=agency)
    division.name = "กองสาธารณสุข"
    save_with_history(division, by=agency_admin, reason="ตั้งกองใหม่")

    response = auditor_client.get(reverse("audit:change-log-export", args=["csv"]))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))

    assert rows[0][:3] == ["ลำดับ", "วันเวลา", "ผู้แก้ไข"]
    assert rows[1][rows[0].index("เหตุผล")] == "ตั้งกองใหม่"
    assert str(timezone.localdate().year + 543) in rows[1][1]


def test_the_xlsx_export_opens_as_a_workbook(auditor_client, agency):
    factories.DivisionFactory(agency=agency, name="กองสวัสดิการสังคม")

    response = auditor_client.get(reverse("audit:change-log-export", args=["xlsx"]))
    sheet = load_workbook(io.BytesIO(response.content)).active

    assert sheet.cell(row=1, column=5).value == "ประเภทรายการ"
    assert sheet.max_row >= 2


def test_an_auditor_closes_a_finding_with_a_note(auditor_client, auditor, finding):
    response = auditor_client.post(
        reverse("audit:finding-review", args=[finding.pk]), {"note": "ตรวจแล้ว มีหลักฐานฉบับกระดาษ"}
    )

    finding.refresh_from_db()
    assert response.status_code == 302
    assert (finding.status, finding.reviewed_by, finding.review_note) == (
        Finding.Status.CLOSED,
        auditor,
        "ตรวจแล้ว มีหลักฐานฉบับกระดาษ",
    )


def test_a_review_without_a_note_is_refused_with_the_form_shown_again(auditor_client, finding):
    response = auditor_client.post(reverse("audit:finding-review", args=[finding.pk]), {"note": ""})

    finding.refresh_from_db()
    assert (response.status_code, finding.status) == (400, Finding.Status.OPEN)


def test_someone_else_cannot_mark_a_finding_reviewed(client, chief_administrator, finding):
    client.force_login(chief_administrator)

    response = client.post(reverse("audit:finding-review", args=[finding.pk]), {"note": "ปิดเรื่อง"})

    finding.refresh_from_db()
    assert (response.status_code, finding.status) == (403, Finding.Status.OPEN)


def test_every_audit_page_refuses_a_post(auditor_client, action, finding):
    urls = [
        reverse("audit:findings"),
        reverse("audit:finding-detail", args=[finding.pk]),
        reverse("audit:change-log"),
        reverse("audit:change-log-export", args=["csv"]),
        reverse("audit:change-log-export", args=["xlsx"]),
        reverse("audit:actions"),
        reverse("audit:action-timeline", args=[action.pk]),
    ]

    assert {auditor_client.post(url, {"note": "x"}).status_code for url in urls} == {405}


def test_auditors_cannot_change_anything_in_the_admin(auditor_client, agency, division, action, finding):
    refused = []
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        targets = [reverse(f"admin:{info[0]}_{info[1]}_add")]
        obj = model._default_manager.first()
        if obj is not None:
            targets += [
                reverse(f"admin:{info[0]}_{info[1]}_change", args=[obj.pk]),
                reverse(f"admin:{info[0]}_{info[1]}_delete", args=[obj.pk]),
            ]
        refused += [(url, auditor_client.post(url, {"name": "x", "change_reason": "x"}).status_code) for url in targets]

    assert len(refused) > 20
    assert {status for _url, status in refused} == {403}
    assert Division.objects.get(pk=division.pk).name == division.name


def test_the_change_log_never_shows_a_password_hash(auditor_client, staff_member):
    staff_member.set_password("another-long-password")
    save_with_history(staff_member, by=staff_member, reason="เปลี่ยนรหัสผ่าน")

    page = _text(auditor_client.get(reverse("audit:change-log")))

    assert "เปลี่ยนรหัสผ่าน" in page
    assert "(เปลี่ยนแล้ว ไม่แสดงค่า)" in page
    assert staff_member.password not in page
