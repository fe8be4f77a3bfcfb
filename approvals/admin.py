"""Django admin for every domain model: a tool of platform operators (superusers) only.

Agency staff never reach it (approvals.admin_site). Where an operator uses it:
- every change asks for a reason, stored on the history row;
- every dropdown of a record's form lists only the record's own agency, and a save that mixes agencies
  is refused;
- roles are granted, ended and confirmed through the same services as our pages (four eyes included),
  passwords are set through `set_temporary_password` (recorded), fiscal years through `save_fiscal_year`;
- records the workflow writes (submissions, evidence, decisions, refusals) are read-only.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.db import models as db_models
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from approvals import administration, models, permissions, services
from approvals.exceptions import DomainError, NotAllowed
from approvals.transactions import lock_chains
from audit import reasons

# System reasons of the admin (audit/reasons.py puts them into words).
OPERATOR_CONFIRMED_REASON = reasons.code(reasons.OPERATOR_CONFIRMED)


class ReasonForm(forms.ModelForm):
    """Asks for the reason of the change and refuses a record whose references span two agencies."""

    change_reason = forms.CharField(
        label=_("Reason for this change"),
        max_length=500,
        help_text=_("Stored in the change history for the internal auditors."),
    )

    def clean(self):
        cleaned = super().clean()
        agencies = set()
        agency = cleaned.get("agency") or getattr(self.instance, "agency", None)
        if isinstance(agency, models.Agency):
            agencies.add(agency.pk)
        for value in cleaned.values():
            values = value if isinstance(value, list | tuple | db_models.QuerySet) else [value]
            for item in values:
                agency_id = getattr(item, "agency_id", None)
                if isinstance(item, db_models.Model) and agency_id is not None:
                    agencies.add(agency_id)
        if len(agencies) > 1:
            raise ValidationError(_("Every record this one refers to must belong to the same agency."))
        return cleaned


class ServiceRefused(Exception):
    """A service refused what an operator saved: the admin shows why instead of saving."""

    def __init__(self, error: DomainError) -> None:
        super().__init__(str(error))
        self.error = error


class AgencyScopedAdmin(SimpleHistoryAdmin):
    """Records a reason with every change and lists, in each dropdown, only the record's own agency."""

    form = ReasonForm

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceRefused as refused:
            # The admin's transaction rolled back: a refusal it recorded is written again.
            if isinstance(refused.error, NotAllowed):
                permissions.keep_refusal(refused.error)
            messages.error(request, str(refused))
            return HttpResponseRedirect(request.get_full_path())

    def get_form(self, request, obj=None, change=False, **kwargs):
        # The agency whose records the dropdowns may list: the record's own, or ?agency= on an add page.
        request._admin_agency_id = getattr(obj, "agency_id", None) or request.GET.get("agency") or None
        return super().get_form(request, obj, change, **kwargs)

    def _scoped(self, request, queryset):
        agency_id = getattr(request, "_admin_agency_id", None)
        model = queryset.model
        if agency_id and any(f.name == "agency" for f in model._meta.get_fields()):
            return queryset.filter(agency_id=agency_id)
        return queryset

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset") and db_field.name != "agency":
            field.queryset = self._scoped(request, field.queryset)
        return field

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset"):
            field.queryset = self._scoped(request, field.queryset)
        return field

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if "change_reason" in fields:
            fields.remove("change_reason")
            fields.append("change_reason")
        return fields

    def save_model(self, request, obj, form, change):
        # The one lock order (docs/audit.md): the agency's chain lock before the row's (the admin's view runs in a
        # transaction), so an admin change never deadlocks with the agency's workflow or background work.
        agency_id = obj.pk if isinstance(obj, models.Agency) else getattr(obj, "agency_id", None)
        if agency_id:  # a new agency has no chain yet
            lock_chains(agency_id)
        services.save_with_history(obj, by=request.user, reason=form.cleaned_data["change_reason"])

    def has_delete_permission(self, request, obj=None):
        # Records an audit trail points at are never deleted through the admin.
        return False


