"""Endpoints for a personal token's owner: the province's oversight officers and an agency's own systems.

Each call acts with the owner's role, checked again at every call (approvals.permissions): an oversight
officer reads the agencies of their area, an agency's executives, administrator and auditors their own."""

import csv
import io
from collections.abc import Sequence
from typing import Any, overload

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Router
from ninja.pagination import PageNumberPagination, paginate
from ninja.security import HttpBearer

from api import schemas, services
from api.throttles import token_throttles
from approvals import permissions
from approvals.figures import Tally
from approvals.models import Agency
from approvals.spreadsheets import csv_row
from oversight.area import AgencyRow, area_figures, latest_year


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = services.authenticate(token)
        if user is not None:
            request.user = user
        return user


router = Router(tags=["personal token"], auth=TokenAuth(), throttle=token_throttles())
# Agencies a page of /me/progress answers, as the public endpoints' pages (api.public.PAGE_SIZE).
PROGRESS_PAGE_SIZE = 50


def _agencies(request: HttpRequest, slug: str | None) -> list[Agency]:
    """The agencies the token's owner may read (one, if `slug` is given: a 404 outside their reach)."""
    user = request.auth  # type: ignore[attr-defined]  # django-ninja's TokenAuth puts the token's owner there
    if permissions.oversight_area(user) is not None:
        agencies = permissions.overseen_agencies(user)
    else:
        agencies = Agency.objects.filter(pk=user.agency_id)
    if slug is not None:
        agency = get_object_or_404(Agency, slug=slug)
        permissions.require(user, permissions.READ_AGENCY_FIGURES, agency)
        return [agency]
    permissions.require(user, permissions.READ_AGENCY_FIGURES)
    return list(agencies.order_by("name"))


def _tally(tally: Tally) -> dict[str, Any]:
    return {
        "label": tally.label,
        "counted": tally.total,
        "approved": tally.done,
        "awaiting": tally.awaiting,
        "overdue": tally.overdue,
        "percent_approved": tally.percent_done,
        "average_progress": tally.average_progress,
    }


def _progress(row: AgencyRow) -> dict[str, Any]:
    figures = row.figures
    assert figures is not None
    return {
        "agency": row.agency.slug,
        "name": row.agency.name,
        "fiscal_year": figures.plan.fiscal_year.year,
        "overall": _tally(figures.overall),
        "measures": [_tally(measure.tally) for measure in figures.measures],
        "indicators": [_tally(indicator.tally) for indicator in figures.indicators],
        "returned": row.returns,
        "oit": (
            {"approved": row.oit.approved, "items": row.oit.total, "percent_approved": row.oit.percent}
            if row.oit
            else None
        ),
    }


def _rows(request: HttpRequest, agency: str | None, year: int | None) -> list[AgencyRow]:
    agencies = _agencies(request, agency)
    figures = area_figures(agencies, year or latest_year(agencies))
    return [row for row in figures.rows if row.figures is not None]


class _Progress(Sequence):
    """The agencies' progress as the paginator slices it: only the page's rows are put into the answer's shape
    (a province of 1,000 agencies answered at once took about 2 s)."""

    def __init__(self, rows: list[AgencyRow]) -> None:
        self.rows = rows

    def __len__(self) -> int:
        return len(self.rows)

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...
    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...
    def __getitem__(self, index: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(index, slice):
            return [_progress(row) for row in self.rows[index]]
        return _progress(self.rows[index])


@router.get("/progress", response=list[schemas.ProgressOut], summary="Progress by agency, measure and indicator")
@paginate(PageNumberPagination, page_size=PROGRESS_PAGE_SIZE)
def progress(request: HttpRequest, year: int | None = None, agency: str | None = None) -> _Progress:
    """Approved, awaiting, overdue and returned work of each agency the owner may read (approvals.figures), and
    its OIT completion (oit.progress), in the oversight page's ranking order (the share approved, then the
    fewest overdue, then the name). Paginated like the public endpoints: `page` (from 1) and `page_size` (50 by
    default); the answer is `{"items": [...], "count": N}`, `count` being every agency the owner may read that
    has a plan for the year."""
    return _Progress(_rows(request, agency, year))


@router.get("/findings", response=list[schemas.FindingCountOut], summary="Open red-flag findings, counted by rule")
def findings(request: HttpRequest, agency: str | None = None) -> list[dict[str, Any]]:
    agencies = _agencies(request, agency)
    rows = area_figures(agencies, None).rows
    return [
        {"agency": row.agency.slug, "rule": rule, "status": "open", "count": count}
        for row in rows
        for rule, count in sorted(row.flags.items())
    ]


@router.get("/exports/progress.csv", summary="Progress as CSV, one line per agency")
def progress_csv(request: HttpRequest, year: int | None = None, agency: str | None = None) -> HttpResponse:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "agency",
            "name",
            "fiscal_year",
            "counted",
            "approved",
            "awaiting",
            "overdue",
            "returned",
            "oit_approved",
            "oit_items",
        ]
    )
    for row in _rows(request, agency, year):
        tally = row.figures.overall  # type: ignore[union-attr]
        writer.writerow(
            csv_row(
                [
                    row.agency.slug,
                    row.agency.name,
                    row.figures.plan.fiscal_year.year,  # type: ignore[union-attr]
                    tally.total,
                    tally.done,
                    tally.awaiting,
                    tally.overdue,
                    row.returns,
                    row.oit.approved if row.oit else "",
                    row.oit.total if row.oit else "",
                ]
            )
        )
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="progress.csv"'
    return response
