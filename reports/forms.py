from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from approvals.models import Plan, Role, RoleAssignment, User
from reports.assembly import in_office
from reports.models import ReportFormat, ReportRound
from reports.verification import MAX_UPLOAD_BYTES

if TYPE_CHECKING:
    from approvals.types import AgencyUser


class SignatoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, assignment: RoleAssignment) -> str:
        label = f"{assignment.user.get_full_name()} ({assignment.user.position or assignment.get_role_display()})"
        if assignment.acting_for is not None:
            # Translators: รักษาราชการแทน, the acting appointment's term, followed by the person stood in for.
            label += " " + _("acting for %(person)s") % {"person": assignment.acting_for.get_full_name()}
        return label


class PreparerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user: User) -> str:
        return f"{user.get_full_name()} ({user.position})"


class RenderForm(forms.Form):
    """Which official report to render (fiscal year, round, format) and who signs it: the preparer, and the
    chief administrator and mayor in office today (holders or acting), as printed in the signature block."""

    year = forms.TypedChoiceField(label=gettext_lazy("Fiscal year"), coerce=int)
    round = forms.TypedChoiceField(
        label=gettext_lazy("Round"), coerce=int, choices=ReportRound.choices, initial=ReportRound.TWELVE_MONTHS
    )
    format = forms.ChoiceField(label=gettext_lazy("Format"), choices=ReportFormat.choices, initial=ReportFormat.PDF)
    prepared_by = PreparerChoiceField(label=gettext_lazy("Prepared by"), queryset=User.objects.none())
    reviewed_by = SignatoryChoiceField(
        label=gettext_lazy("Reviewed by (chief administrator)"), queryset=RoleAssignment.objects.none()
    )
    approved_by = SignatoryChoiceField(
        label=gettext_lazy("Approved by (mayor)"), queryset=RoleAssignment.objects.none()
    )

    # Each declared field keeps its own class here (ModelChoiceField, ChoiceField); django-stubs says Field.
    fields: dict[str, Any]

    def __init__(self, *args, plans: list[Plan], user: AgencyUser, today: datetime.date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.plans = {plan.fiscal_year.year: plan for plan in plans}
        self.fields["year"].choices = [(year, str(year)) for year in self.plans]
        agency_id = plans[0].agency_id if plans else user.agency_id
        preparers = User.objects.filter(agency_id=agency_id, is_active=True).exclude(position="")
        self.fields["prepared_by"].queryset = preparers.order_by("first_name", "last_name")
        if user.position and preparers.filter(pk=user.pk).exists():
            self.fields["prepared_by"].initial = user.pk
        for name, role in (("reviewed_by", Role.CHIEF_ADMINISTRATOR), ("approved_by", Role.MAYOR)):
            holders = in_office(agency_id, role, today)
            field = self.fields[name]
            field.queryset = RoleAssignment.objects.filter(pk__in=[a.pk for a in holders]).select_related(
                "user", "acting_for"
            )
            field.empty_label = None
            field.required = bool(holders)
            if holders:
                field.initial = holders[0].pk
            field.help_text = _(
                "Who holds the office today. An acting official signs as acting, with the name of the person "
                "stood in for."
            )

    def plan(self) -> Plan:
        return self.plans[self.cleaned_data["year"]]


class VerifyForm(forms.Form):
    """A copy of a report to check against the published files (public page, no sign-in)."""

    file = forms.FileField(label=gettext_lazy("Report file (PDF, DOCX or XLSX)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            megabytes = MAX_UPLOAD_BYTES // 2**20
            # Said in both languages: the page is for anyone, whatever language they read the site in.
            raise forms.ValidationError(f"ไฟล์ใหญ่เกิน {megabytes} MB / The file is larger than {megabytes} MB.")
        return upload
