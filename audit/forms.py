"""Forms of the audit pages: the change-log filter and the review note. They validate shape only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from approvals.forms import BuddhistEraDateField
from approvals.models import Action, Division, Indicator, Plan, User
from audit.changes import Filters, record_kinds


class ChangeLogFilterForm(forms.Form):
    person = forms.ModelChoiceField(
        label=_("Person"), queryset=User.objects.none(), required=False, empty_label=_("Everyone")
    )
    kind = forms.ChoiceField(label=_("Kind of record"), required=False)
    division = forms.ModelChoiceField(
        label=_("Division"), queryset=Division.objects.none(), required=False, empty_label=_("All divisions")
    )
    indicator = forms.ModelChoiceField(
        label=_("Indicator"), queryset=Indicator.objects.none(), required=False, empty_label=_("All indicators")
    )
    date_from = BuddhistEraDateField(label=_("From"), required=False)
    date_to = BuddhistEraDateField(label=_("To"), required=False)

    # Each declared field keeps its own class here (ModelChoiceField, ChoiceField); django-stubs says Field.
    fields: dict[str, Any]

    def __init__(self, *args, agency_id: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = User.objects.filter(agency_id=agency_id).order_by("first_name", "username")
        self.fields["kind"].choices = [("", _("All kinds")), *record_kinds()]
        self.fields["division"].queryset = Division.objects.filter(agency_id=agency_id)
        self.fields["indicator"].queryset = (
            Indicator.objects.filter(agency_id=agency_id)
            .select_related("measure__plan__fiscal_year")
            .order_by("-measure__plan__fiscal_year__year", "number")
        )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            # Bilingual on purpose (Thai, then English), like every input error.
            raise forms.ValidationError("วันที่เริ่มต้องไม่หลังวันที่สิ้นสุด / The start date must not be after the end date.")
        return cleaned

    def filters(self) -> Filters:
        data = self.cleaned_data if self.is_valid() else {}
        return Filters(
            user_id=data["person"].pk if data.get("person") else None,
            table=data.get("kind") or "",
            division_id=data["division"].pk if data.get("division") else None,
            indicator_id=data["indicator"].pk if data.get("indicator") else None,
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )


class ReasonForm(forms.Form):
    """Why a finding is taken up or reopened."""

    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=5000)


class CloseFindingForm(forms.Form):
    """Closing a finding: the auditor's note and, where one applies, the corrective action."""

    note = forms.CharField(
        label=_("Review note"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        help_text=_("What you checked and what you concluded. Kept in the finding's history."),
    )
    corrective_action = forms.ModelChoiceField(
        label=_("Corrective action"),
        queryset=Action.objects.none(),
        required=False,
        empty_label=_("None"),
        help_text=_("The action of the plan that puts right what was found, if there is one."),
    )

    # Each declared field keeps its own class here (ModelChoiceField, ChoiceField); django-stubs says Field.
    fields: dict[str, Any]

    def __init__(self, *args, agency_id: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["corrective_action"]
        field.queryset = (
            Action.objects.filter(agency_id=agency_id)
            .exclude(status=Action.Status.CANCELLED)
            .select_related("indicator__measure__plan__fiscal_year")
            .order_by("-indicator__measure__plan__fiscal_year__year", "indicator__number", "position")
        )
        field.label_from_instance = lambda action: (
            _("%(year)s: %(action)s")
            % {
                "year": action.indicator.measure.plan.fiscal_year.year,
                "action": action,
            }
        )


class FindingFilterForm(forms.Form):
    """The filters of the findings list: status, severity, rule and division."""

    status = forms.ChoiceField(label=_("Status"), required=False)
    severity = forms.ChoiceField(label=_("Severity"), required=False)
    rule = forms.ChoiceField(label=_("Rule"), required=False)
    division = forms.ModelChoiceField(
        label=_("Division"), queryset=Division.objects.none(), required=False, empty_label=_("All divisions")
    )

    # Each declared field keeps its own class here (ModelChoiceField, ChoiceField); django-stubs says Field.
    fields: dict[str, Any]

    def __init__(self, *args, agency_id: int, rules: list[tuple[str, str]], **kwargs) -> None:
        from audit.models import Finding

        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("All")), *Finding.Status.choices]
        self.fields["severity"].choices = [("", _("All")), *Finding.Severity.choices]
        self.fields["rule"].choices = [("", _("All")), *rules]
        self.fields["division"].queryset = Division.objects.filter(agency_id=agency_id)


class EvidencePackForm(forms.Form):
    """What an evidence pack covers (a plan, an indicator or an action of the agency), how much history,
    and why it is made."""

    subject = forms.ChoiceField(label=_("Pack for"))
    mode = forms.ChoiceField(label=_("History included"), widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Why the pack is made and for whom: the letter of the State Audit Office, a complaint, ..."),
    )

    # Each declared field keeps its own class here (ModelChoiceField, ChoiceField); django-stubs says Field.
    fields: dict[str, Any]

    def __init__(self, *args, agency_id: int, **kwargs) -> None:
        from audit.models import EvidencePack

        super().__init__(*args, **kwargs)
        self.agency_id = agency_id
        plans = Plan.objects.filter(agency_id=agency_id).select_related("fiscal_year", "agency")
        indicators = Indicator.objects.filter(agency_id=agency_id).select_related("measure__plan__fiscal_year")
        actions = Action.objects.filter(agency_id=agency_id).select_related("indicator__measure__plan__fiscal_year")
        self.fields["subject"].choices = [
            (_("Whole plans"), [(f"plan:{p.pk}", str(p)) for p in plans.order_by("-fiscal_year__year")]),
            (
                _("Indicators"),
                [
                    (f"indicator:{i.pk}", f"{i.measure.plan.fiscal_year.year}: {i}")
                    for i in indicators.order_by("-measure__plan__fiscal_year__year", "number")
                ],
            ),
            (
                _("Actions"),
                [
                    (f"action:{a.pk}", f"{a.indicator.measure.plan.fiscal_year.year}: {a}")
                    for a in actions.order_by(
                        "-indicator__measure__plan__fiscal_year__year", "indicator__number", "position"
                    )
                ],
            ),
        ]
        self.fields["mode"].choices = EvidencePack.Mode.choices
        self.fields["mode"].initial = EvidencePack.Mode.ROWS

    def subject_object(self) -> Action | Indicator | Plan:
        kind, _sep, pk = self.cleaned_data["subject"].partition(":")
        kinds: dict[str, type[Action | Indicator | Plan]] = {"plan": Plan, "indicator": Indicator, "action": Action}
        model = kinds[kind]
        return model.objects.get(agency_id=self.agency_id, pk=int(pk))
