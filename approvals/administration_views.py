"""The agency administration pages (การบริหารจัดการหน่วยงาน): divisions, people, roles and appointments,
the plan's due dates and responsible divisions, and the budget with its spending.

The agency administrator changes; the internal auditors read; the chief administrator and the mayor confirm
grants; the finance division records spending. Every change asks for a reason and goes through one service.
Views are thin: a scoped queryset (404 outside the agency, recorded), a form, one service, a message."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.db.models import Count, Prefetch, Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from approvals import administration, permissions, services
from approvals import administration_forms as forms
from approvals.exceptions import DomainError
from approvals.models import (
    Action,
    Agency,
    BudgetItem,
    Division,
    Expenditure,
    Plan,
    RoleAssignment,
    User,
    budget_totals,
)
from approvals.thaidate import be_date
from approvals.types import AuthenticatedHttpRequest

if TYPE_CHECKING:
    from approvals.types import AgencyUser

# --- helpers -----------------------------------------------------------------------------------------------------


def _can_view(request: AuthenticatedHttpRequest) -> None:
    # A refusal (NotAllowed is a PermissionDenied) is shown by templates/403.html and recorded.
    permissions.require(request.user, permissions.VIEW_ADMINISTRATION)


def _can(request: AuthenticatedHttpRequest, perm: str, obj: object | None = None) -> bool:
    return permissions.check(request.user, perm, obj) is None


def _done(request: AuthenticatedHttpRequest, call, success: str) -> bool:
    """Run one service call; a refusal or invalid change becomes an error message."""
    try:
        call()
    except DomainError as error:
        messages.error(request, str(error))
        return False
    messages.success(request, success)
    return True


def _invalid(request: AuthenticatedHttpRequest, form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)


def _people(request: AuthenticatedHttpRequest):
    return permissions.scope(User.objects.all(), request.user)


def _person(request: AuthenticatedHttpRequest, pk: int) -> AgencyUser:
    # A person of another agency is not found (404), and the attempt is recorded.
    return permissions.get_or_404(_people(request), request.user, pk=pk)


def _agency(request: AuthenticatedHttpRequest) -> Agency:
    if request.user.agency is None:
        raise Http404
    return request.user.agency


# --- overview and the agency -------------------------------------------------------------------------------------


@require_GET
def overview(request: AuthenticatedHttpRequest) -> HttpResponse:
    _can_view(request)
    agency = _agency(request)
    plans = Plan.objects.visible_to(request.user).select_related("fiscal_year").order_by("-fiscal_year__year")
    return render(
        request,
        "approvals/administration/overview.html",
        {
            "agency": agency,
            "division_count": Division.objects.visible_to(request.user).filter(is_active=True).count(),
            "people_count": _people(request).filter(is_active=True).count(),
            "proposals": RoleAssignment.objects.visible_to(request.user).proposed().count(),
            "plans": plans,
            "can_manage": _can(request, permissions.MANAGE_AGENCY),
            "nav": "administration",
        },
    )


def agency_details(request: AuthenticatedHttpRequest) -> HttpResponse:
    _can_view(request)
    agency = _agency(request)
    form = forms.AgencyForm(
        request.POST or None, initial={"name": agency.name, "district": agency.district, "province": agency.province}
    )
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            if _done(
                request,
                lambda: administration.update_agency(
                    agency,
                    by=request.user,
                    reason=data["reason"],
                    name=data["name"],
                    district=data["district"],
                    province=data["province"],
                ),
                _("The agency's details were saved."),
            ):
                return redirect("approvals:administration")
        else:
            _invalid(request, form)
    return render(
        request,
        "approvals/administration/agency.html",
        {
            "agency": agency,
            "form": form,
            "can_manage": _can(request, permissions.MANAGE_AGENCY),
            "nav": "administration",
        },
    )


# --- divisions ---------------------------------------------------------------------------------------------------


def divisions(request: AuthenticatedHttpRequest) -> HttpResponse:
    _can_view(request)
    agency = _agency(request)
    form = forms.DivisionForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            if _done(
                request,
                lambda: administration.create_division(
                    agency,
                    by=request.user,
                    reason=data["reason"],
                    name=data["name"],
                    sort_order=data["sort_order"],
                    keeps_accounts=data["keeps_accounts"],
                ),
                _("The division %(name)s was added.") % {"name": data["name"]},
            ):
                return redirect("approvals:divisions")
        else:
            _invalid(request, form)
    members = dict(
        RoleAssignment.objects.visible_to(request.user)
        .active()
        .filter(division__isnull=False)
        .values_list("division")
        .annotate(people=Count("user", distinct=True))
    )
    listed = Division.objects.visible_to(request.user).order_by("sort_order", "name")
    return render(
        request,
        "approvals/administration/divisions.html",
        {
            "divisions": [{"division": d, "members": members.get(d.pk, 0)} for d in listed],
            "form": form,
            "can_manage": _can(request, permissions.MANAGE_AGENCY),
            "nav": "administration",
        },
    )


def division_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    _can_view(request)
    division = get_object_or_404(Division.objects.visible_to(request.user), pk=pk)
    form = forms.DivisionForm(
        request.POST or None,
        initial={
            "name": division.name,
            "sort_order": division.sort_order,
            "keeps_accounts": division.keeps_accounts,
            "is_active": division.is_active,
        },
    )
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            if _done(
                request,
                lambda: administration.update_division(
                    division,
                    by=request.user,
                    reason=data["reason"],
                    name=data["name"],
                    sort_order=data["sort_order"],
                    keeps_accounts=data["keeps_accounts"],
                    is_active=data["is_active"],
                ),
                _("The division was saved."),
            ):
                return redirect("approvals:divisions")
        else:
            _invalid(request, form)
    members = (
        RoleAssignment.objects.visible_to(request.user)
        .filter(division=division)
        .active()
        .select_related("user")
        .order_by("role", "user__first_name")
    )
    return render(
        request,
        "approvals/administration/division.html",
        {
            "division": division,
            "form": form,
            "members": members,
            "can_manage": _can(request, permissions.MANAGE_AGENCY),
            "nav": "administration",
        },
    )


# --- people ------------------------------------------------------------------------------------------------------


def people(request: AuthenticatedHttpRequest) -> HttpResponse:
    _can_view(request)
    agency = _agency(request)
    form = forms.NewPersonForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            created: list[User] = []
            if _done(
                request,
                lambda: created.append(
                    administration.create_person(
                        agency,
                        by=request.user,
                        reason=data["reason"],
                        username=data["username"],
                        first_name=data["first_name"],
                        last_name=data["last_name"],
                        position=data["position"],
                        email=data["email"],
                        password=data["password"],
                    )
                ),
                _("The account %(name)s was opened; grant its roles below.") % {"name": data["username"]},
            ):
                return redirect("approvals:person", pk=created[0].pk)
        else:
            _invalid(request, form)
    today = timezone.localdate()
    listed = list(
        _people(request)
        .prefetch_related(
            Prefetch(
                "role_assignments",
                queryset=RoleAssignment.objects.filter(status=RoleAssignment.Status.IN_EFFECT)
                .filter(valid_from__lte=today)
                .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
                .select_related("division", "acting_for"),
                to_attr="current_roles",
            )
        )
        .order_by("-is_active", "first_name", "username")
    )
    locked = administration.locked_out_usernames([p.username for p in listed])
    enrolled = set(TOTPDevice.objects.filter(user__in=listed, confirmed=True).values_list("user_id", flat=True))
    rows = [{"person": p, "locked": p.username in locked, "second_factor": p.pk in enrolled} for p in listed]
    return render(
        request,
        "approvals/administration/people.html",
        {"rows": rows, "form": form, "can_manage": _can(request, permissions.MANAGE_AGENCY), "nav": "administration"},
    )


def _person_page(request: AuthenticatedHttpRequest, person: AgencyUser, **forms_given: Any) -> HttpResponse:
    assignments = (
        RoleAssignment.objects.visible_to(request.user)
        .filter(user=person)
        .select_related("division", "acting_for", "granted_by", "confirmed_by")
        .order_by("-valid_from", "-pk")
    )
    today = timezone.localdate()
    details = forms_given.get("details") or forms.PersonForm(
        initial={
            "first_name": person.first_name,
            "last_name": person.last_name,
            "position": person.position,
            "email": person.email,
        }
    )
    return render(
        request,
        "approvals/administration/person.html",
        {
            "person": person,
            "assignments": [
                {
                    "assignment": a,
                    "in_effect": a.is_active(today),
                    "can_end": a.status == RoleAssignment.Status.IN_EFFECT
                    and (a.valid_until is None or a.valid_until >= today)
                    and _can(request, permissions.END_ROLE, a),
                    "can_extend": a.status == RoleAssignment.Status.IN_EFFECT
                    and a.valid_until is not None
                    and _can(request, permissions.GRANT_ROLE, a),
                }
                for a in assignments
            ],
            "details": details,
            "grant": forms_given.get("grant")
            or forms.GrantForm(agency_id=person.agency_id, initial={"valid_from": today}),
            "password": forms.TemporaryPasswordForm(),
            "reason_form": forms.ReasonOnlyForm(),
            "end_form": forms.EndForm(),
            "extend_form": forms.ExtendForm(),
            "locked": administration.is_locked_out(person),
            "second_factor": TOTPDevice.objects.filter(user=person, confirmed=True).exists(),
            "can_manage": _can(request, permissions.MANAGE_AGENCY),
            "can_manage_person": _can(request, permissions.MANAGE_PERSON, person),
            "can_set_password": _can(request, permissions.SET_PASSWORD, person),
            "password_refusal": permissions.check(request.user, permissions.SET_PASSWORD, person),
            "can_grant": _can(request, permissions.GRANT_ROLE, person),
            "grant_refusal": permissions.check(request.user, permissions.GRANT_ROLE, person),
            "nav": "administration",
        },
    )


def person(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    _can_view(request)
    subject = _person(request, pk)
    if request.method == "POST":
        form = forms.PersonForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            if _done(
                request,
                lambda: administration.update_person(
                    subject,
                    by=request.user,
                    reason=data["reason"],
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    position=data["position"],
                    email=data["email"],
                ),
                _("The person's details were saved."),
            ):
                return redirect("approvals:person", pk=subject.pk)
        else:
            _invalid(request, form)
        return _person_page(request, subject, details=form)
    return _person_page(request, subject)


@require_POST
def person_active(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    _can_view(request)
    subject = _person(request, pk)
    form = forms.ReasonOnlyForm(request.POST)
    if form.is_valid():
        active = request.POST.get("active") == "1"
        _done(
            request,
            lambda: administration.set_active(subject, active, by=request.user, reason=form.cleaned_data["reason"]),
            _("The account was reactivated.") if active else _("The account was deactivated."),
        )
    else:
        _invalid(request, form)
    return redirect("approvals:person", pk=subject.pk)


@require_POST
def person_unlock(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    _can_view(request)
    subject = _person(request, pk)
    form = forms.ReasonOnlyForm(request.POST)
    if form.is_valid():
        _done(
            request,
            lambda: administration.unlock_person(subject, by=request.user, reason=form.cleaned_data["reason"]),
            _("The sign-in lockout was lifted."),
        )
    else:
        _invalid(request, form)
    return redirect("approvals:person", pk=subject.pk)


@require_POST
def person_password(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    _can_view(request)
    subject = _person(request, pk)
    form = forms.TemporaryPasswordForm(request.POST)
    if form.is_valid():
        _done(
            request,
            lambda: administration.set_temporary_password(
                subject, form.cleaned_data["password"], by=request.user, reason=form.cleaned_data["reason"]
            ),
            _("The temporary password was set; the person must change it at their next sign-in."),
        )
    else:
        _invalid(request, form)
    return redirect("approvals:person", pk=subject.pk)


def person_grant(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    _can_view(request)
    subject = _person(request, pk)
    if request.method != "POST":
        return redirect("approvals:person", pk=subject.pk)
    form = forms.GrantForm(request.POST, agency_id=subject.agency_id)
    if not form.is_valid():
        _invalid(request, form)
        return _person_page(request, subject, grant=form)
    data = form.cleaned_data
    granted: list[RoleAssignment] = []
    try:
        granted.append(
            services.grant_role(
                subject,
                data["role"],
                division=data["division"],
                acting_for=data["acting_for"],
                valid_from=data["valid_from"],
                valid_until=data["valid_until"],
                by=request.user,
                reason=data["reason"],
                order_number=data["order_number"],
                order_date=data["order_date"],
                kind=data["kind"],
            )
        )
    except DomainError as error:
        messages.error(request, str(error))
        return _person_page(request, subject, grant=form)
    if granted[0].status == RoleAssignment.Status.PROPOSED:
        names = ", ".join(str(p) for p in permissions.confirmers_of(granted[0])) or _("a platform operator")
        messages.success(
            request,
            _("The grant was proposed. It takes effect once %(people)s confirms it.") % {"people": names},
        )
    else:
        messages.success(request, _("The role was granted."))
    return redirect("approvals:person", pk=subject.pk)


# --- roles and grants --------------------------------------------------------------------------------------------


@require_GET
def roles(request: AuthenticatedHttpRequest) -> HttpResponse:
    _can_view(request)
    today = timezone.localdate()
    assignments = (
        RoleAssignment.objects.visible_to(request.user)
        .select_related("user", "division", "acting_for", "granted_by", "confirmed_by")
        .order_by("role", "user__first_name", "-valid_from")
    )
    current = [a for a in assignments if a.is_active(today)]
    proposed = [a for a in assignments if a.status == RoleAssignment.Status.PROPOSED]
    return render(
        request,
        "approvals/administration/roles.html",
        {
            "current": current,
            "proposed": [{"assignment": a, "confirmers": permissions.confirmers_of(a)} for a in proposed],
            "nav": "administration",
        },
    )


@require_GET
def grants(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Proposed grants: those the person may confirm, and (for administrators and auditors) all of them."""
    proposals = (
        RoleAssignment.objects.visible_to(request.user)
        .proposed()
        .select_related("user", "division", "acting_for", "granted_by")
        .order_by("valid_from", "pk")
    )
    rows = [
        {
            "assignment": a,
            "can_confirm": _can(request, permissions.CONFIRM_GRANT, a),
            "can_decline": _can(request, permissions.DECLINE_GRANT, a),
            "confirmers": permissions.confirmers_of(a),
        }
        for a in proposals
    ]
    if not _can(request, permissions.VIEW_ADMINISTRATION):
        rows = [row for row in rows if row["can_confirm"]]
        if not rows and not _can(request, permissions.CONFIRM_GRANT):
            permissions.require(request.user, permissions.VIEW_ADMINISTRATION)
    return render(
        request,
        "approvals/administration/grants.html",
        {"rows": rows, "form": forms.ReasonOnlyForm(), "nav": "administration"},
    )


