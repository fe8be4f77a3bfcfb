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


def test_withdrawn_spending_does_not_count(agency):
    item = _item(agency)
    ExpenditureFactory(budget_item=item, amount=Decimal("9000.00"))
    withdrawn = ExpenditureFactory(budget_item=item, amount=Decimal("5000.00"), is_withdrawn=True)

    assert scan(overspending.RULE, agency) == []

    ExpenditureFactory(budget_item=item, amount=Decimal("1500.00"))

    hits = scan(overspending.RULE, agency)

    assert [hit.evidence["over_by"] for hit in hits] == [Decimal("500.00")]
    assert withdrawn.pk not in [entry["pk"] for entry in hits[0].evidence["expenditures"]]
