"""Forms of the operators' oversight officer pages. They validate shape only; oversight.services decides."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from approvals.administration_forms import NewPersonForm, ReasonField
from approvals.forms import BuddhistEraDateField


class GrantForm(forms.Form):
    """The area an officer oversees and the order that appoints them (ท้องถิ่นจังหวัด / ท้องถิ่นอำเภอ)."""

    province = forms.CharField(label=_("Province"), max_length=100)
    district = forms.CharField(
        label=_("District"),
        max_length=100,
        required=False,
        help_text=_("Leave empty for the whole province; name a district for a district oversight officer."),
    )
    order_number = forms.CharField(label=_("Order number"), max_length=60)
    order_date = BuddhistEraDateField(label=_("Order date"))
    valid_from = BuddhistEraDateField(label=_("From"), required=False, help_text=_("Leave empty for today."))
    reason = ReasonField()


class AppointForm(NewPersonForm, GrantForm):
    """A new oversight officer: the account and the proposed grant, written together or not at all."""

    field_order = [
        "username",
        "first_name",
        "last_name",
        "position",
        "email",
        "password",
        "province",
        "district",
        "order_number",
        "order_date",
        "valid_from",
        "reason",
    ]


class ReasonOnlyForm(forms.Form):
    reason = ReasonField()


class OptionalReasonForm(forms.Form):
    reason = ReasonField(required=False)
