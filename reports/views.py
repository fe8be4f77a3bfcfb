"""Pages of the reports app: the official report's render page, the dashboards, the public page."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from approvals import permissions
from approvals.exceptions import DomainError
from approvals.models import Action, Agency, BudgetItem, Evidence, Plan, Submission, budget_totals
from approvals.types import AgencyHttpRequest, AuthenticatedHttpRequest
from audit.seal import heads
from config.routers import reading_from_replica
from reports import dashboards, opendata, public, services, verification
from reports.assembly import round_facts
from reports.forms import RenderForm, VerifyForm
from reports.models import RenderedReport
from reports.renderers import CONTENT_TYPES


def _plans(request: AuthenticatedHttpRequest) -> list[Plan]:
    plans = Plan.objects.visible_to(request.user).exclude(status=Plan.Status.DRAFT)
    return list(plans.select_related("agency", "fiscal_year").order_by("-fiscal_year__year"))


def _chosen_plan(request: AuthenticatedHttpRequest, plans: list[Plan]) -> Plan | None:
    """The plan of the year asked for (?year=), else the latest one."""
    wanted = request.GET.get("year", "")
    for plan in plans:
        if str(plan.fiscal_year.year) == wanted:
            return plan
    return plans[0] if plans else None


def executive_dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    permissions.require(request.user, permissions.VIEW_EXECUTIVE_DASHBOARD)
    # The figures only read: from the replica when there is one (config/routers.py), the permission on the primary.
    with reading_from_replica():
        plans = _plans(request)
        plan = _chosen_plan(request, plans)
        every_overdue = request.GET.get("overdue") == "all"
        dashboard = (
            dashboards.executive_dashboard(plan, overdue_shown=None if every_overdue else dashboards.OVERDUE_SHOWN)
            if plan
            else None
        )
        # Planned against spent: the same figures (BudgetItem.with_spent) as the plan page and the official report.
        budget_items = list(BudgetItem.objects.filter(plan=plan).with_spent().order_by("number")) if plan else []
        charts = dashboard.charts() if dashboard else {}
    return render(
        request,
        "reports/executive_dashboard.html",
        {
            "plans": plans,
            "plan": plan,
            "dashboard": dashboard,
            "charts": charts,
            "budget_items": budget_items,
            "budget_totals": budget_totals(budget_items),
        },
    )


def division_dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    division_ids = permissions.standing(request.user).division_ids
    finance_division_ids = permissions.standing(request.user).finance_division_ids
    with reading_from_replica():
        plans = _plans(request)
        plan = _chosen_plan(request, plans)
        dashboard = dashboards.division_dashboard(plan, division_ids) if plan and division_ids else None
        # The finance division's dashboard also shows the budget it spends against (the same figures everywhere).
        finance = plan is not None and finance_division_ids
        budget_items = list(BudgetItem.objects.filter(plan=plan).with_spent().order_by("number")) if finance else []
        charts = dashboard.charts() if dashboard else {}
    return render(
        request,
        "reports/division_dashboard.html",
        {
            "plans": plans,
            "plan": plan,
            "dashboard": dashboard,
            "charts": charts,
            "budget_items": budget_items,
            "budget_totals": budget_totals(budget_items),
        },
    )


def _scoped_reports(request: AuthenticatedHttpRequest):
    permissions.require(request.user, permissions.RENDER_REPORT)
    return RenderedReport.objects.visible_to(request.user).select_related("fiscal_year", "requested_by", "published_by")


def render_page(request: AgencyHttpRequest) -> HttpResponse:
    reports = _scoped_reports(request).select_related("prepared_by", "reviewed_by__user", "approved_by__user")
    plans = _plans(request)
    form = RenderForm(request.POST or None, plans=plans, user=request.user, today=timezone.localdate())
    if request.method == "POST" and form.is_valid():
        try:
            report = services.request_report(
                form.plan(),
                form.cleaned_data["round"],
                form.cleaned_data["format"],
                by=request.user,
                prepared_by=form.cleaned_data["prepared_by"],
                reviewed_by=form.cleaned_data.get("reviewed_by"),
                approved_by=form.cleaned_data.get("approved_by"),
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            # True whatever state the copy is in when the page shows it: its row tells how far it got.
            messages.success(request, _("The report was requested. Its row below shows how far it got."))
            return redirect(f"{reverse('reports:render')}#report-{report.pk}")
    plan = _chosen_plan(request, plans)
    return render(
        request,
        "reports/render.html",
        {
            "form": form,
            "reports": reports[:30],
            "plans": plans,
            "plan": plan,
            "rounds": round_facts(plan) if plan else None,
        },
    )


def _status(report: RenderedReport) -> dict:
    return {
        "id": report.pk,
        "status": report.status,
        "status_label": report.get_status_display(),
        "progress": report.progress,
        "step": report.step(),
        "finished": report.is_finished(),
        "download_url": reverse("reports:render-download", args=[report.pk])
        if report.status == RenderedReport.Status.DONE
        else "",
        "sha256": report.sha256,
        "size": report.size,
        "error": report.error if report.status == RenderedReport.Status.FAILED else "",
    }


def render_status(request: AuthenticatedHttpRequest, pk: int) -> JsonResponse:
    report = get_object_or_404(_scoped_reports(request), pk=pk)
    return JsonResponse(_status(report))


def _file_response(report: RenderedReport) -> FileResponse:
    if report.status != RenderedReport.Status.DONE or not report.file:
        raise Http404(_("This report has no file."))
    return FileResponse(
        report.file.open("rb"),
        as_attachment=True,
        filename=report.download_name(),
        content_type=CONTENT_TYPES[report.format],
    )


def render_download(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    return _file_response(get_object_or_404(_scoped_reports(request), pk=pk))


@require_POST
def render_publish(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(_scoped_reports(request), pk=pk)
    try:
        services.publish_report(report, by=request.user)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The report is now on the public page."))
    return redirect("reports:render")


# The public disclosure page (OIT): no login, cached, and only approved facts (see reports.public).


@login_not_required
def public_latest(request: HttpRequest, slug: str) -> HttpResponse:
    """The public page of the agency's latest plan."""
    agency = get_object_or_404(Agency, slug=slug)
    plan = (
        Plan.objects.filter(agency=agency)
        .exclude(status=Plan.Status.DRAFT)
        .select_related("fiscal_year")
        .order_by("-fiscal_year__year")
        .first()
    )
    if plan is None:
        raise Http404(_("This agency has published no plan for that year."))
    return redirect("reports:public", slug=agency.slug, year=plan.fiscal_year.year)


