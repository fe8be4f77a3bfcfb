from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from approvals.models import Plan
from reports.models import ReportFormat, ReportRound


class RenderForm(forms.Form):
    """Which official report to render: fiscal year, round and format."""

    year = forms.TypedChoiceField(label=_("Fiscal year"), coerce=int)
    round = forms.TypedChoiceField(
        label=_("Round"), coerce=int, choices=ReportRound.choices, initial=ReportRound.TWELVE_MONTHS
    )
    format = forms.ChoiceField(label=_("Format"), choices=ReportFormat.choices, initial=ReportFormat.PDF)

    def __init__(self, *args, plans: list[Plan], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.plans = {plan.fiscal_year.year: plan for plan in plans}
        self.fields["year"].choices = [(year, str(year)) for year in self.plans]

    def plan(self) -> Plan:
        return self.plans[self.cleaned_data["year"]]
