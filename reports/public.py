"""The public disclosure page (OIT): what an agency did about its measures, for anyone to read.

Only approved facts leave this module: approved submissions' results and outcomes, evidence not marked
internal, the share of actions approved, and published copies of the official report. It never reads
return reasons, reviewers' comments, drafts, or anyone's name. The page is cached; an approval (see
reports.receivers) or a publication drops the cached copy once it commits.
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _

from approvals.figures import indicator_label, plan_figures
from approvals.models import Action, Agency, Evidence, Indicator, Measure, Plan, Submission
from audit.seal.heads import Head, latest_heads
from oit import progress as oit_progress
from oit.progress import Completion
from reports import charts
from reports.assembly import ActionLine
from reports.models import RenderedReport

CACHE_SECONDS = 15 * 60

logger = logging.getLogger(__name__)


def cache_key(agency_id: int, year: int, language: str) -> str:
    return f"reports:public:{agency_id}:{year}:{language}"


def data_cache_key(agency_id: int, year: int, kind: str) -> str:
    """The cached open data of the page (reports.opendata): "json" or "csv", the same in every language."""
    return f"reports:public-data:{agency_id}:{year}:{kind}"


def invalidate(agency_id: int, year: int) -> None:
    keys = [cache_key(agency_id, year, code) for code, _name in settings.LANGUAGES]
    cache.delete_many([*keys, *(data_cache_key(agency_id, year, kind) for kind in ("json", "csv", "api"))])


def cached_page(key: str) -> Any:
    """The cached page, or None when there is none or the cache (Redis) is unreachable: the page is then
    built from the database, so the public page stays up while Redis is down."""
    try:
        return cache.get(key)
    except Exception:
        logger.warning("The cache is unreachable; the public page is built from the database.", exc_info=True)
        return None


def keep_page(key: str, html: Any) -> None:
    """Cache a built page; an unreachable cache only means the next visitor's page is built again."""
    try:
        cache.set(key, html, CACHE_SECONDS)
    except Exception:
        logger.warning("The cache is unreachable; the public page was not cached.", exc_info=True)


@dataclass(frozen=True)
class PublicEvidence:
    pk: int
    name: str
    size: int


@dataclass(frozen=True)
class PublicResult:
    division: str
    results: str
    outcome: str
    evidence: list[PublicEvidence]


@dataclass
class PublicAction:
    label: str
    responsible: str
    approved_on: datetime.date | None
    cancelled: bool
    results: list[PublicResult] = field(default_factory=list)


@dataclass
class PublicIndicator:
    label: str
    assessment: str
    actions: list[PublicAction] = field(default_factory=list)
    # From approvals.figures: approved actions, and actions that count (all but the cancelled).
    approved: int = 0
    counted: int = 0


@dataclass
class PublicMeasure:
    label: str
    indicators: list[PublicIndicator] = field(default_factory=list)


@dataclass
class DivisionProgress:
    name: str
    approved: int
    total: int


@dataclass
class PublicPage:
    agency: Agency
    plan: Plan
    measures: list[PublicMeasure]
    divisions: list[DivisionProgress]
    reports: list[RenderedReport]
    approved: int = 0
    counted: int = 0
    # The approved OIT disclosure items and the address the mayor approved for each (oit/progress.py), and
    # their figure: items approved of all (None when the plan adopted no catalogue). Apart from the measures.
    oit_items: list[tuple[Any, str]] = field(default_factory=list)
    oit: Completion | None = None
    # The newest published head of the agency's history chain (audit/seal/heads.py), once anchored.
    head: Head | None = None

    def indicator_chart(self):
        bars = [
            charts.Bar(
                label=indicator.label,
                segments=[charts.Segment(indicator.approved, "done", _("Approved"))],
                total=indicator.counted,
            )
            for measure in self.measures
            for indicator in measure.indicators
        ]
        return charts.bar_chart(bars, title=_("Share of actions approved, by indicator"))

    def division_chart(self):
        bars = [
            charts.Bar(
                label=division.name,
                segments=[charts.Segment(division.approved, "done", _("Approved"))],
                total=division.total,
            )
            for division in self.divisions
        ]
        return charts.bar_chart(bars, title=_("Share of actions approved, by division"))