@login_not_required
def public_plan(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    agency = get_object_or_404(Agency, slug=slug)
    key = public.cache_key(agency.pk, year, get_language())
    html = public.cached_page(key)
    if html is None:
        plan = public.find_plan(agency, year)
        if plan is None:
            raise Http404(_("This agency has published no plan for that year."))
        page = public.public_page(agency, plan)
        # Rendered without the request: the cached page must hold nothing about the visitor.
        html = render_to_string(
            "reports/public_plan.html",
            {
                "page": page,
                "charts": {"indicators": page.indicator_chart(), "divisions": page.division_chart()},
                "generated_at": timezone.now(),
                "LANGUAGE_CODE": get_language(),
            },
        )
        public.keep_page(key, html)
    response = HttpResponse(html)
    response["Cache-Control"] = "public, max-age=60"
    return response


def _public_data(agency: Agency, year: int, kind: str) -> str:
    key = public.data_cache_key(agency.pk, year, kind)
    text = public.cached_page(key)
    if text is None:
        plan = public.find_plan(agency, year)
        if plan is None:
            raise Http404(_("This agency has published no plan for that year."))
        page = public.public_page(agency, plan)
        if kind == "json":
            text = json.dumps(opendata.page_data(page), ensure_ascii=False, indent=1)
        else:
            text = opendata.page_csv(page)
        public.keep_page(key, text)
    return text


@login_not_required
def public_data_json(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    """What the public page shows, as JSON (open data)."""
    agency = get_object_or_404(Agency, slug=slug)
    response = HttpResponse(_public_data(agency, year, "json"), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{agency.slug}-{year}.json"'
    response["Cache-Control"] = "public, max-age=60"
    return response


@login_not_required
def public_data_csv(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    """What the public page shows, as CSV: one line per action and approved result (open data)."""
    agency = get_object_or_404(Agency, slug=slug)
    response = HttpResponse(_public_data(agency, year, "csv"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{agency.slug}-{year}.csv"'
    response["Cache-Control"] = "public, max-age=60"
    return response


@login_not_required
def public_chain_heads(request: HttpRequest, slug: str) -> JsonResponse:
    """The agency's published chain heads, one a day, as a file to keep: `manage.py audit_verify --against`
    it later shows whether our history still passes through every one of them."""
    agency = get_object_or_404(Agency, slug=slug)
    document = heads.heads_document(agency.pk, agency.name, agency.slug)
    response = JsonResponse(document, json_dumps_params={"ensure_ascii": False, "indent": 1})
    response["Content-Disposition"] = f'attachment; filename="chain-heads-{agency.slug}.json"'
    response["Cache-Control"] = "public, max-age=300"
    return response


@login_not_required
def public_evidence(request: HttpRequest, slug: str, year: int, pk: int) -> FileResponse:
    evidence = get_object_or_404(
        Evidence.objects.filter(
            agency__slug=slug,
            submission__action__indicator__measure__plan__fiscal_year__year=year,
            submission__status=Submission.Status.APPROVED,
            submission__action__status=Action.Status.DONE,
            is_internal=False,
            is_removed=False,
        ),
        pk=pk,
    )
    return FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )


@login_not_required
def public_report(request: HttpRequest, slug: str, year: int, pk: int) -> FileResponse:
    report = get_object_or_404(
        RenderedReport.objects.published().select_related("fiscal_year"),
        agency__slug=slug,
        fiscal_year__year=year,
        pk=pk,
    )
    return _file_response(report)


@login_not_required
def public_verify(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    """Anyone may upload a copy of a report and learn whether it is the file the agency published."""
    agency = get_object_or_404(Agency, slug=slug)
    plan = public.find_plan(agency, year)
    if plan is None:
        raise Http404(_("This agency has published no plan for that year."))
    form = VerifyForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        digest = verification.sha256_of(upload.chunks())
        result = {"sha256": digest, "report": verification.find_published(agency.pk, year, digest)}
    return render(
        request,
        "reports/public_verify.html",
        {
            "agency": agency,
            "plan": plan,
            "form": form,
            "result": result,
            "max_mb": verification.MAX_UPLOAD_BYTES // 2**20,
        },
        status=400 if request.method == "POST" and not form.is_valid() else 200,
    )
