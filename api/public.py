"""Public endpoints: what the public pages show, for anyone, cached and rate-limited."""

import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from api import schemas
from api.throttles import public_throttles
from approvals.models import Agency, Plan
from audit.seal.heads import daily_heads, latest_heads
from reports import opendata, public

router = Router(tags=["public"], throttle=public_throttles())
PAGE_SIZE = 50


class AgencyFilter(Schema):
    province: str | None = None
    district: str | None = None
    kind: str | None = None
    q: str | None = None


def _agency_out(agency: Agency) -> dict[str, Any]:
    return {
        "slug": agency.slug,
        "name": agency.name,
        "kind": agency.kind,
        "district": agency.district,
        "province": agency.province,
        "public_url": reverse("reports:public-latest", args=[agency.slug]),
    }


def _agencies(filters: AgencyFilter) -> QuerySet[Agency]:
    agencies = Agency.objects.order_by("province", "district", "name")
    if filters.province:
        agencies = agencies.filter(province=filters.province)
    if filters.district:
        agencies = agencies.filter(district=filters.district)
    if filters.kind:
        agencies = agencies.filter(kind=filters.kind)
    if filters.q:
        agencies = agencies.filter(Q(name__icontains=filters.q) | Q(slug__icontains=filters.q))
    return agencies


@router.get("/agencies", response=list[schemas.AgencyOut], summary="Agencies")
@paginate(PageNumberPagination, page_size=PAGE_SIZE)
def agencies(request: HttpRequest, filters: Query[AgencyFilter]) -> list[dict[str, Any]]:
    """Every agency, filterable by province, district, kind and a part of its name."""
    return [_agency_out(agency) for agency in _agencies(filters)]


@router.get("/agencies/{slug}", response=schemas.AgencyOut, summary="One agency")
def agency(request: HttpRequest, slug: str) -> dict[str, Any]:
    return _agency_out(get_object_or_404(Agency, slug=slug))


@router.get("/agencies/{slug}/plans", response=list[schemas.PlanOut], summary="An agency's plans by year")
@paginate(PageNumberPagination, page_size=PAGE_SIZE)
def plans(request: HttpRequest, slug: str, year: int | None = None) -> list[dict[str, Any]]:
    """The agency's published plans (never a draft), the latest year first."""
    agency = get_object_or_404(Agency, slug=slug)
    found = Plan.objects.filter(agency=agency).exclude(status=Plan.Status.DRAFT).select_related("fiscal_year")
    if year is not None:
        found = found.filter(fiscal_year__year=year)
    return [
        {
            "fiscal_year": plan.fiscal_year.year,
            "status": plan.status,
            "public_url": reverse("reports:public", args=[agency.slug, plan.fiscal_year.year]),
            "data_url": reverse("api:plan", args=[agency.slug, plan.fiscal_year.year]),
        }
        for plan in found.order_by("-fiscal_year__year")
    ]


def _page_data(agency: Agency, year: int) -> dict[str, Any]:
    """The public page's data, cached as the page is (and dropped with it after an approval)."""
    key = public.data_cache_key(agency.pk, year, "api")
    data = public.cached_page(key)
    if data is None:
        plan = public.find_plan(agency, year)
        if plan is None:
            raise Http404(_("This agency has published no plan for that year."))
        data = opendata.page_data(public.public_page(agency, plan))
        public.keep_page(key, data)
    return data


@router.get(
    "/agencies/{slug}/plans/{year}",
    response=schemas.PublicPlanOut,
    url_name="plan",
    summary="A plan: measures, indicators and actions with approved results",
)
def plan(request: HttpRequest, slug: str, year: int) -> dict[str, Any]:
    """What the agency's public page for the year shows: approved results and public evidence only."""
    return _page_data(get_object_or_404(Agency, slug=slug), year)


@router.get(
    "/agencies/{slug}/plans/{year}/reports",
    response=list[schemas.ReportOut],
    summary="Published official reports with their SHA-256",
)
def reports(request: HttpRequest, slug: str, year: int) -> list[dict[str, Any]]:
    return _page_data(get_object_or_404(Agency, slug=slug), year)["reports"]


class HeadFilter(Schema):
    since: datetime.date | None = None
    until: datetime.date | None = None


@router.get("/agencies/{slug}/chain-heads", response=list[schemas.HeadOut], summary="An agency's published heads")
@paginate(PageNumberPagination, page_size=PAGE_SIZE)
def chain_heads(request: HttpRequest, slug: str, filters: Query[HeadFilter]) -> list[dict[str, Any]]:
    """The head of the agency's history chain, one a day, the oldest first: keep them and check later with
    `manage.py audit_verify --against`."""
    agency = get_object_or_404(Agency, slug=slug)
    heads = daily_heads([agency.pk])[agency.pk]
    return [
        head.as_dict()
        for head in heads
        if (filters.since is None or head.date >= filters.since)
        and (filters.until is None or head.date <= filters.until)
    ]


@router.get("/chain-heads", response=list[schemas.AgencyHeadOut], summary="Every agency's latest published head")
@paginate(PageNumberPagination, page_size=PAGE_SIZE)
def latest_chain_heads(request: HttpRequest, filters: Query[AgencyFilter]) -> list[dict[str, Any]]:
    agencies = list(_agencies(filters))
    heads = latest_heads([agency.pk for agency in agencies])
    return [{**heads[agency.pk].as_dict(), "agency": agency.slug} for agency in agencies if agency.pk in heads]