def find_plan(agency: Agency, year: int) -> Plan | None:
    return (
        Plan.objects.select_related("fiscal_year")
        .filter(agency=agency, fiscal_year__year=year)
        .exclude(status=Plan.Status.DRAFT)
        .first()
    )


def public_page(agency: Agency, plan: Plan) -> PublicPage:
    """Gather the public page of `plan`, in a fixed number of queries. Its counts are those of
    `approvals.figures`: an action is approved once the mayor approved it; cancelled actions do not count. Its
    measures are the plan's integrity measures (the figures' own); the OIT items adopted into the plan are listed
    apart, with their own figure (oit.progress)."""
    figures = plan_figures(plan)
    approved_on = {
        action.pk: timezone.localtime(action.approved_at).date()
        for action in figures.actions
        if action.status == Action.Status.DONE and action.approved_at is not None
    }
    submissions = list(
        Submission.objects.filter(
            agency_id=agency.pk, action_id__in=list(approved_on), status=Submission.Status.APPROVED
        )
        .select_related("division")
        .order_by("action_id", "division__sort_order", "division__name", "round")
    )
    evidence: dict[int, list[PublicEvidence]] = defaultdict(list)
    for item in Evidence.objects.filter(
        agency_id=agency.pk, submission__in=[s.pk for s in submissions], is_internal=False, is_removed=False
    ).order_by("uploaded_at"):
        evidence[item.submission_id].append(PublicEvidence(pk=item.pk, name=item.original_name, size=item.size))
    results: dict[int, dict[int, PublicResult]] = defaultdict(dict)
    for submission in submissions:
        results[submission.action_id][submission.division_id] = PublicResult(
            division=submission.division.name,
            results=submission.results,
            outcome=submission.outcome,
            evidence=evidence.get(submission.pk, []),
        )

    actions_by_indicator: dict[int, list[PublicAction]] = defaultdict(list)
    for action in figures.actions:
        line = ActionLine(number=action.number, text=action.text, responsible="", all_divisions=action.all_divisions)
        actions_by_indicator[action.indicator_id].append(
            PublicAction(
                label=line.label,
                responsible=action.responsible_label(),
                approved_on=approved_on.get(action.pk),
                cancelled=not action.counted,
                results=list(results.get(action.pk, {}).values()) if action.pk in approved_on else [],
            )
        )

    tallies = {indicator.pk: indicator.tally for indicator in figures.indicators}
    indicators_by_measure: dict[int, list[PublicIndicator]] = defaultdict(list)
    own_measures = Measure.objects.filter(plan=plan).integrity_measures()
    for indicator in Indicator.objects.filter(measure__in=own_measures).order_by("measure__number", "number"):
        number = indicator.written_number or indicator.number
        tally = tallies.get(indicator.pk)
        indicators_by_measure[indicator.measure_id].append(
            PublicIndicator(
                label=indicator_label(number, indicator.name),
                assessment=indicator.assessment,
                actions=actions_by_indicator.get(indicator.pk, []),
                approved=tally.done if tally else 0,
                counted=tally.total if tally else 0,
            )
        )
    measures = [
        PublicMeasure(label=f"{measure.number}. {measure.title}", indicators=indicators_by_measure.get(measure.pk, []))
        for measure in own_measures.order_by("number")
    ]
    # The latest published copy of each round and format.
    reports: dict[tuple[int, str], RenderedReport] = {}
    published = RenderedReport.objects.published().filter(agency=agency, fiscal_year=plan.fiscal_year)
    for report in published.select_related("fiscal_year").order_by("-published_at"):
        reports.setdefault((report.round, report.format), report)
    return PublicPage(
        agency=agency,
        plan=plan,
        measures=measures,
        divisions=[
            DivisionProgress(name=d.name, approved=d.tally.done, total=d.tally.total)
            for d in figures.divisions
            if d.is_active
        ],
        reports=[reports[key] for key in sorted(reports)],
        approved=figures.overall.done,
        counted=figures.overall.total,
        oit_items=oit_progress.approved_items(plan),
        oit=oit_progress.completion([plan.pk]).get(plan.pk),
        head=latest_heads([agency.pk]).get(agency.pk),
    )
