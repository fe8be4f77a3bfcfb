import datetime

from django.utils import timezone

from approvals.models import Decision, Role
from audit.rules import late_role_grant
from tests import factories
from tests.audit.factories import DecisionFactory
from tests.audit.rules.conftest import BANGKOK, scan


def bangkok_day(day: datetime.date, hour: int) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=BANGKOK)


def test_an_acting_mayor_appointed_an_hour_before_approving_is_flagged(agency, action, mayor, agency_admin):
    deputy = factories.UserFactory(agency=agency)
    appointment = factories.grant_in_effect(deputy, Role.MAYOR, acting_for=mayor, by=agency_admin, reason="นายกลาพักร้อน")
    decision = DecisionFactory(
        action=action, decided_by=deputy, on_behalf_of=mayor, decided_at=timezone.now() + datetime.timedelta(hours=1)
    )

    hits = scan(late_role_grant.RULE, agency)

    assert [hit.key for hit in hits] == [f"decision:{decision.pk}:assignment:{appointment.pk}"]


def test_a_role_granted_a_week_before_the_decision_is_not_flagged(agency, action, agency_admin):
    chief = factories.UserFactory(agency=agency)
    factories.grant_in_effect(chief, Role.CHIEF_ADMINISTRATOR, by=agency_admin, reason="บรรจุแต่งตั้ง")
    DecisionFactory(
        action=action,
        stage=Decision.Stage.REVIEW,
        outcome=Decision.Outcome.ACCEPTED,
        decided_by=chief,
        decided_at=timezone.now() + datetime.timedelta(days=7),
    )

    assert scan(late_role_grant.RULE, agency) == []


def test_a_membership_granted_just_before_submitting_is_flagged(agency, action, division, agency_admin):
    newcomer = factories.UserFactory(agency=agency)
    membership = factories.grant_in_effect(newcomer, Role.STAFF, division=division, by=agency_admin, reason="ช่วยราชการ")
    submission = factories.SubmissionFactory(
        action=action,
        agency=agency,
        division=division,
        submitted_by=newcomer,
        submitted_at=timezone.now() + datetime.timedelta(minutes=30),
    )

    assert [hit.key for hit in scan(late_role_grant.RULE, agency)] == [
        f"submission:{submission.pk}:assignment:{membership.pk}"
    ]


def test_a_role_granted_before_the_plan_was_activated_is_not_flagged(agency, action, agency_admin):
    chief = factories.UserFactory(agency=agency)
    factories.grant_in_effect(chief, Role.CHIEF_ADMINISTRATOR, by=agency_admin, reason="ตั้งค่าหน่วยงาน")
    plan = action.indicator.measure.plan
    plan.activated_at = timezone.now()
    plan.save(update_fields=["activated_at"])
    DecisionFactory(
        action=action,
        stage=Decision.Stage.REVIEW,
        outcome=Decision.Outcome.ACCEPTED,
        decided_by=chief,
        decided_at=timezone.now() + datetime.timedelta(hours=1),
    )

    assert scan(late_role_grant.RULE, agency) == []


def test_a_role_granted_after_the_plan_was_activated_is_flagged(agency, action, agency_admin):
    plan = action.indicator.measure.plan
    plan.activated_at = timezone.now()
    plan.save(update_fields=["activated_at"])
    chief = factories.UserFactory(agency=agency)
    appointment = factories.grant_in_effect(chief, Role.CHIEF_ADMINISTRATOR, by=agency_admin, reason="รักษาราชการแทน")
    decision = DecisionFactory(
        action=action,
        stage=Decision.Stage.REVIEW,
        outcome=Decision.Outcome.ACCEPTED,
        decided_by=chief,
        decided_at=timezone.now() + datetime.timedelta(hours=1),
    )

    assert [hit.key for hit in scan(late_role_grant.RULE, agency)] == [
        f"decision:{decision.pk}:assignment:{appointment.pk}"
    ]


def test_a_renewal_of_a_role_the_person_held_when_the_window_opened_is_not_flagged(agency, action, agency_admin):
    today = timezone.localdate()
    chief = factories.UserFactory(agency=agency)
    factories.grant_in_effect(
        chief,
        Role.CHIEF_ADMINISTRATOR,
        valid_until=today + datetime.timedelta(days=4),
        by=agency_admin,
        reason="วาระแรก",
    )
    factories.grant_in_effect(
        chief, Role.CHIEF_ADMINISTRATOR, valid_from=today + datetime.timedelta(days=5), by=agency_admin, reason="ต่อวาระ"
    )
    DecisionFactory(
        action=action,
        stage=Decision.Stage.REVIEW,
        outcome=Decision.Outcome.ACCEPTED,
        decided_by=chief,
        decided_at=bangkok_day(today + datetime.timedelta(days=5), hour=10),
    )

    assert scan(late_role_grant.RULE, agency) == []
