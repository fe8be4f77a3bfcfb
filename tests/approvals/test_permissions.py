import datetime

import pytest
from django.utils import timezone

from approvals import permissions
from approvals.exceptions import NotAllowed
from approvals.models import AccessRefusal, Action, Plan, Role
from approvals.services import grant_role
from tests import factories


@pytest.fixture
def action(agency, division):
    return factories.ActionFactory(indicator__measure__plan__agency=agency, agency=agency, responsible=[division])


def test_staff_of_the_responsible_division_may_work_on_the_action(staff_member, action):
    assert staff_member.has_perm(permissions.WORK_ON_ACTION, action)


def test_staff_of_another_division_may_not_work_on_the_action(other_division_staff, action):
    assert not other_division_staff.has_perm(permissions.WORK_ON_ACTION, action)


def test_user_of_another_agency_sees_none_of_the_agencys_actions(outsider_agency_user, action):
    assert not Action.objects.visible_to(outsider_agency_user).exists()
    assert not outsider_agency_user.has_perm(permissions.WORK_ON_ACTION, action)


def test_chief_administrator_may_not_review_an_action_they_submitted_for(chief_administrator, action, division):
    factories.SubmissionFactory(action=action, division=division, submitted_by=chief_administrator)
    with pytest.raises(NotAllowed, match="การแบ่งแยกหน้าที่"):
        permissions.require(chief_administrator, permissions.REVIEW_SUBMISSION, action)


def test_a_refused_attempt_is_recorded_for_the_auditors(staff_member, action):
    with pytest.raises(NotAllowed):
        permissions.require(staff_member, permissions.APPROVE_SUBMISSION, action)
    refusal = AccessRefusal.objects.get()
    assert (refusal.user, refusal.permission, refusal.action) == (
        staff_member,
        permissions.APPROVE_SUBMISSION,
        action,
    )


def test_an_acting_mayor_may_approve_only_within_the_appointment(
    agency, mayor, chief_administrator, agency_admin, action
):
    deputy = factories.UserFactory(agency=agency)
    today = timezone.localdate()
    factories.grant_in_effect(
        deputy,
        Role.MAYOR,
        acting_for=mayor,
        valid_from=today - datetime.timedelta(days=3),
        valid_until=today - datetime.timedelta(days=1),
        by=agency_admin,
        reason="ลาพักร้อน",
    )
    assert not deputy.has_perm(permissions.APPROVE_SUBMISSION, action)


def test_an_acting_chief_administrator_knows_whom_they_stand_in_for(agency, chief_administrator, mayor, agency_admin):
    deputy = factories.UserFactory(agency=agency)
    factories.grant_in_effect(
        deputy, Role.CHIEF_ADMINISTRATOR, acting_for=chief_administrator, by=agency_admin, reason="ไปราชการ"
    )
    assert permissions.acting_for(deputy, Role.CHIEF_ADMINISTRATOR) == chief_administrator


def test_granting_a_role_is_historised_with_who_and_why(agency, agency_admin, division):
    person = factories.UserFactory(agency=agency)
    assignment = grant_role(person, Role.STAFF, division=division, by=agency_admin, reason="ย้ายมาสำนักปลัด")
    record = assignment.history.get()
    assert (record.history_type, record.history_user, record.history_reason) == (
        "+",
        agency_admin,
        "ย้ายมาสำนักปลัด",
    )


def test_plans_are_visible_only_inside_their_agency(agency, staff_member, outsider_agency_user):
    factories.PlanFactory(agency=agency)
    assert Plan.objects.visible_to(staff_member).count() == 1
    assert Plan.objects.visible_to(outsider_agency_user).count() == 0
