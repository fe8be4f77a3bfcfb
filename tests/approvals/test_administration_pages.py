"""The agency administration pages: the administrator changes (a reason every time, through the services),
the auditors read, the chief administrator and the mayor confirm grants, nobody else gets in; another
agency's records are not found, and each attempt is recorded."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from approvals import services
from approvals.models import AccessRefusal, Division, Role, RoleAssignment, User
from approvals.permissions import Rule
from approvals.thaidate import be_date, be_numeric_date
from tests import factories


@pytest.fixture
def newcomer(agency):
    return factories.UserFactory(agency=agency, username="newcomer", first_name="สมหญิง")


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_the_administrator_opens_an_account_with_a_temporary_password(client, agency_admin):
    client.force_login(agency_admin)

    response = client.post(
        "/approvals/administration/people/",
        {
            "username": "somsri",
            "first_name": "สมศรี",
            "last_name": "ใจงาม",
            "position": "นักวิชาการเงินและบัญชี",
            "email": "",
            "password": "first-sign-in-2569",
            "reason": "บรรจุใหม่ตามคำสั่ง",
        },
    )

    person = User.objects.get(username="somsri")
    assert response["Location"] == f"/approvals/administration/people/{person.pk}/"
    assert (person.agency, person.must_change_password) == (agency_admin.agency, True)
    assert person.history.get().history_change_reason == "บรรจุใหม่ตามคำสั่ง"


def test_a_change_without_a_reason_is_not_saved_and_says_why(client, agency_admin, division):
    client.force_login(agency_admin)

    response = client.post(
        f"/approvals/administration/divisions/{division.pk}/",
        {"name": "สำนักปลัด อบต.", "sort_order": 1, "is_active": "on", "reason": ""},
    )

    division.refresh_from_db()
    assert division.name == "สำนักปลัด"
    assert any("เหตุผล" in message for message in messages_of(response))


def test_granting_an_acting_mayor_on_the_page_proposes_it_and_names_who_confirms(
    client, agency_admin, newcomer, mayor, chief_administrator
):
    client.force_login(agency_admin)

    response = client.post(
        f"/approvals/administration/people/{newcomer.pk}/grant/",
        {
            "role": Role.MAYOR,
            "acting_for": mayor.pk,
            "valid_from": "1/12/2569",
            "valid_until": "31/12/2569",
            "order_number": "๓๐/๒๕๖๙",
            "order_date": "28/11/2569",
            "reason": "นายกไปราชการต่างประเทศ",
        },
        follow=True,
    )

    appointment = RoleAssignment.objects.get(user=newcomer)
    assert appointment.status == RoleAssignment.Status.PROPOSED
    assert any("ชาลี" in message for message in messages_of(response))


def test_the_administrator_grants_a_delegation_by_order_for_the_mayor(
    client, agency_admin, newcomer, mayor, chief_administrator
):
    client.force_login(agency_admin)

    client.post(
        f"/approvals/administration/people/{newcomer.pk}/grant/",
        {
            "role": Role.MAYOR,
            "acting_for": mayor.pk,
            "kind": RoleAssignment.Kind.DELEGATION,
            "valid_from": "1/12/2569",
            "valid_until": "31/12/2569",
            "order_number": "๓๒/๒๕๖๙",
            "order_date": "28/11/2569",
            "reason": "มอบอำนาจอนุมัติผลการดำเนินงานตามแผน",
        },
    )

    appointment = RoleAssignment.objects.get(user=newcomer)
    assert (appointment.kind, appointment.status) == (RoleAssignment.Kind.DELEGATION, RoleAssignment.Status.PROPOSED)


def test_a_delegation_that_names_nobody_who_delegates_is_refused_beside_the_field(client, agency_admin, newcomer):
    client.force_login(agency_admin)

    response = client.post(
        f"/approvals/administration/people/{newcomer.pk}/grant/",
        {
            "role": Role.MAYOR,
            "kind": RoleAssignment.Kind.DELEGATION,
            "valid_from": "1/12/2569",
            "order_number": "๓๒/๒๕๖๙",
            "order_date": "28/11/2569",
            "reason": "มอบอำนาจ",
        },
    )

    assert not RoleAssignment.objects.filter(user=newcomer).exists()
    assert "การปฏิบัติราชการแทนต้องระบุผู้มอบอำนาจ" in str(response.context["grant"].errors["acting_for"])


def test_an_acting_appointment_without_the_date_of_its_order_is_refused_beside_the_field(
    client, agency_admin, newcomer, mayor
):
    client.force_login(agency_admin)

    response = client.post(
        f"/approvals/administration/people/{newcomer.pk}/grant/",
        {
            "role": Role.MAYOR,
            "acting_for": mayor.pk,
            "kind": RoleAssignment.Kind.ACTING,
            "valid_from": "1/12/2569",
            "order_number": "๓๓/๒๕๖๙",
            "reason": "นายกลาป่วย",
        },
    )

    assert not RoleAssignment.objects.filter(user=newcomer).exists()
    assert list(response.context["grant"].errors["order_date"]) == ["กรอกวันที่ของคำสั่งที่แต่งตั้งให้รักษาราชการแทน"]


def test_the_confirmation_page_and_the_persons_page_say_it_is_a_delegation_by_order(
    client, agency_admin, newcomer, mayor, chief_administrator
):
    services.grant_role(
        newcomer,
        Role.MAYOR,
        acting_for=mayor,
        kind=RoleAssignment.Kind.DELEGATION,
        by=agency_admin,
        reason="มอบอำนาจอนุมัติ",
        order_number="๓๔/๒๕๖๙",
        order_date=datetime.date(2026, 11, 28),
    )
    client.force_login(chief_administrator)
    confirmation = client.get("/approvals/administration/grants/").content.decode()
    client.force_login(agency_admin)

    person_page = client.get(f"/approvals/administration/people/{newcomer.pk}/").content.decode()

    assert f"ปฏิบัติราชการแทน {mayor}" in confirmation
    assert "ผู้ดำรงตำแหน่งยังปฏิบัติหน้าที่อยู่" in confirmation
    assert f"ปฏิบัติราชการแทน {mayor}" in person_page


def test_the_chief_administrator_is_shown_the_waiting_grant_and_confirms_it(
    client, agency_admin, newcomer, mayor, chief_administrator
):
    proposal = services.grant_role(
        newcomer,
        Role.MAYOR,
        acting_for=mayor,
        by=agency_admin,
        reason="นายกลาพักร้อน",
        order_number="๓๑/๒๕๖๙",
        order_date=datetime.date(2026, 11, 28),
    )
    client.force_login(chief_administrator)

    home = client.get("/").content.decode()
    client.post(f"/approvals/administration/grants/{proposal.pk}/confirm/", {"reason": "ตรวจคำสั่งแล้ว"})

    proposal.refresh_from_db()
    assert "รอการยืนยันของคุณ" in home
    assert (proposal.status, proposal.confirmed_by) == (RoleAssignment.Status.IN_EFFECT, chief_administrator)


def test_the_auditors_read_the_administration_pages_and_change_nothing(client, auditor, division):
    client.force_login(auditor)

    page = client.get("/approvals/administration/divisions/")
    client.post("/approvals/administration/divisions/", {"name": "กองใหม่", "sort_order": 9, "reason": "ทดลอง"})

    assert page.status_code == 200
    assert "เพิ่มส่วนราชการ" not in page.content.decode()  # no form to add one
    assert not Division.objects.filter(name="กองใหม่").exists()
    assert AccessRefusal.objects.get(user=auditor).rule == Rule.ROLE


@pytest.mark.parametrize("persona", ["staff_member", "division_head", "chief_administrator", "mayor"])
def test_other_roles_are_refused_the_administration_pages_and_it_is_recorded(client, request, persona):
    person = request.getfixturevalue(persona)
    client.force_login(person)

    response = client.get("/approvals/administration/people/")

    assert response.status_code == 403
    assert AccessRefusal.objects.get(user=person).permission == "approvals.view_administration"


def test_a_person_of_another_agency_is_not_found_and_the_attempt_is_recorded(
    client, agency_admin, outsider_agency_user
):
    client.force_login(agency_admin)

    response = client.get(f"/approvals/administration/people/{outsider_agency_user.pk}/")

    assert response.status_code == 404
    refusal = AccessRefusal.objects.get(user=agency_admin)
    assert (refusal.rule, refusal.record_kind, refusal.record_id) == (
        Rule.OTHER_AGENCY,
        "approvals.user",
        outsider_agency_user.pk,
    )


def test_the_administrator_sets_an_actions_due_date_and_responsible_divisions_before_it_starts(
    client, agency_admin, agency, division, other_division
):
    action = factories.ActionFactory(indicator__measure__plan__agency=agency, responsible=[division])
    client.force_login(agency_admin)

    client.post(f"/approvals/administration/actions/{action.pk}/", {"due_date": "31/3/2570", "reason": "ขยายเวลา"})
    client.post(
        f"/approvals/administration/actions/{action.pk}/",
        {"divisions": [division.pk, other_division.pk], "reason": "เพิ่มกองคลังร่วมรับผิดชอบ"},
    )

    action.refresh_from_db()
    assert action.due_date.isoformat() == "2027-03-31"
    assert set(action.divisions.all()) == {division, other_division}


def test_a_temporary_password_for_the_mayor_is_refused_on_the_page_with_the_reason_shown(client, agency_admin, mayor):
    client.force_login(agency_admin)

    page = client.get(f"/approvals/administration/people/{mayor.pk}/").content.decode()
    client.post(
        f"/approvals/administration/people/{mayor.pk}/password/",
        {"password": "taken-over-2569x", "reason": "ลืมรหัส"},
    )

    mayor.refresh_from_db()
    assert "ตั้งรหัสผ่านชั่วคราว" not in page
    assert "ผู้ดูแลแพลตฟอร์ม" in page
    assert not mayor.check_password("taken-over-2569x")


# --- ending a role on the person's page --------------------------------------------------------------------------


def test_a_one_day_acting_appointment_is_ended_on_its_day_and_the_page_says_it_has_ended(
    client, agency_admin, newcomer, mayor, chief_administrator
):
    today = timezone.localdate()
    appointment = factories.grant_in_effect(
        newcomer, Role.MAYOR, acting_for=mayor, valid_from=today, valid_until=today, by=agency_admin
    )
    client.force_login(agency_admin)
    page = client.get(f"/approvals/administration/people/{newcomer.pk}/").content.decode()

    response = client.post(
        f"/approvals/administration/roles/{appointment.pk}/end/", {"on": "", "reason": "นายกกลับมาแล้ว"}, follow=True
    )

    appointment.refresh_from_db()
    assert "สิ้นสุดบทบาทนี้" in page
    assert messages_of(response) == [f"{newcomer}: นายก อบต. (รักษาราชการแทน {mayor}) สิ้นสุดแล้ว ไม่มีผลอีกต่อไป"]
    assert (appointment.get_status_display(), appointment.is_active()) == ("สิ้นสุดแล้ว", False)


def test_an_acting_appointment_whose_last_day_is_today_ends_now_when_no_day_is_given(
    client, agency_admin, newcomer, mayor, chief_administrator
):
    today = timezone.localdate()
    appointment = factories.grant_in_effect(
        newcomer,
        Role.MAYOR,
        acting_for=mayor,
        valid_from=today - datetime.timedelta(days=3),
        valid_until=today,
        by=agency_admin,
    )
    client.force_login(agency_admin)

    response = client.post(
        f"/approvals/administration/roles/{appointment.pk}/end/", {"on": "", "reason": "นายกกลับมาแล้ว"}, follow=True
    )

    appointment.refresh_from_db()
    assert messages_of(response) == [f"{newcomer}: นายก อบต. (รักษาราชการแทน {mayor}) สิ้นสุดแล้ว ไม่มีผลอีกต่อไป"]
    assert (appointment.valid_until, appointment.is_active()) == (today - datetime.timedelta(days=1), False)


def test_a_last_day_no_earlier_than_the_appointments_own_is_refused_with_its_last_day_named(
    client, agency_admin, newcomer, mayor, chief_administrator
):
    today = timezone.localdate()
    appointment = factories.grant_in_effect(
        newcomer, Role.MAYOR, acting_for=mayor, valid_from=today, valid_until=today, by=agency_admin
    )
    client.force_login(agency_admin)

    response = client.post(
        f"/approvals/administration/roles/{appointment.pk}/end/",
        {"on": be_numeric_date(today), "reason": "นายกกลับมาแล้ว"},
        follow=True,
    )

    appointment.refresh_from_db()
    assert messages_of(response) == [f"วันสุดท้ายที่มีผลคือ {be_date(today)} อยู่แล้ว เลือกวันที่ก่อนหน้านั้น หรือเว้นว่างไว้เพื่อสิ้นสุดทันที"]
    assert appointment.is_active()


def test_a_role_ended_from_a_later_day_says_until_when_it_stays_in_effect(client, agency_admin, newcomer, division):
    today = timezone.localdate()
    membership = services.grant_role(newcomer, Role.STAFF, division=division, by=agency_admin, reason="บรรจุ")
    last_day = today + datetime.timedelta(days=10)
    client.force_login(agency_admin)

    response = client.post(
        f"/approvals/administration/roles/{membership.pk}/end/",
        {"on": be_numeric_date(last_day), "reason": "ย้ายไปหน่วยงานอื่น"},
        follow=True,
    )

    membership.refresh_from_db()
    assert messages_of(response) == [
        f"{newcomer}: เจ้าหน้าที่ส่วนราชการ ({division}) ยังมีผลถึง {be_date(last_day)} ซึ่งเป็นวันสุดท้าย"
    ]
    assert membership.valid_until == last_day


@pytest.mark.parametrize(
    ("language", "heading", "help_text"),
    [
        (
            "th",
            "กำหนดบทบาท สังกัด การรักษาราชการแทน หรือการปฏิบัติราชการแทน",
            "ส่วนตำแหน่งปลัด นายก การรักษาราชการแทน และการปฏิบัติราชการแทน ต้องระบุคำสั่ง",
        ),
        (
            "en",
            "Grant a role, a membership, an acting appointment or a delegation",
            "an acting appointment (รักษาราชการแทน) and a delegation by order (ปฏิบัติราชการแทน) need the order",
        ),
    ],
)
def test_the_grant_forms_heading_and_help_name_both_acting_and_delegation(
    client, agency_admin, newcomer, language, heading, help_text
):
    client.force_login(agency_admin)
    client.cookies["django_language"] = language

    page = client.get(f"/approvals/administration/people/{newcomer.pk}/").content.decode()

    assert (heading in page, help_text in page) == (True, True)
