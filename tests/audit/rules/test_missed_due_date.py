import datetime

from django.utils import timezone

from approvals.models import Action
from audit.rules import missed_due_date
from tests import factories
from tests.audit.factories import DecisionFactory
from tests.audit.rules.conftest import scan


def _action(agency, due: datetime.date, status=Action.Status.IN_PROGRESS) -> Action:
    return factories.ActionFactory(agency=agency, indicator__measure__plan__agency=agency, due_date=due, status=status)


def test_an_action_still_open_after_its_due_date_is_flagged(agency):
    action = _action(agency, timezone.localdate() - datetime.timedelta(days=1))

    assert [hit.action_id for hit in scan(missed_due_date.RULE, agency)] == [action.pk]


def test_an_action_approved_after_its_due_date_is_flagged(agency, mayor):
    action = _action(agency, timezone.localdate() - datetime.timedelta(days=10), status=Action.Status.DONE)
    DecisionFactory(action=action, decided_by=mayor, decided_at=timezone.now())

    assert [hit.evidence["approved_on"] for hit in scan(missed_due_date.RULE, agency)] == [timezone.localdate()]


def test_an_action_not_yet_due_is_not_flagged(agency):
    _action(agency, timezone.localdate() + datetime.timedelta(days=1))

    assert scan(missed_due_date.RULE, agency) == []
