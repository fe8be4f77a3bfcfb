"""Evidence files: judged by their content, limited in size, plain names only, stored by SHA-256 through
Django's storage API, and downloaded only by people who may see the action."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.files import File
from django.core.files.uploadedfile import SimpleUploadedFile

from approvals import services
from approvals.exceptions import InvalidEvidence, InvalidTransition
from approvals.models import Evidence
from tests.workflows.conftest import division_task, draft_of, login, submit, url

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a4f00000000049454e44ae426082"
)
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200


@pytest.fixture
def draft(activated, division):
    return draft_of(activated, division)


def test_a_pdf_is_stored_under_its_sha256_and_its_hash_is_recorded(draft, staff_member):
    evidence = services.add_evidence(draft, by=staff_member, uploaded_file=SimpleUploadedFile("ประกาศ.pdf", PDF))

    digest = hashlib.sha256(PDF).hexdigest()
    assert (evidence.sha256, evidence.content_type, evidence.size) == (digest, "application/pdf", len(PDF))
    assert evidence.file.name.endswith(digest)
    with evidence.file.open("rb") as stored:
        assert stored.read() == PDF
    record = evidence.history.get()
    assert (record.history_user, record.history_reason) == (staff_member, "workflow.evidence_added")


def test_an_image_is_accepted(draft, staff_member):
    evidence = services.add_evidence(draft, by=staff_member, uploaded_file=SimpleUploadedFile("ภาพกิจกรรม.PNG", PNG))

    assert evidence.content_type == "image/png"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("report.pdf", EXE, "ไม่ใช่ไฟล์ PDF"),
        ("notes.pdf", "เป็นเพียงข้อความ".encode(), "ไม่ใช่ไฟล์ PDF"),
        ("photo.pdf", PNG, "ใช้นามสกุล .pdf แต่เนื้อไฟล์เป็นไฟล์ .png"),
        ("..\\..\\windows\\evil.pdf", PDF, "มีลักษณะเป็นเส้นทางไฟล์"),
        (".hidden.pdf", PDF, "มีลักษณะเป็นเส้นทางไฟล์"),
        ("evidence", PDF, "ไม่มีนามสกุล"),
    ],
)
def test_a_file_that_is_not_what_it_claims_or_has_a_tricky_name_is_refused(draft, staff_member, name, content, message):
    with pytest.raises(InvalidEvidence, match=message):
        services.add_evidence(draft, by=staff_member, uploaded_file=SimpleUploadedFile(name, content))

    assert not Evidence.objects.exists()


def test_a_name_with_path_separators_is_refused_even_from_code(draft, staff_member):
    upload = File(io.BytesIO(PDF), name="../../etc/passwd.pdf")

    with pytest.raises(InvalidEvidence, match="มีลักษณะเป็นเส้นทางไฟล์"):
        services.add_evidence(draft, by=staff_member, uploaded_file=upload)


def test_a_file_larger_than_the_configured_limit_is_refused(draft, staff_member, settings):
    settings.EVIDENCE_MAX_BYTES = 1024

    with pytest.raises(InvalidEvidence, match=r"มีขนาดเกิน 1\.0"):
        services.add_evidence(draft, by=staff_member, uploaded_file=SimpleUploadedFile("big.pdf", PDF + b"0" * 2000))


def test_the_task_page_refuses_a_bad_file_with_a_message_and_keeps_the_typed_results(
    client, activated, division, staff_member
):
    task = division_task(activated, division)
    login(client, staff_member)
    client.post(url(task, "assign"))

    response = client.post(
        url(task, "execute"),
        {"results": "จัดทำคู่มือ", "outcome": "", "progress": "50", "evidence": SimpleUploadedFile("x.pdf", EXE)},
    )

    assert response.status_code == 400
    assert "ไม่ใช่ไฟล์ PDF" in response.content.decode()
    assert not Evidence.objects.exists()
    assert draft_of(activated, division).results == "จัดทำคู่มือ"


def test_evidence_of_an_approved_action_can_no_longer_be_added(
    activated, division, staff_member, chief_administrator, mayor
):
    submit(activated, division, staff_member)
    services.accept_action(activated, by=chief_administrator)
    services.approve_action(activated, by=mayor)

    with pytest.raises(InvalidTransition, match="นายกอนุมัติแนวทางนี้แล้ว"):
        services.add_evidence(
            draft_of(activated, division), by=staff_member, uploaded_file=SimpleUploadedFile("late.pdf", PDF)
        )


@pytest.fixture
def evidence(draft, staff_member):
    return services.add_evidence(draft, by=staff_member, uploaded_file=SimpleUploadedFile("คำสั่ง.pdf", PDF))


def test_the_division_downloads_its_evidence_as_an_attachment(client, evidence, staff_member):
    login(client, staff_member)

    response = client.get(f"/work/evidence/{evidence.pk}/")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")


def test_staff_of_another_division_cannot_download_the_evidence(client, evidence, other_division_staff):
    login(client, other_division_staff)

    assert client.get(f"/work/evidence/{evidence.pk}/").status_code == 403


def test_a_user_of_another_agency_does_not_even_find_the_evidence(client, evidence, outsider_agency_user):
    login(client, outsider_agency_user)

    assert client.get(f"/work/evidence/{evidence.pk}/").status_code == 404


def test_there_is_no_public_url_for_stored_files(client, evidence, staff_member):
    login(client, staff_member)

    assert client.get(f"/media/{evidence.file.name}").status_code == 404
    assert client.get(f"/{evidence.file.name}").status_code == 404


def test_a_withdrawn_file_is_kept_and_marked_with_the_reason(evidence, staff_member):
    services.remove_evidence(evidence, by=staff_member, reason="แนบผิดไฟล์")

    evidence.refresh_from_db()
    assert evidence.is_removed
    assert evidence.history.first().history_reason == "แนบผิดไฟล์"
