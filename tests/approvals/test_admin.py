from django.urls import reverse

from approvals.models import Division
from tests import factories


def test_agency_admin_sees_only_their_agencys_divisions(client, agency_admin, division, outsider_agency_user):
    client.force_login(agency_admin)
    response = client.get(reverse("admin:approvals_division_changelist"))
    page = response.content.decode()
    assert response.status_code == 200
    assert division.name in page
    assert "other-agency" not in page
    assert Division.objects.filter(agency=outsider_agency_user.agency).exists()


def test_an_admin_change_records_who_and_why_in_history(client, agency_admin, division):
    client.force_login(agency_admin)
    response = client.post(
        reverse("admin:approvals_division_change", args=[division.pk]),
        {"name": "สำนักปลัด อบต.", "sort_order": 1, "is_active": "on", "change_reason": "เปลี่ยนชื่อตามคำสั่ง"},
    )
    assert response.status_code == 302
    latest = division.history.latest()
    assert (latest.name, latest.history_user, latest.history_reason) == (
        "สำนักปลัด อบต.",
        agency_admin,
        "เปลี่ยนชื่อตามคำสั่ง",
    )


def test_an_admin_change_without_a_reason_is_refused(client, agency_admin, division):
    client.force_login(agency_admin)
    response = client.post(
        reverse("admin:approvals_division_change", args=[division.pk]),
        {"name": "ชื่อใหม่", "sort_order": 1, "is_active": "on"},
    )
    assert response.status_code == 200
    division.refresh_from_db()
    assert division.name == "สำนักปลัด"


def test_staff_members_cannot_open_the_admin(client, staff_member):
    client.force_login(staff_member)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302


def test_an_auditor_can_read_but_not_change_in_the_admin(client, auditor, division):
    client.force_login(auditor)
    assert client.get(reverse("admin:approvals_division_changelist")).status_code == 200
    response = client.post(
        reverse("admin:approvals_division_change", args=[division.pk]),
        {"name": "แก้โดยผู้ตรวจสอบ", "sort_order": 1, "is_active": "on", "change_reason": "ทดสอบ"},
    )
    assert response.status_code == 403
    division.refresh_from_db()
    assert division.name == "สำนักปลัด"


def test_new_sao_agencies_start_with_the_usual_divisions(agency_admin):
    from approvals.services import create_agency

    agency = create_agency(name="อบต.ใหม่", slug="new-sao", by=agency_admin, reason="ตั้งหน่วยงาน")
    assert list(Division.objects.filter(agency=agency).values_list("name", flat=True)) == [
        "สำนักปลัด",
        "กองคลัง",
        "กองช่าง",
        "กองการศึกษา ศาสนาและวัฒนธรรม",
        "หน่วยตรวจสอบภายใน",
    ]
    assert factories.DivisionFactory._meta.model is Division
