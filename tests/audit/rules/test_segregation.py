from approvals import permissions
from audit.rules import segregation
from tests.audit.factories import AccessRefusalFactory
from tests.audit.rules.conftest import bangkok, scan


def test_a_submitter_trying_to_review_their_own_results_is_flagged(agency, action, submission, staff_member):
    refusal = AccessRefusalFactory(
        user=staff_member, action=action, permission=permissions.REVIEW_SUBMISSION, attempted_at=bangkok(hour=11)
    )

    assert [hit.key for hit in scan(segregation.RULE, agency)] == [f"refusal:{refusal.pk}"]


def test_a_refusal_for_lacking_the_role_is_not_a_segregation_breach(agency, action, submission, other_division_staff):
    AccessRefusalFactory(
        user=other_division_staff,
        action=action,
        permission=permissions.REVIEW_SUBMISSION,
        attempted_at=bangkok(hour=11),
    )

    assert scan(segregation.RULE, agency) == []
