"""The upload page: read the report, show the plan, write only on confirmation."""

from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from approvals.models import Action, Plan

SEED = Path(__file__).resolve().parents[2] / "approvals" / "sample_data" / "ita_report_2566.txt"


def upload(client, content: bytes, name: str = "report.txt"):
    return client.post(reverse("approvals:plan-import"), {"report": SimpleUploadedFile(name, content)})


def test_the_parsed_plan_is_shown_for_confirmation_before_anything_is_saved(client, agency_admin):
    client.force_login(agency_admin)
    response = upload(client, SEED.read_bytes())
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert "การปฏิบัติหน้าที่" in page
    assert "ยืนยันการนำเข้า" in page
    assert Plan.objects.count() == 0


def test_confirming_saves_the_plan_for_the_administrators_agency(client, agency_admin):
    client.force_login(agency_admin)
    upload(client, SEED.read_bytes())
    response = client.post(reverse("approvals:plan-import-confirm"), {"confirm": "1"})
    plan = Plan.objects.get()
    assert response.status_code == 302
    assert plan.agency == agency_admin.agency
    assert Action.objects.filter(agency=agency_admin.agency).count() >= 20
    assert plan.history.first().history_user == agency_admin


def test_a_damaged_file_shows_the_error_on_the_form(client, agency_admin):
    client.force_login(agency_admin)
    response = upload(client, b"\x00\x01\x02 binary junk")
    assert response.status_code == 200
    assert "/" in response.context["form"].errors["report"][0]
    assert Plan.objects.count() == 0


def test_staff_members_cannot_import(client, staff_member):
    client.force_login(staff_member)
    response = upload(client, SEED.read_bytes())
    assert response.status_code == 403
    assert "เฉพาะผู้ดูแลระบบของหน่วยงานเท่านั้น" in response.content.decode()
    assert Plan.objects.count() == 0
