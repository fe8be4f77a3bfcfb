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

from django.conf import settings
from django.core.cache import cache
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from approvals.models import Action, Agency, Decision, Division, Evidence, Indicator, Measure, Plan, Submission
from reports import charts
from reports.assembly import ActionLine
from reports.models import RenderedReport

CACHE_SECONDS = 15 * 60

logger = logging.getLogger(__name__)


def cache_key(agency_id: int, year: int, language: str) -> str:
    return f"reports:public:{agency_id}:{year}:{language}"


def invalidate(agency_id: int, year: int) -> None:
    cache.delete_many([cache_key(agency_id, year, code) for code, _name in settings.LANGUAGES])


def cached_page(key: str) -> str | None:
    """The cached page, or None when there is none or the cache (Redis) is unreachable: the page is then
    built from the database, so the public page stays up while Redis is down."""
    try:
        return cache.get(key)
    except Exception:
        logger.warning("The cache is unreachable; the public page is built from the database.", exc_info=True)
        return None


def keep_page(key: str, html: str) -> None:
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

    @property
    def approved(self) -> int:
        return sum(1 for action in self.actions if action.approved_on)

    @property
    def counted(self) -> int:
        return sum(1 for action in self.actions if not action.cancelled)


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

    @property
    def approved(self) -> int:
        return sum(indicator.approved for measure in self.measures for indicator in measure.indicators)

    @property
    def counted(self) -> int:
        return sum(indicator.counted for measure in self.measures for indicator in measure.indicators)

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
    """Gather the public page of `plan`, in a fixed number of queries."""
    in_plan = {"agency_id": agency.pk, "action__indicator__measure__plan": plan}
    approved_on = {
        action_id: timezone.localtime(at).date()
        for action_id, at in Decision.objects.filter(
            **in_plan, stage=Decision.Stage.APPROVAL, outcome=Decision.Outcome.APPROVED
        )
        .values("action_id")
        .annotate(at=Max("decided_at"))
        .values_list("action_id", "at")
    }
    submissions = list(
        Submission.objects.filter(**in_plan, status=Submission.Status.APPROVED)
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
        if submission.action_id not in approved_on:
            continue
        results[submission.action_id][submission.division_id] = PublicResult(
            division=submission.division.name,
            results=submission.results,
            outcome=submission.outcome,
            evidence=evidence.get(submission.pk, []),
        )

    divisions = list(Division.objects.filter(agency=agency, is_active=True))
    division_counts = {division.pk: [0, 0] for division in divisions}
    actions_by_indicator: dict[int, list[PublicAction]] = defaultdict(list)
    actions = Action.objects.filter(agency_id=agency.pk, indicator__measure__plan=plan).prefetch_related("divisions")
    for action in actions.order_by("indicator_id", "position"):
        cancelled = action.status == Action.Status.CANCELLED
        done = action.pk in approved_on and action.status == Action.Status.DONE
        responsible = list(action.divisions.all())
        line = ActionLine(number=action.number, text=action.text, responsible="", all_divisions=action.all_divisions)
        actions_by_indicator[action.indicator_id].append(
            PublicAction(
                label=line.label,
                responsible=_("All divisions")
                if action.all_divisions
                else ", ".join(d.name for d in sorted(responsible, key=lambda d: (d.sort_order, d.name))),
                approved_on=approved_on.get(action.pk) if done else None,
                cancelled=cancelled,
                results=list(results.get(action.pk, {}).values()) if done else [],
            )
        )
        if cancelled:
            continue
        for division_id in division_counts if action.all_divisions else [d.pk for d in responsible]:
            if division_id in division_counts:
                division_counts[division_id][1] += 1
                division_counts[division_id][0] += int(done)

    indicators_by_measure: dict[int, list[PublicIndicator]] = defaultdict(list)
    for indicator in Indicator.objects.filter(measure__plan=plan).order_by("measure__number", "number"):
        number = indicator.written_number or indicator.number
        indicators_by_measure[indicator.measure_id].append(
            PublicIndicator(
                label=_("Indicator %(number)s: %(name)s") % {"number": number, "name": indicator.name},
                assessment=indicator.assessment,
                actions=actions_by_indicator.get(indicator.pk, []),
            )
        )
    measures = [
        PublicMeasure(label=f"{measure.number}. {measure.title}", indicators=indicators_by_measure.get(measure.pk, []))
        for measure in Measure.objects.filter(plan=plan).order_by("number")
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
            DivisionProgress(name=d.name, approved=division_counts[d.pk][0], total=division_counts[d.pk][1])
            for d in divisions
            if division_counts[d.pk][1]
        ],
        reports=[reports[key] for key in sorted(reports)],
    )
