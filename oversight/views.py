"""The province's and districts' oversight pages: read-only, public-level facts and counts, constant queries."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from approvals import permissions
from approvals.exceptions import DomainError, NotAllowed
from approvals.figures import plans_figures
from approvals.models import Agency, User
from approvals.types import AuthenticatedHttpRequest
from audit.rules import rule_title
from oversight import forms, services
from oversight.area import area_figures, years
from oversight.models import OversightAssignment
from reports import charts, public

# Agencies a page of the ranking lists (a province of 1,000 agencies rendered at once took about 2 s).
RANKING_PAGE_SIZE = 50


def _year(request: AuthenticatedHttpRequest, available: list[int]) -> int | None:
    raw = request.GET.get("year", "")
    if raw.isdigit() and int(raw) in available:
        return int(raw)
    return available[0] if available else None


def overview(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every agency of the area: progress, overdue work, returns and red flags, ranked; by measure and
    indicator across the area; with charts and the same figures in tables. The ranking is listed a page of
    RANKING_PAGE_SIZE agencies at a time (its chart too): the area's totals and the ranks are of every agency,
    in the same queries whatever the page."""
    permissions.require(request.user, permissions.VIEW_OVERSIGHT)
    area = permissions.oversight_area(request.user)
    agencies = list(permissions.overseen_agencies(request.user).order_by("name"))
    available = years(agencies)
    figures = area_figures(agencies, _year(request, available))
    ranking = Paginator(figures.rows, RANKING_PAGE_SIZE).get_page(request.GET.get("page"))
    chart = charts.bar_chart(
        [
            charts.Bar(
                label=row.agency.name,
                segments=[charts.Segment(row.overall.done if row.overall else 0, "done", _("Approved"))],
                total=row.overall.total if row.overall else 0,
            )
            for row in ranking
        ],
        title=_("Share of actions approved, by agency"),
    )
    return render(
        request,
        "oversight/overview.html",
        {
            "area": area,
            "figures": figures,
            "ranking": ranking,
            "page_links": list(ranking.paginator.get_elided_page_range(ranking.number, on_each_side=2, on_ends=1)),
            "years": available,
            "chart": chart,
            "nav": "oversight",
        },
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


# --- platform operators: oversight officers' accounts and grants ------------------------------------------------


def _invalid(request: AuthenticatedHttpRequest, form) -> None:
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)


def _assignments():
    return OversightAssignment.objects.select_related("user", "granted_by", "confirmed_by")


def _row(request: AuthenticatedHttpRequest, assignment: OversightAssignment) -> dict[str, Any]:
    return {
        "assignment": assignment,
        "active": assignment.is_active(),
        "can_confirm": permissions.check(request.user, permissions.CONFIRM_OVERSIGHT, assignment) is None,
        "can_decline": permissions.check(request.user, permissions.DECLINE_OVERSIGHT, assignment) is None,
    }


def officers(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Oversight officers and their grants; grants awaiting a second operator's confirmation; a new officer."""
    permissions.require(request.user, permissions.MANAGE_OVERSIGHT)
    form = forms.AppointForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                assignment = services.appoint_officer(
                    by=request.user,
                    reason=data["reason"],
                    username=data["username"],
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    position=data["position"],
                    email=data["email"],
                    password=data["password"],
                    province=data["province"],
                    district=data["district"],
                    order_number=data["order_number"],
                    order_date=data["order_date"],
                    valid_from=data["valid_from"],
                )
            except DomainError as error:
                messages.error(request, str(error))
            else:
                messages.success(
                    request,
                    _(
                        "The account %(name)s was opened and its oversight role proposed; it takes effect once another platform operator confirms it."  # noqa: E501
                    )
                    % {"name": assignment.user.username},
                )
                return redirect("oversight:officer", pk=assignment.user_id)
        else:
            _invalid(request, form)
    everything = list(_assignments().order_by("province", "district", "user__first_name", "-valid_from"))
    proposed = [_row(request, a) for a in everything if a.status == OversightAssignment.Status.PROPOSED]
    current = [_row(request, a) for a in everything if a.is_active()]
    return render(
        request,
        "oversight/officers.html",
        {
            "proposed": proposed,
            "current": current,
            "form": form,
            "reason_form": forms.ReasonOnlyForm(),
            "confirm_form": forms.OptionalReasonForm(),
            "nav": "oversight-officers",
        },
    )


def officer(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """One oversight officer: every grant they held or were proposed for, and a new grant."""
    permissions.require(request.user, permissions.MANAGE_OVERSIGHT)
    person = get_object_or_404(User.objects.filter(agency__isnull=True, is_superuser=False), pk=pk)
    form = forms.GrantForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.grant_oversight(
                    person,
                    province=data["province"],
                    district=data["district"],
                    by=request.user,
                    reason=data["reason"],
                    order_number=data["order_number"],
                    order_date=data["order_date"],
                    valid_from=data["valid_from"],
                )
            except DomainError as error:
                messages.error(request, str(error))
            else:
                messages.success(
                    request,
                    _("The oversight role was proposed; it takes effect once another platform operator confirms it."),
                )
                return redirect("oversight:officer", pk=person.pk)
        else:
            _invalid(request, form)
    rows = [_row(request, a) for a in _assignments().filter(user=person).order_by("-valid_from", "-pk")]
    return render(
        request,
        "oversight/officer.html",
        {
            "person": person,
            "rows": rows,
            "form": form,
            "reason_form": forms.ReasonOnlyForm(),
            "confirm_form": forms.OptionalReasonForm(),
            "nav": "oversight-officers",
        },
    )


def _grant_change(
    request: AuthenticatedHttpRequest, pk: int, perm: str, change, form_class, success: str
) -> HttpResponse:
    permissions.require(request.user, perm)
    assignment = get_object_or_404(_assignments(), pk=pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            change(assignment, by=request.user, reason=form.cleaned_data["reason"])
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, success)
    else:
        _invalid(request, form)
    if request.POST.get("next") == "officer":
        return redirect("oversight:officer", pk=assignment.user_id)
    return redirect("oversight:officers")


@require_POST
def grant_confirm(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _grant_change(
        request,
        pk,
        permissions.CONFIRM_OVERSIGHT,
        services.confirm_oversight,
        forms.OptionalReasonForm,
        _("You confirmed the grant; it is now in effect."),
    )


@require_POST
def grant_decline(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _grant_change(
        request,
        pk,
        permissions.DECLINE_OVERSIGHT,
        services.decline_oversight,
        forms.ReasonOnlyForm,
        _("The grant was declined."),
    )


@require_POST
def grant_end(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _grant_change(
        request,
        pk,
        permissions.MANAGE_OVERSIGHT,
        services.end_oversight,
        forms.ReasonOnlyForm,
        _("The oversight role was ended."),
    )
