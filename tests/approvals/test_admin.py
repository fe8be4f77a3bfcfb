"""The Django admin is a tool of platform operators only. Agency staff never reach it (each attempt is
recorded); where an operator uses it, every change asks a reason, dropdowns list only the record's agency,
a save mixing agencies is refused, and roles and passwords go through the same services as our pages."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from approvals import services
from approvals.models import AccessRefusal, Division, Role, RoleAssignment
from approvals.permissions import Rule
from tests import factories


@pytest.fixture
def operator(db):
    return factories.platform_operator()


@pytest.mark.parametrize("persona", ["staff_member", "agency_admin", "auditor", "chief_administrator", "mayor"])
def test_agency_staff_never_reach_the_admin_and_the_attempt_is_recorded(client, request, persona):
    person = request.getfixturevalue(persona)
    client.force_login(person)

    response = client.get(reverse("admin:approvals_division_changelist"))

    assert response.status_code == 403
    assert "ผู้ดูแลแพลตฟอร์มเท่านั้น" in response.content.decode()
    refusal = AccessRefusal.objects.get(user=person)
    assert (refusal.rule, refusal.path) == (Rule.OPERATOR_ONLY, "/admin/approvals/division/")


def test_the_admins_own_sign_in_page_leads_to_ours(client):
    response = client.get(reverse("admin:login"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_platform_operator_changes_a_division_and_history_keeps_who_and_why(client, operator, division):
    client.force_login(operator)

    response = client.post(
        reverse("admin:approvals_division_change", args=[division.pk]),
        {
            "agency": division.agency_id,
            "name": "สำนักปลัด อบต.",
            "sort_order": 1,
            "is_active": "on",
            "change_reason": "เปลี่ยนชื่อตามคำสั่ง",
        },
    )

    assert response.status_code == 302
    latest = division.history.latest()
    assert (latest.name, latest.history_user, latest.history_reason) == (
        "สำนักปลัด อบต.",
        operator,
        "เปลี่ยนชื่อตามคำสั่ง",
    )


def test_an_admin_change_without_a_reason_is_refused(client, operator, division):
    client.force_login(operator)

    response = client.post(
        reverse("admin:approvals_division_change", args=[division.pk]),
        {"agency": division.agency_id, "name": "ชื่อใหม่", "sort_order": 1, "is_active": "on"},
    )

    assert response.status_code == 200
    division.refresh_from_db()
    assert division.name == "สำนักปลัด"


def test_the_dropdowns_of_a_records_form_list_only_its_own_agency(client, operator, agency, outsider_agency_user):
    mine = factories.ActionFactory(indicator__measure__plan__agency=agency)
    theirs = factories.ActionFactory(indicator__measure__plan__agency=outsider_agency_user.agency)
    client.force_login(operator)

    response = client.get(reverse("admin:approvals_action_change", args=[mine.pk]))

    choices = {c.pk for c in response.context["adminform"].form.fields["indicator"].queryset}
    assert mine.indicator_id in choices
    assert theirs.indicator_id not in choices


def test_a_record_whose_references_span_two_agencies_is_not_saved(client, operator, agency, outsider_agency_user):
    action = factories.ActionFactory(indicator__measure__plan__agency=agency)
    their_division = Division.objects.get(agency=outsider_agency_user.agency)
    client.force_login(operator)

    response = client.post(
        reverse("admin:approvals_responsibility_add"),
        {"agency": agency.pk, "action": action.pk, "division": their_division.pk, "change_reason": "ทดลอง"},
    )

    assert response.status_code == 200
    assert "หน่วยงานเดียวกัน" in response.content.decode()
    assert not action.divisions.exists()


def test_an_acting_appointment_saved_in_the_admin_is_only_proposed_through_the_service(
    client, operator, agency, mayor, chief_administrator
):
    deputy = factories.UserFactory(agency=agency)
    client.force_login(operator)

    client.post(
        reverse("admin:approvals_roleassignment_add"),
        {
            "user": deputy.pk,
            "role": Role.MAYOR,
            "acting_for": mayor.pk,
            "valid_from": "2026-01-01",
            "order_number": "12/2569",
            "order_date": "2025-12-30",
            "change_reason": "นายกลาพักร้อน",
        },
    )

    appointment = RoleAssignment.objects.get(user=deputy)
    assert (appointment.status, appointment.granted_by, appointment.confirmed_by) == (
        RoleAssignment.Status.PROPOSED,
        operator,
        None,
    )


def test_an_operator_confirms_a_grant_only_when_nobody_in_the_agency_can(client, operator, agency, agency_admin):
    chief = factories.UserFactory(agency=agency)
    proposed = services.grant_role(
        chief,
        Role.CHIEF_ADMINISTRATOR,
        by=agency_admin,
        reason="บรรจุแต่งตั้ง",
        order_number="5/2569",
        order_date=datetime.date(2026, 1, 5),
    )
    client.force_login(operator)

    client.post(
        reverse("admin:approvals_roleassignment_changelist"),
        {"action": "confirm_grants", "_selected_action": [proposed.pk]},
    )

    proposed.refresh_from_db()
    assert (proposed.status, proposed.confirmed_by) == (RoleAssignment.Status.IN_EFFECT, operator)


def test_a_password_an_operator_sets_is_recorded_with_its_reason(client, operator, mayor):
    client.force_login(operator)

    client.post(
        reverse("admin:auth_user_password_change", args=[mayor.pk]),
        {"password1": "new-mayor-passphrase-2569", "password2": "new-mayor-passphrase-2569", "change_reason": "ลืมรหัส"},
    )

    mayor.refresh_from_db()
    latest = mayor.history.latest()
    assert mayor.check_password("new-mayor-passphrase-2569")
    assert (latest.history_user, latest.history_change_reason, mayor.must_change_password) == (
        operator,
        "ลืมรหัส",
        True,
    )


def test_new_sao_agencies_start_with_the_usual_divisions_and_the_finance_division_records_spending(agency_admin):
    from approvals.services import create_agency

    agency = create_agency(name="อบต.ใหม่", slug="new-sao", by=agency_admin, reason="ตั้งหน่วยงาน")

    assert list(Division.objects.filter(agency=agency).values_list("name", "keeps_accounts")) == [
        ("สำนักปลัด", False),
        ("กองคลัง", True),
        ("กองช่าง", False),
        ("กองการศึกษา ศาสนาและวัฒนธรรม", False),
        ("หน่วยตรวจสอบภายใน", False),
    ]
