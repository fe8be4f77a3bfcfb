import pytest

from audit.rules import approval_burst
from tests import factories
from tests.audit.factories import DecisionFactory
from tests.audit.rules.conftest import bangkok, scan


@pytest.fixture(autouse=True)
def burst_of_three(settings):
    settings.AUDIT_BURST_DECISIONS = 3
    settings.AUDIT_BURST_MINUTES = 10


def _decide(agency, mayor, minutes: list[int]) -> list:
    indicator = factories.IndicatorFactory(agency=agency, measure__plan__agency=agency)
    return [
        DecisionFactory(
            action=factories.ActionFactory(agency=agency, indicator=indicator),
            decided_by=mayor,
            decided_at=bangkok(hour=10, minute=minute),
        )
        for minute in minutes
    ]


def test_three_approvals_within_ten_minutes_are_flagged_once(agency, mayor):
    decisions = _decide(agency, mayor, [0, 3, 6, 8])

    hits = scan(approval_burst.RULE, agency)

    assert [hit.evidence["decision_ids"] for hit in hits] == [[d.pk for d in decisions]]


def test_approvals_spread_over_the_morning_are_not_flagged(agency, mayor):
    _decide(agency, mayor, [0, 20, 40])

    assert scan(approval_burst.RULE, agency) == []
