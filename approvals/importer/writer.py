"""Writing a parsed ITA report into an agency's plan: atomic and idempotent.

It works from the parsed report's dictionary form (`ParsedReport.to_dict()`, the same JSON that
`import_ita_report --dry-run --json` prints), so the file format and the database stay decoupled.
Importing the same report twice changes nothing; a changed report updates what changed, each change
historised with the reason `plan.imported` (audit/reasons.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from approvals.importer.text import match_key
from approvals.models import (
    Action,
    Agency,
    BudgetItem,
    Division,
    FiscalYear,
    Indicator,
    Measure,
    Plan,
    Responsibility,
    User,
)
from approvals.services import save_with_history
from approvals.transactions import agency_transaction
from audit import context, reasons
from audit.context import Reason

IMPORT_REASON = reasons.code(reasons.PLAN_IMPORTED)


_Row = TypeVar("_Row", bound=models.Model)


@dataclass
class ImportSummary:
    plan: Plan
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    warnings: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def _same(stored: Any, value: Any) -> bool:
    """Whether a stored value already says what the report says. Texts that differ only in whitespace are the
    same: a PDF keeps no space where a line wraps, so the PDF of a plan must not rewrite the plan's texts."""
    if isinstance(stored, str) and isinstance(value, str):
        return match_key(stored) == match_key(value)
    return stored == value


class _Writer:
    def __init__(self, agency: Agency, by: User | None, reason: Reason | str) -> None:
        self.agency = agency
        self.by = by
        self.reason = reason
        # Set by import_plan once the plan is found or made, before any row is written.
        self.summary: ImportSummary

    def upsert(self, model: type[_Row], lookup: dict[str, Any], values: dict[str, Any]) -> _Row:
        """Create the row, or update only the fields that differ; count what happened."""
        obj = model._default_manager.filter(**lookup).first()
        if obj is None:
            obj = model(**lookup, **values)
            save_with_history(obj, by=self.by, reason=self.reason)
            self.summary.created += 1
            return obj
        changed = [name for name, value in values.items() if not _same(getattr(obj, name), value)]
        if changed:
            for name in changed:
                setattr(obj, name, values[name])
            save_with_history(obj, by=self.by, reason=self.reason, update_fields=changed)
            self.summary.updated += 1
        else:
            self.summary.unchanged += 1
        return obj

    def division(self, name: str) -> Division:
        division = Division.objects.filter(agency=self.agency, name=name).first()
        if division is None:
            last = Division.objects.filter(agency=self.agency).aggregate(m=models.Max("sort_order"))["m"]
            next_order = (last or 0) + 1
            division = save_with_history(
                Division(agency=self.agency, name=name, sort_order=next_order), by=self.by, reason=self.reason
            )
            self.summary.created += 1
            self.summary.warnings.append(
                _("The report names a division the agency did not have; it was created: %(name)s") % {"name": name}
            )
        return division

    def responsibilities(self, action: Action, responsible: list[str] | str) -> None:
        wanted = set() if responsible == "all" else {self.division(name).pk for name in responsible}
        existing = {r.division_id: r for r in Responsibility.objects.filter(action=action)}
        for division_id in wanted - existing.keys():
            save_with_history(
                Responsibility(agency=self.agency, action=action, division_id=division_id),
                by=self.by,
                reason=self.reason,
            )
            self.summary.created += 1
        for division_id in existing.keys() - wanted:
            with context.acting(by=self.by, reason=self.reason):
                existing[division_id].delete()
            self.summary.updated += 1


def import_plan(
    report: dict[str, Any],
    *,
    agency: Agency,
    by: User | None,
    source_name: str = "",
    source_sha256: str = "",
    reason: Reason | str = IMPORT_REASON,
) -> ImportSummary:
    """Create or update `agency`'s plan for the report's fiscal year from a parsed report."""
    writer = _Writer(agency, by, reason)
    # The agency's chain lock first; a new fiscal year's row goes to the global chain after it (docs/audit.md).
    with agency_transaction(agency.pk):
        fiscal_year = FiscalYear.objects.filter(year=report["fiscal_year"]).first()
        if fiscal_year is None:
            fiscal_year = save_with_history(FiscalYear(year=report["fiscal_year"]), by=by, reason=reason)
        plan = Plan.objects.select_for_update().filter(agency=agency, fiscal_year=fiscal_year).first()
        plan_values = {"source_name": source_name, "source_sha256": source_sha256}
        created = 0
        if plan is None:
            plan = save_with_history(
                Plan(agency=agency, fiscal_year=fiscal_year, imported_at=timezone.now(), **plan_values),
                by=by,
                reason=reason,
            )
            created = 1
        writer.summary = ImportSummary(plan=plan, created=created, warnings=list(report.get("warnings", [])))

        seen_actions: set[int] = set()
        for measure_data in report["measures"]:
            measure = writer.upsert(
                Measure,
                {"plan": plan, "number": measure_data["number"]},
                {"agency": agency, "title": measure_data["title"]},
            )
            for indicator_data in measure_data["indicators"]:
                indicator = writer.upsert(
                    Indicator,
                    {"measure": measure, "number": indicator_data["number"]},
                    {
                        "agency": agency,
                        "assessment": indicator_data["assessment"],
                        "name": indicator_data["name"],
                        "status": indicator_data["status"],
                        "written_number": indicator_data.get("written_number"),
                    },
                )
                for position, action_data in enumerate(indicator_data["actions"], start=1):
                    action = writer.upsert(
                        Action,
                        {"indicator": indicator, "position": position},
                        {
                            "agency": agency,
                            "number": action_data["number"],
                            "text": action_data["text"],
                            "all_divisions": action_data["responsible"] == "all",
                            "reported_results": action_data.get("results", ""),
                            "reported_outcome": action_data.get("outcome", ""),
                        },
                    )
                    if action.due_date is None:
                        action.due_date = fiscal_year.end_date
                        save_with_history(action, by=by, reason=reason, update_fields=["due_date"])
                    writer.responsibilities(action, action_data["responsible"])
                    seen_actions.add(action.pk)

        for action in Action.objects.filter(indicator__measure__plan=plan).exclude(pk__in=seen_actions):
            writer.summary.warnings.append(
                _("Action %(action)s is no longer in the report; it was kept unchanged.") % {"action": action}
            )

        for number, item in enumerate(report.get("budget", []), start=1):
            writer.upsert(
                BudgetItem,
                {"plan": plan, "number": item.get("number") or number},
                {"agency": agency, "item": item["item"], "amount": Decimal(str(item["amount"]))},
            )

        if writer.summary.changed:
            changed = [name for name, value in plan_values.items() if getattr(plan, name) != value]
            for name in changed:
                setattr(plan, name, plan_values[name])
            plan.imported_at = timezone.now()
            save_with_history(plan, by=by, reason=reason, update_fields=[*changed, "imported_at"])
    return writer.summary
