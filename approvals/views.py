"""Pages of the plan. Views are thin: a scoped queryset, a template, nothing else."""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from approvals.models import Action, Indicator, Measure, Plan


def home(request: HttpRequest) -> HttpResponse:
    plans = Plan.objects.visible_to(request.user).select_related("fiscal_year")
    return render(request, "approvals/home.html", {"plans": plans})


def plan_detail(request: HttpRequest, year: int) -> HttpResponse:
    plan = get_object_or_404(
        Plan.objects.visible_to(request.user).select_related("agency", "fiscal_year"), fiscal_year__year=year
    )
    actions = Action.objects.select_related("indicator").prefetch_related("divisions").order_by("position")
    indicators = Indicator.objects.order_by("number").prefetch_related(Prefetch("actions", queryset=actions))
    measures = Measure.objects.filter(plan=plan).order_by("number")
    measures = measures.prefetch_related(Prefetch("indicators", queryset=indicators))
    return render(
        request,
        "approvals/plan_detail.html",
        {"plan": plan, "measures": measures, "budget_items": plan.budget_items.order_by("number")},
    )