class ReadOnlyRecordAdmin(SimpleHistoryAdmin):
    """Submissions, decisions, evidence and refusals change only through the workflow's services."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(models.Agency)
class AgencyAdmin(AgencyScopedAdmin):
    list_display = ("name", "kind", "district", "province", "slug")
    search_fields = ("name", "district", "province")


class OperatorPasswordForm(AdminPasswordChangeForm):
    """An operator's password change for a person: recorded through the service, with its reason."""

    change_reason = forms.CharField(label=_("Reason for this change"), max_length=500)

    def __init__(self, user, *args, operator=None, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.operator = operator

    def save(self, commit=True):
        try:
            return administration.set_temporary_password(
                self.user,
                self.cleaned_data["password1"],
                by=self.operator,
                reason=self.cleaned_data["change_reason"],
            )
        except DomainError as error:
            raise ValidationError(str(error)) from error


class OperatorUserChangeForm(UserChangeForm):
    change_reason = forms.CharField(label=_("Reason for this change"), max_length=500)


class OperatorUserCreationForm(AdminUserCreationForm):
    change_reason = forms.CharField(label=_("Reason for this change"), max_length=500)


@admin.register(models.User)
class UserAdmin(DjangoUserAdmin, SimpleHistoryAdmin):
    list_display = ("username", "first_name", "last_name", "position", "agency", "is_active")
    list_filter = ("is_active", "agency")
    form = OperatorUserChangeForm
    add_form = OperatorUserCreationForm
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (_("Agency"), {"fields": ("agency", "position", "must_change_password", "unlocked_at")}),
        (_("Reason for this change"), {"fields": ("change_reason",)}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("Agency"), {"fields": ("agency", "position")}),
        (_("Reason for this change"), {"fields": ("change_reason",)}),
    )
    readonly_fields = ("password", "last_login", "date_joined", "unlocked_at")
    change_password_form = OperatorPasswordForm

    def user_change_password(self, request, id, form_url=""):
        # The operator is the one who acts: the form's save() calls the service with them.
        original = self.change_password_form

        class Bound(original):
            def __init__(form_self, user, *args, **kwargs):
                super().__init__(user, *args, operator=request.user, **kwargs)

        self.change_password_form = Bound
        try:
            return super().user_change_password(request, id, form_url)
        finally:
            self.change_password_form = original

    def save_model(self, request, obj, form, change):
        if not request.user.is_superuser:
            obj.agency_id = request.user.agency_id
            # Only platform administrators hand out superuser or admin-site rights.
            obj.is_superuser = False
        lock_chains(obj.agency_id)  # the one lock order, as in AgencyScopedAdmin.save_model
        services.save_with_history(obj, by=request.user, reason=form.cleaned_data["change_reason"])

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(models.Division)
class DivisionAdmin(AgencyScopedAdmin):
    list_display = ("name", "agency", "sort_order", "keeps_accounts", "is_active")
    list_filter = ("is_active", "agency")


class RoleAssignmentForm(ReasonForm):
    class Meta:
        model = models.RoleAssignment
        fields = (
            "user",
            "role",
            "division",
            "acting_for",
            "valid_from",
            "valid_until",
            "order_number",
            "order_date",
            "note",
        )


