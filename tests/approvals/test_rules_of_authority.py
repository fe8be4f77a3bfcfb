"""The rules of authority, in the services and the permissions module (whatever page calls them): nobody
grants, extends or ends their own role; executive roles and acting appointments are proposed with their order
and take effect only once a second authorised person confirms them; the auditors hear of every grant;
passwords of executives and auditors are set only by their owners or a platform operator; fiscal years are
changed by platform operators only. Every refusal names its rule and is recorded."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from approvals import administration, permissions, services
from approvals.exceptions import InvalidTransition, NotAllowed
from approvals.models import AccessRefusal, FiscalYear, Role, RoleAssignment
from approvals.permissions import Rule
from notifications.models import OutboxMessage
from tests import factories

ORDER = {"order_number": "๑๒/๒๕๖๙", "order_date": datetime.date(2026, 1, 5)}


@pytest.fixture
def newcomer(agency):
    return factories.UserFactory(agency=agency, username="newcomer", first_name="ใหม่")


def outbox_for(event: str) -> list[dict]:
    return [m.payload for m in OutboxMessage.objects.order_by("pk") if m.payload.get("event") == event]


# --- nobody for themselves ---------------------------------------------------------------------------------------


def test_the_agency_administrator_cannot_grant_themself_the_chief_administrators_role(agency_admin):
    with pytest.raises(NotAllowed, match="ให้ตนเอง"):
        services.grant_role(agency_admin, Role.CHIEF_ADMINISTRATOR, by=agency_admin, reason="ทดลอง", **ORDER)

    assert not RoleAssignment.objects.filter(user=agency_admin, role=Role.CHIEF_ADMINISTRATOR).exists()
    assert AccessRefusal.objects.get(user=agency_admin).rule == Rule.SELF


def test_the_agency_administrator_cannot_appoint_themself_acting_mayor(agency_admin, mayor):
    with pytest.raises(NotAllowed):
        services.grant_role(agency_admin, Role.MAYOR, acting_for=mayor, by=agency_admin, reason="ทดลอง", **ORDER)

    assert not permissions.has_role(agency_admin, Role.MAYOR)


def test_nobody_ends_their_own_role(agency_admin):
    own = RoleAssignment.objects.get(user=agency_admin)

    with pytest.raises(NotAllowed, match="ให้ตนเอง"):
        services.end_role(own, by=agency_admin, reason="ลาออก")

    own.refresh_from_db()
    assert own.valid_until is None


def test_only_the_agency_administrator_grants_roles(staff_member, newcomer, division):
    with pytest.raises(NotAllowed):
        services.grant_role(newcomer, Role.STAFF, division=division, by=staff_member, reason="ช่วยงาน")

    assert not RoleAssignment.objects.filter(user=newcomer).exists()
    assert AccessRefusal.objects.get(user=staff_member).permission == permissions.GRANT_ROLE


# --- four eyes ---------------------------------------------------------------------------------------------------


def test_a_division_membership_takes_effect_at_once_and_the_auditors_are_told(
    agency_admin, auditor, newcomer, division, django_capture_on_commit_callbacks
):
    membership = services.grant_role(newcomer, Role.STAFF, division=division, by=agency_admin, reason="ย้ายมา")

    assert membership.status == RoleAssignment.Status.IN_EFFECT
    assert permissions.has_role(newcomer, Role.STAFF)
    [told] = outbox_for("role_granted")
    assert set(told["recipients"]) == {auditor.pk, newcomer.pk}


def test_an_executive_role_without_its_order_is_refused(agency_admin, newcomer):
    with pytest.raises(InvalidTransition, match="เลขที่คำสั่ง"):
        services.grant_role(newcomer, Role.CHIEF_ADMINISTRATOR, by=agency_admin, reason="บรรจุ")


def test_an_unconfirmed_grant_of_the_chief_administrators_role_gives_no_power(agency_admin, mayor, newcomer):
    proposal = services.grant_role(newcomer, Role.CHIEF_ADMINISTRATOR, by=agency_admin, reason="บรรจุ", **ORDER)

    assert proposal.status == RoleAssignment.Status.PROPOSED
    assert not permissions.has_role(newcomer, Role.CHIEF_ADMINISTRATOR)
    assert not newcomer.has_perm(permissions.REVIEW_SUBMISSION)


def test_a_proposal_waits_for_the_mayor_who_is_told(agency_admin, mayor, newcomer):
    services.grant_role(newcomer, Role.CHIEF_ADMINISTRATOR, by=agency_admin, reason="บรรจุ", **ORDER)

    [told] = outbox_for("grant_proposed")
    assert told["recipients"] == [mayor.pk]


def test_the_mayor_confirms_the_chief_administrators_role_which_then_takes_effect(
    agency_admin, mayor, auditor, newcomer
):
    proposal = services.grant_role(newcomer, Role.CHIEF_ADMINISTRATOR, by=agency_admin, reason="บรรจุ", **ORDER)

    services.confirm_grant(proposal, by=mayor, reason="ตามคำสั่งที่ ๑๒/๒๕๖๙")

    proposal.refresh_from_db()
    assert (proposal.status, proposal.confirmed_by) == (RoleAssignment.Status.IN_EFFECT, mayor)
    assert permissions.has_role(newcomer, Role.CHIEF_ADMINISTRATOR)
    assert auditor.pk in outbox_for("role_granted")[0]["recipients"]
    history = proposal.history.order_by("history_id").values_list("history_user", "history_change_reason")
    assert list(history) == [(agency_admin.pk, "บรรจุ"), (mayor.pk, "ตามคำสั่งที่ ๑๒/๒๕๖๙")]


def test_the_proposer_cannot_confirm_their_own_proposal(agency_admin, mayor, newcomer):
    proposal = services.grant_role(newcomer, Role.CHIEF_ADMINISTRATOR, by=agency_admin, reason="บรรจุ", **ORDER)

    with pytest.raises(NotAllowed):
        services.confirm_grant(proposal, by=agency_admin, reason="ยืนยันเอง")

    assert AccessRefusal.objects.get(user=agency_admin).rule == Rule.FOUR_EYES


def test_the_grantee_cannot_confirm_their_own_appointment(agency_admin, mayor, chief_administrator):
    proposal = services.grant_role(
        chief_administrator, Role.MAYOR, acting_for=mayor, by=agency_admin, reason="นายกลาพักร้อน", **ORDER
    )

    with pytest.raises(NotAllowed):
        services.confirm_grant(proposal, by=chief_administrator, reason="ยืนยัน")

    assert not permissions.has_role(chief_administrator, Role.MAYOR)


def test_the_chief_administrator_confirms_an_acting_mayor_and_the_mayor_may_not(
    agency_admin, mayor, chief_administrator, newcomer
):
    proposal = services.grant_role(newcomer, Role.MAYOR, acting_for=mayor, by=agency_admin, reason="ลาพักร้อน", **ORDER)

    with pytest.raises(NotAllowed, match="ชาลี"):
        services.confirm_grant(proposal, by=mayor, reason="ยืนยัน")
    services.confirm_grant(proposal, by=chief_administrator, reason="ยืนยัน")

    assert permissions.acting_for(newcomer, Role.MAYOR) == mayor


def test_a_platform_operator_confirms_only_when_the_post_is_empty(agency_admin, mayor, newcomer):
    operator = factories.platform_operator()
    proposal = services.grant_role(newcomer, Role.CHIEF_ADMINISTRATOR, by=agency_admin, reason="บรรจุ", **ORDER)

    with pytest.raises(NotAllowed):
        services.confirm_grant(proposal, by=operator, reason="ยืนยัน")
    services.end_role(
        RoleAssignment.objects.get(user=mayor),
        on=timezone.localdate() - datetime.timedelta(days=1),
        by=agency_admin,
        reason="พ้นวาระ",
    )
    services.confirm_grant(proposal, by=operator, reason="ไม่มีนายก")

    proposal.refresh_from_db()
    assert proposal.confirmed_by == operator


def test_a_declined_proposal_never_takes_effect(agency_admin, mayor, newcomer):
    proposal = services.grant_role(newcomer, Role.CHIEF_ADMINISTRATOR, by=agency_admin, reason="บรรจุ", **ORDER)

    services.decline_grant(proposal, by=mayor, reason="คำสั่งยังไม่ลงนาม")

    proposal.refresh_from_db()
    assert proposal.status == RoleAssignment.Status.DECLINED
    with pytest.raises(InvalidTransition):
        services.confirm_grant(proposal, by=mayor, reason="ยืนยัน")
    assert not permissions.has_role(newcomer, Role.CHIEF_ADMINISTRATOR)


def test_extending_an_acting_appointment_is_a_new_proposal_from_the_day_after(
    agency_admin, mayor, chief_administrator, newcomer
):
    today = timezone.localdate()
    first = factories.grant_in_effect(
        newcomer, Role.MAYOR, acting_for=mayor, valid_until=today + datetime.timedelta(days=3), by=agency_admin
    )

    extension = services.extend_role(
        first, until=today + datetime.timedelta(days=30), by=agency_admin, reason="ลาต่อ", **ORDER
    )

    first.refresh_from_db()
    assert first.valid_until == today + datetime.timedelta(days=3)
    assert (extension.status, extension.valid_from) == (
        RoleAssignment.Status.PROPOSED,
        today + datetime.timedelta(days=4),
    )


def test_extending_a_division_membership_takes_effect_at_once(agency_admin, newcomer, division):
    today = timezone.localdate()
    membership = services.grant_role(
        newcomer, Role.STAFF, division=division, valid_until=today, by=agency_admin, reason="ช่วยราชการ"
    )

    services.extend_role(membership, until=today + datetime.timedelta(days=60), by=agency_admin, reason="ต่อเวลา")

    membership.refresh_from_db()
    assert membership.valid_until == today + datetime.timedelta(days=60)


# --- passwords, accounts, shared records ---------------------------------------------------------------------


def test_the_agency_administrator_sets_a_staff_members_temporary_password(agency_admin, staff_member):
    administration.set_temporary_password(staff_member, "temporary-pass-2569", by=agency_admin, reason="ลืมรหัส")

    staff_member.refresh_from_db()
    assert staff_member.check_password("temporary-pass-2569")
    assert staff_member.must_change_password


@pytest.mark.parametrize("persona", ["mayor", "chief_administrator", "auditor"])
def test_the_agency_administrator_cannot_set_an_executives_or_auditors_password(agency_admin, request, persona):
    person = request.getfixturevalue(persona)

    with pytest.raises(NotAllowed):
        administration.set_temporary_password(person, "taken-over-2569", by=agency_admin, reason="ลืมรหัส")

    person.refresh_from_db()
    assert not person.check_password("taken-over-2569")
    assert AccessRefusal.objects.get(user=agency_admin).rule == Rule.PROTECTED_PASSWORD


def test_a_person_proposed_as_chief_administrator_is_already_protected(agency_admin, mayor, newcomer):
    services.grant_role(newcomer, Role.CHIEF_ADMINISTRATOR, by=agency_admin, reason="บรรจุ", **ORDER)

    with pytest.raises(NotAllowed):
        administration.set_temporary_password(newcomer, "taken-over-2569", by=agency_admin, reason="ลืมรหัส")


def test_a_platform_operator_sets_the_mayors_password_and_it_is_recorded(mayor):
    operator = factories.platform_operator()

    administration.set_temporary_password(mayor, "mayor-new-pass-2569", by=operator, reason="นายกขอรหัสใหม่")

    latest = mayor.history.latest()
    assert (latest.history_user, latest.history_change_reason) == (operator, "นายกขอรหัสใหม่")


def test_nobody_deactivates_their_own_account(agency_admin):
    with pytest.raises(NotAllowed):
        administration.set_active(agency_admin, False, by=agency_admin, reason="ทดลอง")

    agency_admin.refresh_from_db()
    assert agency_admin.is_active


def test_a_fiscal_year_shared_by_every_agency_is_changed_by_platform_operators_only(agency_admin):
    year = factories.FiscalYearFactory(year=2569)
    year.year = 2570

    with pytest.raises(NotAllowed, match="ผู้ดูแลแพลตฟอร์ม"):
        services.save_fiscal_year(year, by=agency_admin, reason="แก้ปี")

    assert FiscalYear.objects.filter(year=2569).exists()
    assert AccessRefusal.objects.get(user=agency_admin).rule == Rule.SHARED_RECORD
    services.save_fiscal_year(year, by=factories.platform_operator(), reason="แก้ปี")
    assert FiscalYear.objects.filter(year=2570).exists()


def test_unlocking_a_locked_account_lifts_the_lockout_and_records_who_and_why(client, agency_admin, staff_member):
    for _ in range(5):
        client.post("/accounts/login/", {"username": "alice", "password": "wrong-password"})
    assert administration.is_locked_out(staff_member)

    administration.unlock_person(staff_member, by=agency_admin, reason="ผู้ใช้ยืนยันตัวตนทางโทรศัพท์")

    assert not administration.is_locked_out(staff_member)
    latest = staff_member.history.latest()
    assert (latest.history_user, latest.history_change_reason) == (agency_admin, "ผู้ใช้ยืนยันตัวตนทางโทรศัพท์")
