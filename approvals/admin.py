"""Django admin for every domain model, scoped to the person's agency, with history views.

Every change made in the admin asks for a reason, which is stored on the history row.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from approvals import models, permissions
from approvals.transactions import lock_chains
from audit import context, reasons


def _admin_reason(form: forms.Form) -> context.Reason:
    """The reason typed in the admin form, or, for a form without one, that the change came from the admin."""
    typed = (getattr(form, "cleaned_data", {}) or {}).get("change_reason", "")
    return context.typed(typed) if typed else reasons.code(reasons.ADMIN)


class ReasonForm(forms.ModelForm):
    change_reason = forms.CharField(
        label=_("Reason for this change"),
        max_length=500,
        help_text=_("Stored in the change history for the internal auditors."),
    )


class AgencyScopedAdmin(SimpleHistoryAdmin):
    """Shows only the signed-in person's agency and records a reason with every change."""

    form = ReasonForm
    agency_field = "agency"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(**{f"{self.agency_field}_id": request.user.agency_id})

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if "change_reason" in fields:
            fields.remove("change_reason")
            fields.append("change_reason")
        return fields

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser and self.agency_field == "agency":
            readonly.append("agency")
        return readonly

    def save_model(self, request, obj, form, change):
        if not change and not request.user.is_superuser and self.agency_field == "agency":
            obj.agency_id = request.user.agency_id
        # The one lock order (docs/audit.md): the agency's chain lock before the row's (the admin's view runs in a
        # transaction), so an admin change never deadlocks with the agency's workflow or background work.
        if self.agency_field == "agency" or obj.pk:  # a new agency has no chain yet
            lock_chains(obj.agency_id if self.agency_field == "agency" else obj.pk)
        with context.acting(reason=_admin_reason(form)):
            super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None):
        # Records an audit trail points at are never deleted through the admin.
        return request.user.is_superuser and super().has_delete_permission(request, obj)


class ReadOnlyRecordAdmin(AgencyScopedAdmin):
    """Submissions, decisions, evidence and refusals change only through the workflow's services."""

    form = forms.ModelForm

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(models.Agency)
class AgencyAdmin(AgencyScopedAdmin):
    list_display = ("name", "kind", "district", "province")
    search_fields = ("name", "district", "province")
    agency_field = "id"

    def get_queryset(self, request):
        queryset = super(AgencyScopedAdmin, self).get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(pk=request.user.agency_id)

    def has_add_permission(self, request):
        return request.user.is_superuser


@admin.register(models.User)
class UserAdmin(DjangoUserAdmin, SimpleHistoryAdmin):
    list_display = ("username", "first_name", "last_name", "position", "agency", "is_active")
    list_filter = ("is_active", "agency")
    fieldsets = (*DjangoUserAdmin.fieldsets, (_("Agency"), {"fields": ("agency", "position")}))

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(agency_id=request.user.agency_id)

    def save_model(self, request, obj, form, change):
        if not request.user.is_superuser:
            obj.agency_id = request.user.agency_id
            # Only platform administrators hand out superuser or admin-site rights.
            obj.is_superuser = False
        lock_chains(obj.agency_id)  # the one lock order, as in AgencyScopedAdmin.save_model
        with context.acting(reason=_admin_reason(form)):
            super().save_model(request, obj, form, change)

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return ()
        return ("is_superuser", "user_permissions", "groups", "agency", "last_login", "date_joined")


@admin.register(models.Division)
class DivisionAdmin(AgencyScopedAdmin):
    list_display = ("name", "agency", "sort_order", "is_active")
    list_filter = ("is_active",)


@admin.register(models.RoleAssignment)
class RoleAssignmentAdmin(AgencyScopedAdmin):
    list_display = ("user", "role", "division", "acting_for", "valid_from", "valid_until", "granted_by")
    list_filter = ("role",)
    raw_id_fields = ("user", "acting_for", "granted_by")

    def save_model(self, request, obj, form, change):
        if not change:
            obj.granted_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(models.FiscalYear)
class FiscalYearAdmin(SimpleHistoryAdmin):
    list_display = ("year",)
    form = ReasonForm

    def save_model(self, request, obj, form, change):
        with context.acting(reason=_admin_reason(form)):
            super().save_model(request, obj, form, change)


@admin.register(models.Plan)
class PlanAdmin(AgencyScopedAdmin):
    list_display = ("__str__", "status", "imported_at", "activated_at")
    list_filter = ("status",)
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
class ExpenditureAdmin(AgencyScopedAdmin):
    list_display = ("budget_item", "amount", "spent_on", "recorded_by")


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
    list_display = ("attempted_at", "user", "permission", "object_repr", "reason")


admin.site.site_header = _("Khunatham administration")
admin.site.site_title = _("Khunatham")
admin.site.has_permission = lambda request: (
    request.user.is_active and (request.user.is_superuser or permissions.is_admin_user(request.user))
)
