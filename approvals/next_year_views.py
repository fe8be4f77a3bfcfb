"""The scores page and the draft plan page (approvals/scores.py, approvals/next_year.py). Views are thin: a
scoped lookup, a form, one service, a message."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from approvals import next_year, permissions, scores
from approvals.exceptions import DomainError
from approvals.models import Action, BudgetItem, Indicator, Measure, Plan, PlanReview
from approvals.next_year_forms import DecisionForm, DraftActionForm, ScoresForm
from approvals.thaidate import be_numeric_date
from approvals.types import AgencyHttpRequest, AuthenticatedHttpRequest


def _can(request: AuthenticatedHttpRequest, perm: str, obj: object | None = None) -> bool:
    return permissions.check(request.user, perm, obj) is None


@require_GET
def scores_template(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The CSV template of an ITA result, for the administrator to fill in."""
    permissions.require(request.user, permissions.IMPORT_PLAN)
    response = HttpResponse(scores.template_csv().encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="ita-scores.csv"'
    return response


@require_http_methods(["GET", "POST"])
def scores_page(request: AgencyHttpRequest, year: int) -> HttpResponse:
    """The ITA result of fiscal year `year`: entered, and looked back on indicator by indicator."""
    permissions.require(request.user, permissions.VIEW_PLAN)
    agency = request.user.agency
    result = scores.result_of(agency, year)
    initial = {}
    if result is not None:
        initial = {f"score_{score.number}": score.score for score in result.scores.all()} | {"total": result.total}
    form = ScoresForm(request.POST or None, request.FILES or None, initial=initial)
    can_enter = _can(request, permissions.IMPORT_PLAN, agency)
    if request.method == "POST":
        permissions.require(request.user, permissions.IMPORT_PLAN, agency)
        if form.is_valid():
            source = form.cleaned_data["csv_file"].name if form.cleaned_data.get("csv_file") else ""
            try:
                scores.save_ita_result(agency, year, form.cleaned_data["scores"], by=request.user, source_name=source)
            except DomainError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, _("The ITA result was saved."))
                return redirect("approvals:scores", year=year)
    plan = Plan.objects.visible_to(request.user).filter(fiscal_year__year=year).first()
    following = (
        Plan.objects.visible_to(request.user).filter(fiscal_year__year=year + 1).select_related("review").first()
    )
    return render(
        request,
        "approvals/scores.html",
        {
            "year": year,
            "result": result,
            "form": form,
            "rows": scores.look_back(agency, year),
            "plan": plan,
            "following": following,
            "following_review": getattr(following, "review", None) if following else None,
            "can_enter": can_enter,
            "can_draft": can_enter and plan is not None and following is None,
            "settings_maintain": settings.ITA_MAINTAIN_AT,
            "settings_urgent": settings.ITA_URGENT_BELOW,
        },
    )


@require_http_methods(["POST"])
def draft_next_year(request: AgencyHttpRequest, year: int) -> HttpResponse:
    """Draft the plan of `year` + 1 from the plan and scores of `year`."""
    permissions.require(request.user, permissions.IMPORT_PLAN)
    plan = Plan.objects.visible_to(request.user).filter(fiscal_year__year=year).first()
    if plan is None:
        messages.error(request, _("There is no plan of fiscal year %(year)s to draft from.") % {"year": year})
        return redirect("approvals:scores", year=year)
    try:
        review = next_year.draft_next_year_plan(plan, by=request.user)
    except DomainError as error:
        messages.error(request, str(error))
        return redirect("approvals:scores", year=year)
    messages.success(request, _("The draft plan of fiscal year %(year)s was made.") % {"year": year + 1})
    return redirect("approvals:plan-draft", pk=review.pk)


