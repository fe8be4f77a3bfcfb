from approvals.models import Decision
from audit.rules import repeated_returns
from tests.audit.factories import DecisionFactory
from tests.audit.rules.conftest import bangkok, scan


def _returns(action, chief, count: int) -> None:
    for number in range(count):
        DecisionFactory(
            action=action,
            round=number + 1,
            stage=Decision.Stage.REVIEW,
            outcome=Decision.Outcome.RETURNED,
            reason="หลักฐานไม่ครบ",
            decided_by=chief,
            decided_at=bangkok(day=10 + number),
        )


def test_an_action_returned_three_times_is_flagged(agency, action, chief_administrator):
    _returns(action, chief_administrator, 3)

    hits = scan(repeated_returns.RULE, agency)

    assert [(hit.action_id, len(hit.evidence["returns"])) for hit in hits] == [(action.pk, 3)]


def test_an_action_returned_twice_is_not_flagged(agency, action, chief_administrator):
    _returns(action, chief_administrator, 2)

    assert scan(repeated_returns.RULE, agency) == []
