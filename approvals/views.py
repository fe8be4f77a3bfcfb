"""Pages of the plan. Views are thin: a scoped queryset, a form, one service, a message."""

from __future__ import annotations

import hashlib

from django.contrib import messages
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from approvals import permissions
from approvals.forms import ReportUploadForm
from approvals.importer.errors import ReportError
from approvals.importer.files import parse_report_file
from approvals.importer.writer import import_plan
from approvals.models import Action, BudgetItem, Indicator, Measure, Plan, RoleAssignment, budget_totals
from approvals.types import AgencyHttpRequest, AuthenticatedHttpRequest

PENDING_IMPORT_KEY = "approvals.pending_import"


def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    if permissions.oversight_area(request.user) is not None:
        # The province's and districts' oversight officers belong to no agency: their home is their area.
        return redirect("oversight:overview")
    plans = Plan.objects.visible_to(request.user).select_related("fiscal_year")
    # Grants waiting for this person's confirmation (the chief administrator's or the mayor's).
    waiting = [
        a
        for a in RoleAssignment.objects.visible_to(request.user).proposed()
        if permissions.check(request.user, permissions.CONFIRM_GRANT, a) is None
    ]
    return render(request, "approvals/home.html", {"plans": plans, "grants_to_confirm": len(waiting)})


def plan_detail(request: AuthenticatedHttpRequest, year: int) -> HttpResponse:
    plan = get_object_or_404(
        Plan.objects.visible_to(request.user).select_related("agency", "fiscal_year"), fiscal_year__year=year
    )
    actions = Action.objects.select_related("indicator").prefetch_related("divisions").order_by("position")
    indicators = Indicator.objects.order_by("number").prefetch_related(Prefetch("actions", queryset=actions))
    measures = Measure.objects.filter(plan=plan).order_by("number")
    measures = measures.prefetch_related(Prefetch("indicators", queryset=indicators))
    budget_items = list(BudgetItem.objects.filter(plan=plan).with_spent().order_by("number"))
    return render(
        request,
        "approvals/plan_detail.html",
        {
            "plan": plan,
            "measures": measures,
            "budget_items": budget_items,
            "budget_totals": budget_totals(budget_items),
        },
    )


@require_http_methods(["GET", "POST"])
def plan_import(request: AgencyHttpRequest) -> HttpResponse:
    """Step 1: upload the report; it is parsed and kept in the session until confirmed."""
    # A refusal (NotAllowed is a PermissionDenied) is shown by templates/403.html with its reason.
    permissions.require(request.user, permissions.IMPORT_PLAN)
    form = ReportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data["report"].read()
        try:
            report = parse_report_file(
                data, agency=request.user.agency.name, fiscal_year=form.cleaned_data["fiscal_year"]
            )
        except ReportError as exc:
            form.add_error("report", str(exc))
        else:
            request.session[PENDING_IMPORT_KEY] = {
                "name": form.cleaned_data["report"].name,
                "sha256": hashlib.sha256(data).hexdigest(),
                "report": report.to_dict(),
            }
            return redirect("approvals:plan-import-confirm")
    return render(request, "approvals/plan_import.html", {"form": form})


@require_http_methods(["GET", "POST"])
def plan_import_confirm(request: AgencyHttpRequest) -> HttpResponse:
    """Step 2: show the parsed plan; writing happens only when the administrator confirms."""
    # A refusal (NotAllowed is a PermissionDenied) is shown by templates/403.html with its reason.
    permissions.require(request.user, permissions.IMPORT_PLAN)
    pending = request.session.get(PENDING_IMPORT_KEY)
    if not pending:
        messages.info(request, _("Upload a report first."))
        return redirect("approvals:plan-import")
    report = pending["report"]
    if request.method == "POST":
        if "cancel" in request.POST:
            del request.session[PENDING_IMPORT_KEY]
            messages.info(request, _("The import was cancelled; nothing was changed."))
            return redirect("approvals:plan-import")
        summary = import_plan(
            report,
            agency=request.user.agency,
            by=request.user,
            source_name=pending["name"],
            source_sha256=pending["sha256"],
        )
        del request.session[PENDING_IMPORT_KEY]
        if summary.changed:
            messages.success(
                request,
                _("The plan was imported: %(created)s records created, %(updated)s updated.")
                % {"created": summary.created, "updated": summary.updated},
            )
        else:
            messages.info(request, _("The plan already matched this report; nothing was changed."))
        for warning in summary.warnings:
            messages.warning(request, warning)
        return redirect("approvals:plan-detail", year=report["fiscal_year"])
    action_count = sum(len(i["actions"]) for m in report["measures"] for i in m["indicators"])
    return render(
        request,
        "approvals/plan_import_confirm.html",
        {"pending": pending, "report": report, "action_count": action_count},
    )