def _apply(request: AuthenticatedHttpRequest, review: PlanReview) -> None:
    """Run the one service the posted button asks for; a refusal or an invalid change becomes a message."""
    do = request.POST.get("do", "")
    agency_id = review.agency_id
    decision = DecisionForm(request.POST)
    reason = decision.cleaned_data["reason"] if decision.is_valid() else ""
    actions = Action.objects.visible_to(request.user).filter(indicator__measure__plan=review.plan)
    if do == "submit":
        next_year.submit_plan_draft(review, by=request.user)
        messages.success(request, _("The draft plan was sent to the chief administrator."))
    elif do in ("accept", "return_review"):
        next_year.review_plan_draft(review, by=request.user, accept=do == "accept", reason=reason)
        messages.success(request, _("Your review was recorded."))
    elif do in ("approve", "return_approval"):
        next_year.approve_plan_draft(review, by=request.user, approve=do == "approve", reason=reason)
        messages.success(request, _("Your decision was recorded."))
    elif do == "activate":
        next_year.activate_plan_draft(review, by=request.user)
        messages.success(request, _("The plan was activated; the divisions have their tasks."))
    elif do in ("add", "change"):
        form = DraftActionForm(request.POST, agency_id=agency_id)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, str(error))
            return
        data = form.cleaned_data
        divisions = list(data["divisions"])
        if do == "add":
            indicators = Indicator.objects.visible_to(request.user).filter(measure__plan=review.plan)
            indicator = permissions.get_or_404(indicators, request.user, pk=request.POST.get("indicator", 0))
            next_year.add_draft_action(
                indicator,
                by=request.user,
                text=data["text"],
                divisions=divisions,
                all_divisions=data["all_divisions"],
                due_date=data["due_date"],
            )
            messages.success(request, _("The action was added."))
        else:
            action = permissions.get_or_404(actions, request.user, pk=request.POST.get("action", 0))
            next_year.change_draft_action(
                action,
                by=request.user,
                divisions=divisions,
                all_divisions=data["all_divisions"],
                due_date=data["due_date"],
            )
            messages.success(request, _("The action was changed."))
    elif do == "remove":
        action = permissions.get_or_404(actions, request.user, pk=request.POST.get("action", 0))
        next_year.remove_draft_action(action, by=request.user)
        messages.success(request, _("The action was removed."))
    else:
        messages.error(request, _("Choose what to do."))


@require_http_methods(["GET", "POST"])
def plan_draft(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A plan drafted for the next year: edited by the administrator, reviewed, approved, activated."""
    reviews = PlanReview.objects.visible_to(request.user).select_related(
        "plan__fiscal_year", "source_plan__fiscal_year"
    )
    review = permissions.get_or_404(reviews, request.user, pk=pk)
    permissions.require(request.user, permissions.VIEW_PLAN, review)
    if request.method == "POST":
        try:
            _apply(request, review)
        except DomainError as error:
            messages.error(request, str(error))
        return redirect("approvals:plan-draft", pk=review.pk)
    actions = Action.objects.prefetch_related("divisions").order_by("position")
    indicators = Indicator.objects.order_by("number").prefetch_related(Prefetch("actions", queryset=actions))
    measures = list(
        Measure.objects.filter(plan=review.plan)
        .order_by("number")
        .prefetch_related(Prefetch("indicators", queryset=indicators))
    )
    look_back = {row.number: row for row in scores.look_back(review.agency, review.source_plan.fiscal_year.year)}
    for measure in measures:
        # What the page shows beside each indicator and action, kept on the prefetched objects it renders.
        shown_indicator: Any
        for shown_indicator in measure.indicators.all():
            shown_indicator.look_back = look_back.get(shown_indicator.number)
            shown_action: Any
            for shown_action in shown_indicator.actions.all():
                shown_action.due_text = be_numeric_date(shown_action.due_date) if shown_action.due_date else ""
    budget_items = list(BudgetItem.objects.filter(plan=review.plan).order_by("number"))
    admin = _can(request, permissions.IMPORT_PLAN, review)
    state = PlanReview.State
    return render(
        request,
        "approvals/plan_draft.html",
        {
            "review": review,
            "plan": review.plan,
            "measures": measures,
            "budget_items": budget_items,
            "budget_planned": sum((item.amount for item in budget_items), Decimal("0")),
            "editable": admin and review.state == state.DRAFT,
            "can_submit": admin and review.state == state.DRAFT,
            "can_review": review.state == state.SUBMITTED and _can(request, permissions.REVIEW_PLAN_DRAFT, review),
            "can_approve": review.state == state.ACCEPTED and _can(request, permissions.APPROVE_PLAN_DRAFT, review),
            "can_activate": admin and review.state == state.APPROVED,
            "divisions": DraftActionForm(agency_id=review.agency_id).fields["divisions"].queryset,
        },
    )