@admin.register(models.RoleAssignment)
class RoleAssignmentAdmin(AgencyScopedAdmin):
    """Roles saved here go through the services: a grant (proposed when it needs a second person), an end
    date (ending the role), and the confirmation of proposals nobody in the agency can confirm."""

    form = RoleAssignmentForm
    list_display = ("user", "role", "division", "acting_for", "valid_from", "valid_until", "status", "granted_by")
    list_filter = ("role", "status", "agency")
    raw_id_fields = ("user", "acting_for")
    actions = ("confirm_grants",)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ("status", "granted_by", "confirmed_by", "confirmed_at")
        # Only the end date changes, and only by ending the role.
        editable = {"valid_until", "change_reason"}
        return [f.name for f in self.model._meta.fields if f.name not in editable]

    def get_fields(self, request, obj=None):
        if obj is None:
            return [*RoleAssignmentForm.Meta.fields, "change_reason"]
        return [*super().get_fields(request, obj)]

    def save_model(self, request, obj, form, change):
        reason = form.cleaned_data["change_reason"]
        try:
            if not change:
                saved = services.grant_role(
                    obj.user,
                    obj.role,
                    division=obj.division,
                    acting_for=obj.acting_for,
                    valid_from=obj.valid_from,
                    valid_until=obj.valid_until,
                    by=request.user,
                    reason=reason,
                    note=obj.note,
                    order_number=obj.order_number,
                    order_date=obj.order_date,
                    kind=obj.kind,
                )
                obj.pk = saved.pk
            elif "valid_until" in form.changed_data and obj.valid_until is not None:
                current = models.RoleAssignment.objects.get(pk=obj.pk)
                services.end_role(current, on=obj.valid_until, by=request.user, reason=reason)
        except DomainError as error:
            raise ServiceRefused(error) from error

    @admin.action(description=_("Confirm the selected proposed grants (only when nobody in the agency can)"))
    def confirm_grants(self, request, queryset):
        for assignment in queryset.filter(status=models.RoleAssignment.Status.PROPOSED):
            try:
                services.confirm_grant(assignment, by=request.user, reason=OPERATOR_CONFIRMED_REASON)
            except DomainError as error:
                messages.error(request, f"{assignment}: {error}")
            else:
                messages.success(request, _("Confirmed: %(grant)s") % {"grant": assignment})


class FiscalYearForm(ReasonForm):
    class Meta:
        model = models.FiscalYear
        fields = ("year",)


@admin.register(models.FiscalYear)
class FiscalYearAdmin(AgencyScopedAdmin):
    """Shared by every agency: changed by platform operators only, through the service."""

    form = FiscalYearForm
    list_display = ("year",)

    def save_model(self, request, obj, form, change):
        try:
            services.save_fiscal_year(obj, by=request.user, reason=form.cleaned_data["change_reason"])
        except DomainError as error:
            raise ServiceRefused(error) from error


@admin.register(models.Plan)
class PlanAdmin(AgencyScopedAdmin):
    list_display = ("__str__", "status", "imported_at", "activated_at")
    list_filter = ("status", "agency")
    readonly_fields = ("source_sha256", "imported_at", "activated_at")


@admin.register(models.Measure)
class MeasureAdmin(AgencyScopedAdmin):
    list_display = ("number", "title", "plan")


@admin.register(models.Indicator)
class IndicatorAdmin(AgencyScopedAdmin):
    list_display = ("number", "name", "assessment", "status", "measure")
    list_filter = ("assessment", "status")


@admin.register(models.Action)
class ActionAdmin(AgencyScopedAdmin):
    list_display = ("__str__", "status", "all_divisions", "due_date")
    list_filter = ("status", "all_divisions")
    search_fields = ("text",)
    readonly_fields = ("status", "current_round")


@admin.register(models.Responsibility)
class ResponsibilityAdmin(AgencyScopedAdmin):
    list_display = ("action", "division")


@admin.register(models.BudgetItem)
class BudgetItemAdmin(AgencyScopedAdmin):
    list_display = ("number", "item", "amount", "plan")


@admin.register(models.Expenditure)
class ExpenditureAdmin(ReadOnlyRecordAdmin):
    """Spending is recorded by the finance division on its page, with its document; read-only here."""

    list_display = ("budget_item", "amount", "spent_on", "document_number", "recorded_by", "is_withdrawn")
    exclude = ("evidence",)


@admin.register(models.Submission)
class SubmissionAdmin(ReadOnlyRecordAdmin):
    list_display = ("action", "division", "round", "status", "progress", "submitted_by", "submitted_at")
    list_filter = ("status",)


@admin.register(models.Evidence)
class EvidenceAdmin(ReadOnlyRecordAdmin):
    list_display = ("original_name", "submission", "sha256", "uploaded_by", "uploaded_at", "is_removed")
    exclude = ("file",)


@admin.register(models.Decision)
class DecisionAdmin(ReadOnlyRecordAdmin):
    list_display = ("action", "stage", "outcome", "decided_by", "on_behalf_of", "decided_at")
    list_filter = ("stage", "outcome")


@admin.register(models.AccessRefusal)
class AccessRefusalAdmin(ReadOnlyRecordAdmin):
    list_display = ("attempted_at", "user", "rule", "permission", "path", "record_kind", "record_id", "reason")
    list_filter = ("rule", "agency")
