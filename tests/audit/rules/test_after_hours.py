import pytest

from audit.rules import after_hours
from tests.audit.factories import DecisionFactory
from tests.audit.rules.conftest import bangkok, scan


@pytest.mark.parametrize("moment", [bangkok(day=10, hour=21), bangkok(day=14, hour=10), bangkok(day=10, hour=7)])
def test_a_decision_at_night_at_the_weekend_or_before_work_is_flagged(agency, action, mayor, moment):
    decision = DecisionFactory(action=action, decided_by=mayor, decided_at=moment)

    assert [hit.key for hit in scan(after_hours.RULE, agency)] == [f"decision:{decision.pk}"]


def test_a_decision_on_a_tuesday_morning_is_not_flagged(agency, action, mayor):
    DecisionFactory(action=action, decided_by=mayor, decided_at=bangkok(day=10, hour=10))

    assert scan(after_hours.RULE, agency) == []
