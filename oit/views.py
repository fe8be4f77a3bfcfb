"""Pages of the OIT disclosure items: the agency's OIT progress (what is missing), an item's page where its
division records where it is published and uploads the document, and the administrator's adoption of the
year's catalogue. The review and the approval are the plan's own task pages."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from approvals import permissions
from approvals.exceptions import DomainError, NotAllowed
from approvals.models import Division, Plan, Submission, User
from approvals.types import AgencyHttpRequest, AuthenticatedHttpRequest
from oit import catalogue as catalogues
from oit import forms, services
from oit import progress as oit_progress
from oit.models import DisclosureItem


def current_progress(request: AuthenticatedHttpRequest) -> HttpResponse:
    plan = Plan.objects.visible_to(request.user).select_related("fiscal_year").order_by("-fiscal_year__year").first()
    if plan is None:
        messages.info(request, _("Your agency has no plan yet."))
        return redirect("home")
    return redirect("oit:progress", year=plan.fiscal_year.year)


def progress(request: AuthenticatedHttpRequest, year: int) -> HttpResponse:
    """Every OIT item of the year's plan, and what is still missing."""
    plan = permissions.get_or_404(
        Plan.objects.visible_to(request.user).select_related("agency", "fiscal_year"),
        request.user,
        fiscal_year__year=year,
    )
    rows = oit_progress.rows(plan)
    missing = [row for row in rows if row.is_missing]
    # The same figure as the dashboards' and the public page's "OIT items approved" (one definition).
    done = oit_progress.completion([plan.pk]).get(plan.pk, oit_progress.Completion(approved=0, total=0))
    return render(
        request,
        "oit/progress.html",
        {
            "plan": plan,
            "rows": rows,
            "missing": len(missing),
            "approved": done.approved,
            "total": done.total,
            "can_adopt": permissions.check(request.user, permissions.IMPORT_PLAN, plan) is None,
            "nav": "oit",
        },
    )


def _current_draft(item: DisclosureItem, user: User) -> Submission | None:
    """The person's division's draft of the item in its current round, if they may work on it."""
    action = item.action
    for submission in Submission.objects.filter(
        action=action, round=action.current_round, status=Submission.Status.DRAFT
    ).select_related("action", "division"):
        if permissions.check(user, permissions.WORK_ON_ACTION, submission) is None:
            return submission
    return None


def item_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    item = permissions.get_or_404(
        DisclosureItem.objects.visible_to(request.user).select_related("action", "plan__fiscal_year"),
        request.user,
        pk=pk,
    )
    draft = _current_draft(item, request.user)
    latest = (
        Submission.objects.filter(action=item.action, published_link__isnull=False)
        .select_related("published_link")
        .order_by("-round")
        .first()
    )
    previous = latest.published_link.url if latest else ""
    form = forms.PublicationForm(initial={"url": previous, "note": draft.results if draft else ""})
    status = 200
    if request.method == "POST":
        form = forms.PublicationForm(request.POST, request.FILES)
        if draft is None:
            permissions.require(request.user, permissions.WORK_ON_ACTION, item.action)
            messages.error(request, _("There is nothing to record for this item now."))
            return redirect("oit:item", pk=item.pk)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.record_publication(
                    draft,
                    by=request.user,
                    url=data["url"],
                    note=data["note"],
                    document=data["document"],
                    submit="submit" in request.POST,
                )
            except DomainError as error:
                form.add_error(None, str(error))
                status = 403 if isinstance(error, NotAllowed) else 400
            else:
                if "submit" in request.POST:
                    messages.success(request, _("%(item)s was sent for review.") % {"item": item})
                else:
                    messages.success(request, _("The draft was saved."))
                return redirect("oit:item", pk=item.pk)
        else:
            status = 400
    return render(
        request,
        "oit/item.html",
        {
            "item": item,
            "draft": draft,
            "form": form,
            "submissions": item.action.submissions.select_related("division", "published_link").order_by("round"),
            "evidence": draft.evidence.filter(is_removed=False) if draft else [],
            "checks": item.link_checks.all()[:20],
            "nav": "oit",
        },
        status=status,
    )


def _newest_usable(years: list[int]) -> int | None:
    for year in years:
        try:
            if catalogues.load(year).usable:
                return year
        except catalogues.CatalogueError:
            continue
    return years[0] if years else None


def adopt(request: AgencyHttpRequest) -> HttpResponse:
    """The administrator adds the year's OIT catalogue to a plan."""
    permissions.require(request.user, permissions.IMPORT_PLAN, None)
    years = catalogues.available_years()
    plans = list(Plan.objects.visible_to(request.user).exclude(status=Plan.Status.CLOSED).select_related("fiscal_year"))
    chosen_year = request.POST.get("catalogue") or request.GET.get("catalogue") or _newest_usable(years)
    chosen = None
    error = ""
    try:
        chosen = catalogues.load(int(chosen_year)) if chosen_year and str(chosen_year).isdigit() else None
    except catalogues.CatalogueError as problem:
        error = str(problem)
    divisions = list(Division.objects.filter(agency_id=request.user.agency_id, is_active=True))
    form = forms.AdoptForm(
        request.POST or None,
        initial={"catalogue": chosen.year if chosen else None},
        years=years,
        plans=plans,
        usual=chosen.divisions if chosen else [],
        divisions=divisions,
    )
    status = 200 if not error else 400
    if request.method == "POST" and chosen is not None and "adopt" in request.POST:
        if form.is_valid():
            plan = permissions.get_or_404(
                Plan.objects.visible_to(request.user), request.user, pk=form.cleaned_data["plan"]
            )
            try:
                items = services.adopt_catalogue(plan, chosen.year, by=request.user, divisions=form.mapping())
            except DomainError as problem:
                form.add_error(None, str(problem))
                status = 400
            else:
                messages.success(
                    request,
                    _("%(count)s OIT items of %(year)s are now work of the plan.")
                    % {"count": len(items), "year": chosen.year},
                )
                return redirect("oit:progress", year=plan.fiscal_year.year)
        else:
            status = 400
    return render(
        request,
        "oit/adopt.html",
        {"form": form, "catalogue": chosen, "error": error, "nav": "oit"},
        status=status,
    )
