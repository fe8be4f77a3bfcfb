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
from approvals.services import create_all_with_history, save_with_history
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


def _differs(obj: models.Model, name: str, value: Any) -> bool:
    """Whether the report's value for a field of a stored row differs; a link is compared by its key, without
    fetching the linked row."""
    field = obj._meta.get_field(name)
    if isinstance(field, models.ForeignKey) and isinstance(value, models.Model):
        return getattr(obj, field.attname) != value.pk
    return not _same(getattr(obj, name), value)


class _Writer:
    """Writes one level of the plan at a time (measures, then indicators, actions, responsibilities, budget
    items): the rows a level already has are read in one query, changed ones are updated one by one, and the
    new ones are inserted together in one statement (each still with its history row and seal)."""

    def __init__(self, agency: Agency, by: User | None, reason: Reason | str) -> None:
        self.agency = agency
        self.by = by
        self.reason = reason
        # Set by import_plan once the plan is found or made, before any row is written.
        self.summary: ImportSummary
        self.divisions: dict[str, Division] | None = None

    def upsert_all(
        self, model: type[_Row], existing: dict[Any, _Row], rows: list[tuple[Any, dict[str, Any], dict[str, Any]]]
    ) -> list[_Row]:
        """Each (key, lookup, values) of `rows`: the row `existing[key]`, updated where its values differ, or a
        new row; returned in the order of `rows`. The new rows are inserted together; count what happened."""
        result: list[_Row] = []
        new: list[_Row] = []
        for key, lookup, values in rows:
            obj = existing.get(key)
            if obj is None:
                obj = existing[key] = model(**lookup, **values)
                new.append(obj)
            else:
                changed = [name for name, value in values.items() if _differs(obj, name, value)]
                for name in changed:
                    setattr(obj, name, values[name])
                if obj.pk is None:
                    pass  # the report names the same row twice: the later values win, in the one new row
                elif changed:
                    save_with_history(obj, by=self.by, reason=self.reason, update_fields=changed)
                    self.summary.updated += 1
                else:
                    self.summary.unchanged += 1
            result.append(obj)
        create_all_with_history(new, by=self.by, reason=self.reason)
        self.summary.created += len(new)
        return result

    def division(self, name: str) -> Division:
        if self.divisions is None:
            self.divisions = {d.name: d for d in Division.objects.filter(agency=self.agency)}
        division = self.divisions.get(name)
        if division is None:
            last = max((d.sort_order for d in self.divisions.values()), default=0)
            division = save_with_history(
                Division(agency=self.agency, name=name, sort_order=(last or 0) + 1), by=self.by, reason=self.reason
            )
            self.divisions[name] = division
            self.summary.created += 1
            self.summary.warnings.append(
                _("The report names a division the agency did not have; it was created: %(name)s") % {"name": name}
            )
        return division

    def responsibilities(self, plan: Plan, wanted_by_action: list[tuple[Action, list[str] | str]]) -> None:
        existing: dict[int, dict[int, Responsibility]] = {}
        for responsibility in Responsibility.objects.filter(action__indicator__measure__plan=plan):
            existing.setdefault(responsibility.action_id, {})[responsibility.division_id] = responsibility
        new: list[Responsibility] = []
        for action, responsible in wanted_by_action:
            wanted = [] if responsible == "all" else [self.division(name).pk for name in responsible]
            have = existing.get(action.pk, {})
            for division_id in dict.fromkeys(wanted):
                if division_id not in have:
                    new.append(Responsibility(agency=self.agency, action=action, division_id=division_id))
            for division_id in have.keys() - set(wanted):
                with context.acting(by=self.by, reason=self.reason):
                    have[division_id].delete()
                self.summary.updated += 1
        create_all_with_history(new, by=self.by, reason=self.reason)
        self.summary.created += len(new)


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

        measures_data = report["measures"]
        measures = writer.upsert_all(
            Measure,
            {m.number: m for m in Measure.objects.filter(plan=plan)},
            [
                (m["number"], {"plan": plan, "number": m["number"]}, {"agency": agency, "title": m["title"]})
                for m in measures_data
            ],
        )
        indicator_rows = []
        indicators_data = []
        for measure, measure_data in zip(measures, measures_data, strict=True):
            for indicator_data in measure_data["indicators"]:
                indicator_rows.append(
                    (
                        (measure.pk, indicator_data["number"]),
                        {"measure": measure, "number": indicator_data["number"]},
                        {
                            "agency": agency,
                            "assessment": indicator_data["assessment"],
                            "name": indicator_data["name"],
                            "status": indicator_data["status"],
                            "written_number": indicator_data.get("written_number"),
                        },
                    )
                )
                indicators_data.append(indicator_data)
        indicators = writer.upsert_all(
            Indicator,
            {(i.measure_id, i.number): i for i in Indicator.objects.filter(measure__plan=plan)},
            indicator_rows,
        )
        existing_actions = {
            (a.indicator_id, a.position): a for a in Action.objects.filter(indicator__measure__plan=plan)
        }
        action_rows = []
        actions_data = []
        for indicator, indicator_data in zip(indicators, indicators_data, strict=True):
            for position, action_data in enumerate(indicator_data["actions"], start=1):
                lookup: dict[str, Any] = {"indicator": indicator, "position": position}
                if (indicator.pk, position) not in existing_actions:
                    # A new action is due at the end of the fiscal year: written with it, not by a second save.
                    lookup["due_date"] = fiscal_year.end_date
                values = {
                    "agency": agency,
                    "number": action_data["number"],
                    "text": action_data["text"],
                    "all_divisions": action_data["responsible"] == "all",
                    "reported_results": action_data.get("results", ""),
                    "reported_outcome": action_data.get("outcome", ""),
                }
                action_rows.append(((indicator.pk, position), lookup, values))
                actions_data.append(action_data)
        actions = writer.upsert_all(Action, existing_actions, action_rows)
        for action in actions:
            if action.due_date is None:
                action.due_date = fiscal_year.end_date
                save_with_history(action, by=by, reason=reason, update_fields=["due_date"])
        writer.responsibilities(
            plan, [(action, data["responsible"]) for action, data in zip(actions, actions_data, strict=True)]
        )
        seen_actions = {action.pk for action in actions}

        for action in Action.objects.filter(indicator__measure__plan=plan).exclude(pk__in=seen_actions):
            writer.summary.warnings.append(
                _("Action %(action)s is no longer in the report; it was kept unchanged.") % {"action": action}
            )

        budget_rows = []
        for number, item in enumerate(report.get("budget", []), start=1):
            key = item.get("number") or number
            budget_rows.append(
                (
                    key,
                    {"plan": plan, "number": key},
                    {"agency": agency, "item": item["item"], "amount": Decimal(str(item["amount"]))},
                )
            )
        writer.upsert_all(BudgetItem, {b.number: b for b in BudgetItem.objects.filter(plan=plan)}, budget_rows)

        if writer.summary.changed:
            changed = [name for name, value in plan_values.items() if getattr(plan, name) != value]
            for name in changed:
                setattr(plan, name, plan_values[name])
            plan.imported_at = timezone.now()
            save_with_history(plan, by=by, reason=reason, update_fields=[*changed, "imported_at"])
    return writer.summary
