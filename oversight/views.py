"""The province's and districts' oversight pages: read-only, public-level facts and counts, constant queries."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from approvals import permissions
from approvals.exceptions import NotAllowed
from approvals.figures import plans_figures
from approvals.models import Agency
from approvals.types import AuthenticatedHttpRequest
from audit.rules import rule_title
from oversight.area import area_figures, years
from reports import charts, public


def _year(request: AuthenticatedHttpRequest, available: list[int]) -> int | None:
    raw = request.GET.get("year", "")
    if raw.isdigit() and int(raw) in available:
        return int(raw)
    return available[0] if available else None


def overview(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every agency of the area: progress, overdue work, returns and red flags, ranked; by measure and
    indicator across the area; with charts and the same figures in tables."""
    permissions.require(request.user, permissions.VIEW_OVERSIGHT)
    area = permissions.oversight_area(request.user)
    agencies = list(permissions.overseen_agencies(request.user).order_by("name"))
    available = years(agencies)
    figures = area_figures(agencies, _year(request, available))
    chart = charts.bar_chart(
        [
            charts.Bar(
                label=row.agency.name,
                segments=[charts.Segment(row.overall.done if row.overall else 0, "done", _("Approved"))],
                total=row.overall.total if row.overall else 0,
            )
            for row in figures.rows
        ],
        title=_("Share of actions approved, by agency"),
    )
    return render(
        request,
        "oversight/overview.html",
        {"area": area, "figures": figures, "years": available, "chart": chart, "nav": "oversight"},
    )


def agency(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """One agency of the area, at the public page's level: approved results and public evidence, counts."""
    permissions.require(request.user, permissions.VIEW_OVERSIGHT)
    found = get_object_or_404(Agency, slug=slug)
    try:
        permissions.require(request.user, permissions.VIEW_OVERSIGHT, found)
    except NotAllowed:
        # Recorded by `require`; an agency outside the area looks like one that does not exist.
        raise Http404(_("Not found.")) from None
    available = years([found])
    year = _year(request, available)
    plan = public.find_plan(found, year) if year else None
    if plan is None:
        raise Http404(_("This agency has published no plan for that year."))
    page = public.public_page(found, plan)
    row = area_figures([found], year).rows[0]
    figures = row.figures or plans_figures([plan])[plan.pk]
    flags = [(code, str(rule_title(code)), count) for code, count in sorted(row.flags.items())]
    return render(
        request,
        "oversight/agency.html",
        {
            "agency": found,
            "page": page,
            "row": row,
            "figures": figures,
            "measure_tallies": [measure.tally for measure in figures.measures],
            "indicator_tallies": [indicator.tally for indicator in figures.indicators],
            "flags": flags,
            "years": available,
            "year": year,
            "charts": {"indicators": page.indicator_chart(), "divisions": page.division_chart()},
            "nav": "oversight",
        },
    )
