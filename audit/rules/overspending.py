"""Spending over plan: the expenditures recorded against a budget item add up to more than its
planned amount (approvals.Expenditure vs BudgetItem.amount)."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from approvals.models import BudgetItem, Expenditure
from audit.rules.base import Hit, Rule


def scan(agency, now) -> Iterator[Hit]:
    # The one definition of spent (BudgetItem.with_spent): a withdrawn entry no longer counts.
    items = BudgetItem.objects.filter(agency=agency).with_spent().filter(spent__gt=F("amount")).order_by("pk")
    for item in items:
        expenditures = list(
            Expenditure.objects.counted()
            .filter(budget_item=item)
            .order_by("spent_on", "pk")
            .values("pk", "amount", "spent_on")
        )
        yield Hit(
            key=f"budget-item:{item.pk}",
            summary=_("Spending on %(item)s (%(spent)s baht) is over its planned %(planned)s baht")
            % {"item": item, "spent": f"{item.spent:,.2f}", "planned": f"{item.amount:,.2f}"},
            evidence={
                "budget_item_id": item.pk,
                "planned": item.amount,
                "spent": item.spent,
                "over_by": item.spent - item.amount,
                "expenditures": expenditures,
            },
        )


RULE = Rule(
    code="overspending",
    title=gettext_lazy("Spending over the planned amount"),
    rationale=gettext_lazy(
        "Spending more than the plan allows needs a budget transfer approved beforehand; without one it "
        "is a finding in itself."
    ),
    severity="high",
    scan=scan,
)
