from approvals.models import Decision
from audit.rules import quick_decision
from tests.audit.factories import DecisionFactory
from tests.audit.rules.conftest import bangkok, scan


def test_an_acceptance_two_minutes_after_the_submission_is_flagged(agency, action, submission, chief_administrator):
    decision = DecisionFactory(
        action=action,
        stage=Decision.Stage.REVIEW,
        outcome=Decision.Outcome.ACCEPTED,
        decided_by=chief_administrator,
        decided_at=bangkok(hour=9, minute=2),
    )

    hits = scan(quick_decision.RULE, agency)

    assert [(hit.key, hit.evidence["seconds"]) for hit in hits] == [(f"decision:{decision.pk}", 120)]


def test_an_approval_right_after_the_acceptance_is_flagged(agency, action, submission, chief_administrator, mayor):
    DecisionFactory(
        action=action,
        stage=Decision.Stage.REVIEW,
        outcome=Decision.Outcome.ACCEPTED,
        decided_by=chief_administrator,
        decided_at=bangkok(hour=13),
    )
    approval = DecisionFactory(action=action, decided_by=mayor, decided_at=bangkok(hour=13, minute=1))

    assert [hit.key for hit in scan(quick_decision.RULE, agency)] == [f"decision:{approval.pk}"]


def test_a_decision_taken_hours_later_is_not_flagged(agency, action, submission, chief_administrator):
    DecisionFactory(
        action=action,
        stage=Decision.Stage.REVIEW,
        outcome=Decision.Outcome.ACCEPTED,
        decided_by=chief_administrator,
        decided_at=bangkok(hour=15),
    )

    assert scan(quick_decision.RULE, agency) == []
