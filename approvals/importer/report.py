"""The plan read from an ITA year-end report, as plain dataclasses that know nothing of the database."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from approvals.importer.text import to_arabic


@dataclass
class ParsedAction:
    """One action (แนวทาง) of an indicator, with what the report says was done and achieved.

    ``number`` is the item's own marker as written ("๑", "2", or "" for a bullet); it may repeat when a row
    continues on the next page. ``responsible`` is a list of division names, or "all" for every division.
    """

    number: str
    text: str
    responsible: list[str] | str
    results: str
    outcome: str
    line: int | None = None


@dataclass
class ParsedIndicator:
    """One ITA indicator (ตัวชี้วัด) that a measure addresses.

    ``number`` is the ITA number (1-10) identified from the name; ``written_number`` is what the report wrote,
    which may differ (a measure numbering its own indicators from 1).
    """

    number: int
    written_number: int | None
    assessment: str
    name: str
    status: str | None
    actions: list[ParsedAction] = field(default_factory=list)
    line: int | None = None


@dataclass
class ParsedMeasure:
    """One measure (มาตรการ) of the agency's integrity and transparency plan."""

    number: int
    title: str
    indicators: list[ParsedIndicator] = field(default_factory=list)
    line: int | None = None


@dataclass
class ParsedBudgetItem:
    """One row of the report's budget table (รายการดำเนินงาน and its amount in baht)."""

    number: str
    item: str
    amount: Decimal
    line: int | None = None


@dataclass
class ParsedReport:
    """A whole year-end report: the agency, the fiscal year (BE), the plan, the budget and the warnings."""

    agency: str
    district: str | None
    province: str | None
    fiscal_year: int
    measures: list[ParsedMeasure] = field(default_factory=list)
    budget: list[ParsedBudgetItem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Return the plan as JSON-ready data.

        Amounts are strings with two decimals ("1000.00") so that no float ever rounds a sum of baht; action
        numbers use Arabic digits. Line numbers stay out: they describe the file, not the plan.
        """
        return {
            "agency": self.agency,
            "district": self.district,
            "province": self.province,
            "fiscal_year": self.fiscal_year,
            "measures": [
                {
                    "number": measure.number,
                    "title": measure.title,
                    "indicators": [
                        {
                            "number": indicator.number,
                            "assessment": indicator.assessment,
                            "name": indicator.name,
                            "status": indicator.status,
                            "actions": [
                                {
                                    "number": to_arabic(action.number),
                                    "text": action.text,
                                    "responsible": (
                                        action.responsible
                                        if isinstance(action.responsible, str)
                                        else list(action.responsible)
                                    ),
                                    "results": action.results,
                                    "outcome": action.outcome,
                                }
                                for action in indicator.actions
                            ],
                        }
                        for indicator in measure.indicators
                    ],
                }
                for measure in self.measures
            ],
            "budget": [{"item": item.item, "amount": f"{item.amount:.2f}"} for item in self.budget],
            "warnings": list(self.warnings),
        }
