"""The figures of an area's agencies, in a fixed number of queries whatever their number.

Progress, overdue and approval counts come from `approvals.figures` (the one truth); returns are the
review and approval decisions that sent work back; red flags are the audit findings still open, counted by
rule. Nothing here reads a name of a person, a result that is not approved, a comment or an evidence file:
the province sees what the public page shows, and counts.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count

from approvals.figures import PlanFigures, Tally, integrity_measures_of, plans_figures
from approvals.models import Agency, Decision, Plan
from audit.models import Finding
from audit.rules import RULES, rule_title
from audit.seal.heads import Head, latest_heads
from oit.progress import Completion, completion


@dataclass
class AgencyRow:
    agency: Agency
    plan: Plan | None
    figures: PlanFigures | None
    returns: int = 0
    # Open red-flag findings by rule code.
    flags: Counter = field(default_factory=Counter)
    head: Head | None = None
    # The OIT catalogue adopted in the plan: items approved of all (oit.progress); None when none was adopted.
    oit: Completion | None = None
    rank: int = 0

    @property
    def overall(self) -> Tally | None:
        return self.figures.overall if self.figures else None

    @property
    def percent(self) -> int:
        return self.overall.percent_done if self.overall else 0

    @property
    def flag_total(self) -> int:
        return sum(self.flags.values())


@dataclass
class GroupRow:
    """One measure or indicator (by its number) across the area's agencies."""

    key: str
    label: str
    tally: Tally


@dataclass
class AreaFigures:
    year: int | None
    rows: list[AgencyRow]
    measures: list[GroupRow]
    indicators: list[GroupRow]
    flags_by_rule: list[tuple[str, str, int]]

    @property
    def overall(self) -> Tally:
        tally = Tally(label="")
        for row in self.rows:
            if row.figures:
                _merge(tally, row.figures.overall)
        return tally

    @property
    def returns(self) -> int:
        return sum(row.returns for row in self.rows)

    @property
    def oit(self) -> Completion | None:
        """The OIT items of the area's adopted catalogues: approved, of all; None when no agency adopted one."""
        adopted = [row.oit for row in self.rows if row.oit is not None]
        if not adopted:
            return None
        return Completion(approved=sum(c.approved for c in adopted), total=sum(c.total for c in adopted))


def _merge(into: Tally, tally: Tally) -> None:
    into.counts.update(tally.counts)
    into.progresses.extend(tally.progresses)
    into.overdue += tally.overdue


def latest_year(agencies: list[Agency]) -> int | None:
    plans = Plan.objects.filter(agency__in=agencies).exclude(status=Plan.Status.DRAFT)
    return plans.order_by("-fiscal_year__year").values_list("fiscal_year__year", flat=True).first()


def years(agencies: list[Agency]) -> list[int]:
    plans = Plan.objects.filter(agency__in=agencies).exclude(status=Plan.Status.DRAFT)
    return sorted(set(plans.values_list("fiscal_year__year", flat=True)), reverse=True)


def area_figures(agencies: list[Agency], year: int | None) -> AreaFigures:
    """Each agency's figures for fiscal year `year` (its plan, if not a draft), ranked by the share approved."""
    ids = [agency.pk for agency in agencies]
    plans = {
        plan.agency_id: plan
        for plan in (Plan.objects.filter(fiscal_year__year=year) if year is not None else Plan.objects.none())
        .filter(agency_id__in=ids)
        .exclude(status=Plan.Status.DRAFT)
        .select_related("fiscal_year")
    }
    figures = plans_figures(list(plans.values())) if plans else {}
    returns = dict(
        Decision.objects.filter(
            agency_id__in=ids,
            action__indicator__measure__in=integrity_measures_of([plan.pk for plan in plans.values()]),
            outcome=Decision.Outcome.RETURNED,
        )
        .values("agency_id")
        .annotate(n=Count("id"))
        .values_list("agency_id", "n")
    )
    flags: dict[int, Counter] = defaultdict(Counter)
    for agency_id, rule, count in (
        Finding.objects.filter(agency_id__in=ids)
        .exclude(status=Finding.Status.CLOSED)
        .values("agency_id", "rule")
        .annotate(n=Count("id"))
        .values_list("agency_id", "rule", "n")
    ):
        flags[agency_id][rule] += count
    heads = latest_heads(ids)
    oit = completion([plan.pk for plan in plans.values()]) if plans else {}
    rows = []
    for agency in agencies:
        plan = plans.get(agency.pk)
        rows.append(
            AgencyRow(
                agency=agency,
                plan=plan,
                figures=figures.get(plan.pk) if plan else None,
                returns=returns.get(agency.pk, 0),
                flags=flags.get(agency.pk, Counter()),
                head=heads.get(agency.pk),
                oit=oit.get(plan.pk) if plan else None,
            )
        )
    # The ranking: the share of counted actions approved, then the fewest overdue, then the name.
    rows.sort(key=lambda row: (-row.percent, row.overall.overdue if row.overall else 0, row.agency.name))
    for rank, row in enumerate(rows, start=1):
        row.rank = rank
    measures: dict[int, GroupRow] = {}
    indicators: dict[tuple[int, int], GroupRow] = {}
    for row in rows:
        if row.figures is None:
            continue
        for measure in row.figures.measures:
            group = measures.setdefault(
                measure.number, GroupRow(str(measure.number), measure.tally.label, Tally(label=measure.tally.label))
            )
            _merge(group.tally, measure.tally)
            for indicator in measure.indicators:
                key = (measure.number, indicator.number)
                entry = indicators.setdefault(
                    key, GroupRow(f"{key[0]}.{key[1]}", indicator.tally.label, Tally(label=indicator.tally.label))
                )
                _merge(entry.tally, indicator.tally)
    totals: Counter = Counter()
    for row in rows:
        totals.update(row.flags)
    known = [rule.code for rule in RULES]
    flags_by_rule = [(code, str(rule_title(code)), totals[code]) for code in known if totals[code]]
    flags_by_rule += [(code, str(rule_title(code)), n) for code, n in sorted(totals.items()) if code not in known]
    return AreaFigures(
        year=year,
        rows=rows,
        measures=[measures[key] for key in sorted(measures)],
        indicators=[indicators[key] for key in sorted(indicators)],
        flags_by_rule=flags_by_rule,
    )
