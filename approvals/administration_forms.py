"""Forms of the agency administration pages. They validate shape only; the services decide."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from approvals.forms import BuddhistEraDateField
from approvals.models import ACTING_ROLES, Division, Role, RoleAssignment, User


class ReasonField(forms.CharField):
    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("label", _("Reason for this change"))
        kwargs.setdefault("max_length", 500)
        kwargs.setdefault("help_text", _("Kept in the change history for the internal auditors."))
        kwargs.setdefault("widget", forms.TextInput(attrs={"size": 60}))
        super().__init__(**kwargs)


class AgencyForm(forms.Form):
    name = forms.CharField(label=_("Agency name"), max_length=200)
    district = forms.CharField(label=_("District"), max_length=100, required=False)
    province = forms.CharField(label=_("Province"), max_length=100, required=False)
    reason = ReasonField()


class DivisionForm(forms.Form):
    name = forms.CharField(label=_("Division name"), max_length=200)
    sort_order = forms.IntegerField(label=_("Order"), min_value=0, max_value=999, initial=0)
    keeps_accounts = forms.BooleanField(
        label=_("Finance division"), required=False, help_text=_("Its staff record the spending against the budget.")
    )
    is_active = forms.BooleanField(label=_("In use"), required=False, initial=True)
    reason = ReasonField()


class PersonForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    position = forms.CharField(label=_("Position"), max_length=200, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    reason = ReasonField()


class NewPersonForm(PersonForm):
    username = forms.RegexField(
        label=_("Username"),
        max_length=150,
        regex=r"^[\w.@+-]+\Z",
        help_text=_("Letters, digits and @ . + - _ only."),
        error_messages={"invalid": _("Letters, digits and @ . + - _ only.")},
    )
    password = forms.CharField(
        label=_("Temporary password"),
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("At least 10 characters; the person must change it at their first sign-in."),
    )
    field_order = ["username", "first_name", "last_name", "position", "email", "password", "reason"]


class TemporaryPasswordForm(forms.Form):
    password = forms.CharField(
        label=_("Temporary password"),
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("The person must change it at their next sign-in."),
    )
    reason = ReasonField()


class ReasonOnlyForm(forms.Form):
    reason = ReasonField()


class GrantForm(forms.Form):
    """Grant a role, a division membership, an acting appointment (รักษาราชการแทน) or a delegation by order
    (ปฏิบัติราชการแทน)."""

    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    division = forms.ModelChoiceField(
        label=_("Division"),
        queryset=Division.objects.none(),
        required=False,
        help_text=_("For division staff and division heads only."),
    )
    acting_for = forms.ModelChoiceField(
        label=_("Standing in for"),
        queryset=User.objects.none(),
        required=False,
        help_text=_(
            "For an appointment to stand in for the chief administrator or the mayor only: the person stood in for."
        ),
    )
    kind = forms.ChoiceField(
        # Translators: ลักษณะการแต่งตั้ง: รักษาราชการแทน or ปฏิบัติราชการแทน
        label=_("Kind of appointment"),
        choices=RoleAssignment.Kind.choices,
        initial=RoleAssignment.Kind.ACTING,
        required=False,
        widget=forms.RadioSelect,
        help_text=_(
            "With a person stood in for only. Acting in the post (รักษาราชการแทน): the post's decisions are the "
            "acting official's while the holder is away. Acting by delegation (ปฏิบัติราชการแทน): named decisions "
            "delegated by order while the holder is still in office."
        ),
    )
    valid_from = BuddhistEraDateField(label=_("From"))
    valid_until = BuddhistEraDateField(label=_("Until"), required=False)
    order_number = forms.CharField(
        label=_("Order number"),
        max_length=60,
        required=False,
        help_text=_("Required for the chief administrator's or mayor's role, an acting appointment and a delegation."),
    )
    order_date = BuddhistEraDateField(label=_("Order date"), required=False)
    reason = ReasonField()

    # Each declared field keeps its own class here (ModelChoiceField, ChoiceField); django-stubs says Field.
    fields: dict[str, Any]

    def __init__(self, *args, agency_id: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["division"].queryset = Division.objects.filter(agency_id=agency_id, is_active=True)
        self.fields["acting_for"].queryset = User.objects.filter(agency_id=agency_id, is_active=True)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("valid_from"), cleaned.get("valid_until")
        if start and end and end < start:
            self.add_error("valid_until", _("The end date is before the start date."))
        if cleaned.get("acting_for") and cleaned.get("role") not in ACTING_ROLES:
            self.add_error("acting_for", _("Only the chief administrator and the mayor can be stood in for."))
        kind = cleaned.get("kind") or RoleAssignment.Kind.ACTING
        cleaned["kind"] = kind
        if kind == RoleAssignment.Kind.DELEGATION and not cleaned.get("acting_for"):
            self.add_error(
                "acting_for", _("A delegation by order (ปฏิบัติราชการแทน) names the person who delegates: choose them.")
            )
        if cleaned.get("acting_for"):
            words = RoleAssignment.Kind(kind).label
            if not (cleaned.get("order_number") or "").strip():
                self.add_error(
                    "order_number", _("Write the number of the order that makes this %(kind)s.") % {"kind": words}
                )
            if not cleaned.get("order_date"):
                self.add_error(
                    "order_date", _("Write the date of the order that makes this %(kind)s.") % {"kind": words}
                )
        return cleaned


class ExtendForm(forms.Form):
    until = BuddhistEraDateField(label=_("New end date"), required=False, help_text=_("Leave empty for no end date."))
    order_number = forms.CharField(label=_("Order number"), max_length=60, required=False)
    order_date = BuddhistEraDateField(label=_("Order date"), required=False)
    reason = ReasonField()


class EndForm(forms.Form):
    on = BuddhistEraDateField(label=_("Last day in effect"), required=False, help_text=_("Leave empty to end it now."))
    reason = ReasonField()


class DueDateForm(forms.Form):
    due_date = BuddhistEraDateField(label=_("Due date"))
    reason = ReasonField()


class ResponsibilityForm(forms.Form):
    all_divisions = forms.BooleanField(label=_("Every division (ทุกส่วนราชการ)"), required=False)
    divisions = forms.ModelMultipleChoiceField(
        label=_("Responsible divisions"),
        queryset=Division.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    reason = ReasonField()

    # Each declared field keeps its own class here (ModelChoiceField, ChoiceField); django-stubs says Field.
    fields: dict[str, Any]

    def __init__(self, *args, agency_id: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["divisions"].queryset = Division.objects.filter(agency_id=agency_id, is_active=True)


class BudgetItemForm(forms.Form):
    number = forms.IntegerField(label=_("Number"), min_value=1, max_value=999)
    item = forms.CharField(label=_("Item"), max_length=500)
    amount = forms.DecimalField(
        label=_("Planned amount (baht)"), min_value=Decimal("0"), max_digits=14, decimal_places=2
    )
    reason = ReasonField()


class ExpenditureForm(forms.Form):
    spent_on = BuddhistEraDateField(label=_("Date spent"))
    amount = forms.DecimalField(label=_("Amount (baht)"), min_value=Decimal("0.01"), max_digits=14, decimal_places=2)
    document_number = forms.CharField(
        label=_("Document number"), max_length=100, help_text=_("The number of the voucher (ฎีกา) or receipt.")
    )
    description = forms.CharField(label=_("Description"), max_length=500, required=False)
    evidence = forms.FileField(
        label=_("Scan of the document"), required=False, help_text=_("PDF or image, checked by its content.")
    )
    reason = ReasonField(label=_("What was it spent on"), help_text="")