def _assignment(request: AuthenticatedHttpRequest, pk: int) -> RoleAssignment:
    return get_object_or_404(RoleAssignment.objects.visible_to(request.user).select_related("user"), pk=pk)


@require_POST
def grant_confirm(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    assignment = _assignment(request, pk)
    form = forms.ReasonOnlyForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    _done(
        request,
        lambda: services.confirm_grant(assignment, by=request.user, reason=reason),
        _("You confirmed the grant; it is now in effect."),
    )
    return redirect("approvals:grants")


@require_POST
def grant_decline(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    assignment = _assignment(request, pk)
    form = forms.ReasonOnlyForm(request.POST)
    if form.is_valid():
        _done(
            request,
            lambda: services.decline_grant(assignment, by=request.user, reason=form.cleaned_data["reason"]),
            _("The grant was declined."),
        )
    else:
        _invalid(request, form)
    return redirect("approvals:grants")


@require_POST
def role_end(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    _can_view(request)
    assignment = _assignment(request, pk)
    form = forms.EndForm(request.POST)
    if not form.is_valid():
        _invalid(request, form)
        return redirect("approvals:person", pk=assignment.user_id)
    try:
        ended = services.end_role(
            assignment, on=form.cleaned_data["on"], by=request.user, reason=form.cleaned_data["reason"]
        )
    except DomainError as error:
        messages.error(request, str(error))
    else:
        over = ended.valid_until is not None and ended.valid_until < timezone.localdate()
        if ended.status == RoleAssignment.Status.ENDED or over:
            messages.success(request, _("%(role)s has ended; it is no longer in effect.") % {"role": ended})
        else:
            messages.success(
                request,
                _("%(role)s stays in effect until %(day)s, its last day.")
                % {"role": ended, "day": be_date(ended.valid_until)},
            )
    return redirect("approvals:person", pk=assignment.user_id)


@require_POST
def role_extend(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    _can_view(request)
    assignment = _assignment(request, pk)
    form = forms.ExtendForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        _done(
            request,
            lambda: services.extend_role(
                assignment,
                until=data["until"],
                by=request.user,
                reason=data["reason"],
                order_number=data["order_number"],
                order_date=data["order_date"],
            ),
            _("The extension was proposed; it takes effect once confirmed.")
            if assignment.needs_confirmation()
            else _("The role was extended."),
        )
    else:
        _invalid(request, form)
    return redirect("approvals:person", pk=assignment.user_id)


# --- the plan: due dates, responsible divisions, cancellations ---------------------------------------------------


@require_GET
def plan_actions(request: AuthenticatedHttpRequest, year: int) -> HttpResponse:
    _can_view(request)
    plan = get_object_or_404(
        Plan.objects.visible_to(request.user).select_related("fiscal_year"), fiscal_year__year=year
    )
    actions = (
        Action.objects.filter(indicator__measure__plan=plan)
        .select_related("indicator__measure")
        .prefetch_related("divisions")
        .order_by("indicator__measure__number", "indicator__number", "position")
    )
    return render(
        request,
        "approvals/administration/plan_actions.html",
        {"plan": plan, "actions": actions, "today": timezone.localdate(), "nav": "administration"},
    )


def action_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    _can_view(request)
    action = get_object_or_404(
        Action.objects.visible_to(request.user).select_related("indicator__measure__plan__fiscal_year"), pk=pk
    )
    due_form = forms.DueDateForm(initial={"due_date": action.due_date})
    responsibility_form = forms.ResponsibilityForm(
        agency_id=action.agency_id,
        initial={"all_divisions": action.all_divisions, "divisions": list(action.divisions.all())},
    )
    if request.method == "POST":
        if "due_date" in request.POST:
            due_form = forms.DueDateForm(request.POST)
            if due_form.is_valid():
                data = due_form.cleaned_data
                if _done(
                    request,
                    lambda: services.set_due_date(
                        action, by=request.user, due_date=data["due_date"], reason=data["reason"]
                    ),
                    _("The due date was saved."),
                ):
                    return redirect("approvals:action-edit", pk=action.pk)
            else:
                _invalid(request, due_form)
        else:
            responsibility_form = forms.ResponsibilityForm(request.POST, agency_id=action.agency_id)
            if responsibility_form.is_valid():
                data = responsibility_form.cleaned_data
                if _done(
                    request,
                    lambda: administration.set_responsible_divisions(
                        action,
                        list(data["divisions"]),
                        all_divisions=data["all_divisions"],
                        by=request.user,
                        reason=data["reason"],
                    ),
                    _("The responsible divisions were saved."),
                ):
                    return redirect("approvals:action-edit", pk=action.pk)
            else:
                _invalid(request, responsibility_form)
    return render(
        request,
        "approvals/administration/action.html",
        {
            "action": action,
            "plan": action.indicator.measure.plan,
            "due_form": due_form,
            "responsibility_form": responsibility_form,
            "started": hasattr(action, "process"),
            "can_manage": _can(request, permissions.MANAGE_AGENCY, action),
            "nav": "administration",
        },
    )


# --- budget and spending -----------------------------------------------------------------------------------------


def budget(request: AuthenticatedHttpRequest, year: int) -> HttpResponse:
    """The plan's budget: planned against spent per item; the administrator and finance add items."""
    plan = get_object_or_404(
        Plan.objects.visible_to(request.user).select_related("fiscal_year"), fiscal_year__year=year
    )
    permissions.require(request.user, permissions.VIEW_PLAN, plan)
    form = forms.BudgetItemForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            if _done(
                request,
                lambda: administration.save_budget_item(
                    plan,
                    by=request.user,
                    reason=data["reason"],
                    number=data["number"],
                    item=data["item"],
                    amount=data["amount"],
                ),
                _("The budget item was added."),
            ):
                return redirect("approvals:budget", year=year)
        else:
            _invalid(request, form)
    items = list(BudgetItem.objects.filter(plan=plan).with_spent().order_by("number"))
    return render(
        request,
        "approvals/administration/budget.html",
        {
            "plan": plan,
            "items": items,
            "totals": budget_totals(items),
            "form": form,
            "can_manage": _can(request, permissions.MANAGE_BUDGET),
            "can_record": _can(request, permissions.RECORD_SPENDING),
            "nav": "budget",
        },
    )


def budget_item(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """One budget item: its spending, recorded by the finance division; corrections of the item."""
    item = get_object_or_404(
        BudgetItem.objects.visible_to(request.user).select_related("plan__fiscal_year").with_spent(), pk=pk
    )
    permissions.require(request.user, permissions.VIEW_PLAN, item)
    spending_form = forms.ExpenditureForm()
    item_form = forms.BudgetItemForm(initial={"number": item.number, "item": item.item, "amount": item.amount})
    if request.method == "POST":
        if "document_number" in request.POST:
            spending_form = forms.ExpenditureForm(request.POST, request.FILES)
            if spending_form.is_valid():
                data = spending_form.cleaned_data
                if _done(
                    request,
                    lambda: administration.record_expenditure(
                        item,
                        by=request.user,
                        reason=data["reason"],
                        amount=data["amount"],
                        spent_on=data["spent_on"],
                        document_number=data["document_number"],
                        description=data["description"],
                        evidence=data["evidence"],
                    ),
                    _("The spending was recorded."),
                ):
                    return redirect("approvals:budget-item", pk=item.pk)
            else:
                _invalid(request, spending_form)
        else:
            item_form = forms.BudgetItemForm(request.POST)
            if item_form.is_valid():
                data = item_form.cleaned_data
                if _done(
                    request,
                    lambda: administration.save_budget_item(
                        item.plan,
                        budget_item=item,
                        by=request.user,
                        reason=data["reason"],
                        number=data["number"],
                        item=data["item"],
                        amount=data["amount"],
                    ),
                    _("The budget item was saved."),
                ):
                    return redirect("approvals:budget-item", pk=item.pk)
            else:
                _invalid(request, item_form)
    spending = Expenditure.objects.filter(budget_item=item).select_related("recorded_by").order_by("spent_on", "pk")
    return render(
        request,
        "approvals/administration/budget_item.html",
        {
            "item": item,
            "plan": item.plan,
            "spending": spending,
            "remaining": item.amount - item.spent,
            "spending_form": spending_form,
            "item_form": item_form,
            "withdraw_form": forms.ReasonOnlyForm(),
            "can_manage": _can(request, permissions.MANAGE_BUDGET, item),
            "can_record": _can(request, permissions.RECORD_SPENDING, item),
            "can_open_documents": _can(request, permissions.VIEW_SPENDING_EVIDENCE, item),
            "nav": "budget",
        },
    )


@require_POST
def expenditure_withdraw(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    expenditure = get_object_or_404(Expenditure.objects.visible_to(request.user), pk=pk)
    form = forms.ReasonOnlyForm(request.POST)
    if form.is_valid():
        _done(
            request,
            lambda: administration.withdraw_expenditure(
                expenditure, by=request.user, reason=form.cleaned_data["reason"]
            ),
            _("The spending entry was withdrawn; it no longer counts."),
        )
    else:
        _invalid(request, form)
    return redirect("approvals:budget-item", pk=expenditure.budget_item_id)


@require_GET
def expenditure_document(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    """The scan of a spending document, served only to those who may open it."""
    expenditure = get_object_or_404(Expenditure.objects.visible_to(request.user), pk=pk)
    permissions.require(request.user, permissions.VIEW_SPENDING_EVIDENCE, expenditure)
    if not expenditure.evidence:
        raise Http404(_("This spending entry has no document file."))
    try:
        handle = expenditure.evidence.open("rb")
    except FileNotFoundError:
        raise Http404(_("The stored file is missing.")) from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=expenditure.evidence_name,
        content_type=expenditure.evidence_content_type or "application/octet-stream",
    )
    response["Cache-Control"] = "private, no-store"
    return response
