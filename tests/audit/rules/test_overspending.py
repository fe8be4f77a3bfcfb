from decimal import Decimal

from audit.rules import overspending
from tests import factories
from tests.audit.factories import BudgetItemFactory, ExpenditureFactory
from tests.audit.rules.conftest import scan


def _item(agency):
    return BudgetItemFactory(plan=factories.PlanFactory(agency=agency), amount=Decimal("10000.00"))


def test_spending_over_the_planned_amount_is_flagged(agency):
    item = _item(agency)
    ExpenditureFactory(budget_item=item, amount=Decimal("6000.00"))
    ExpenditureFactory(budget_item=item, amount=Decimal("4000.50"))

    hits = scan(overspending.RULE, agency)

    assert [hit.evidence["over_by"] for hit in hits] == [Decimal("0.50")]


def test_spending_exactly_the_planned_amount_is_not_flagged(agency):
    item = _item(agency)
    ExpenditureFactory(budget_item=item, amount=Decimal("10000.00"))

    assert scan(overspending.RULE, agency) == []
