"""The action's story tells evidence withdrawals; a return carries the division's evidence into the new round
as the system's bookkeeping, so the history never names the returner as the creator of a file a staff member
uploaded."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from approvals import services
from approvals.models import Evidence
from audit import reasons
from tests.workflows.conftest import draft_of, login, submit

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.fixture
def attached(activated, division, staff_member):
    draft = draft_of(activated, division)
    return services.add_evidence(draft, by=staff_member, uploaded_file=SimpleUploadedFile("ภาพกิจกรรม.pdf", PDF))


def test_the_story_tells_who_withdrew_which_evidence_file_and_why(client, activated, attached, staff_member):
    services.remove_evidence(attached, by=staff_member, reason="แนบผิดไฟล์")
    login(client, staff_member)

    page = _text(client.get(f"/work/actions/{activated.pk}/"))

    assert "ถอนไฟล์หลักฐานออกจากผลการดำเนินการของ" in page
    withdrawal = page[page.index("ถอนไฟล์หลักฐานออกจาก") :]
    assert "ภาพกิจกรรม.pdf" in withdrawal[:200]
    assert str(staff_member) in withdrawal[:300]
    assert "แนบผิดไฟล์" in withdrawal[:400]
    # The withdrawn file is still told as attached, before its withdrawal.
    assert page.index("แนบหลักฐาน: ภาพกิจกรรม.pdf") < page.index("ถอนไฟล์หลักฐานออกจาก")


def test_a_return_carries_the_evidence_into_the_new_round_as_the_system_not_the_returner(
    activated, division, attached, staff_member, chief_administrator
):
    submit(activated, division, staff_member)

    services.return_action(activated, by=chief_administrator, reason="กรุณาแนบรายชื่อผู้เข้าร่วม")

    carried = Evidence.objects.get(submission=draft_of(activated, division))
    created = carried.history.get(history_type="+")
    assert created.history_user.username == services.SYSTEM_USERNAME
    assert created.history_user != chief_administrator
    assert created.history_reason_code == reasons.CARRIED_INTO_ROUND
    assert created.history_reason_params["round"] == 2
    assert created.get_history_reason_display() == "ยกไปยังรอบที่ 2 เมื่อส่งกลับแก้ไข"
    assert carried.uploaded_by == staff_member


def test_the_change_log_names_the_uploader_and_says_the_file_was_carried_over(
    client, activated, division, attached, staff_member, chief_administrator, auditor
):
    submit(activated, division, staff_member)
    services.return_action(activated, by=chief_administrator, reason="กรุณาแนบรายชื่อผู้เข้าร่วม")
    client.force_login(auditor)

    page = client.get("/audit/changes/", {"kind": Evidence.history.model._meta.db_table})
    rows = [
        _text_of(row) for row in re.findall(r"<tr>(.*?)</tr>", page.content.decode(), re.S) if "ภาพกิจกรรม.pdf" in row
    ]

    carried = next(row for row in rows if "ยกไปยังรอบที่ 2" in row)
    assert f"อัปโหลดโดย: {staff_member}" in carried
    assert str(chief_administrator) not in carried
    first = next(row for row in rows if "แนบไฟล์หลักฐาน" in row)
    assert str(staff_member) in first


def _text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace(" : ", ": ").strip()
