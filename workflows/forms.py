"""Forms of the task pages. They check shape only; the services decide."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from approvals import limits

ACCEPT = "accept"
APPROVE = "approve"
RETURN_TO_DIVISIONS = "return_divisions"
RETURN_TO_REVIEW = "return_review"


class ResultForm(forms.Form):
    # Translators: สรุปผลการดำเนินการ
    results = forms.CharField(
        label=_("What was done"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=lazy(limits.characters_help, str)("results"),
    )
    # Translators: ผลลัพธ์/ความสำเร็จ
    outcome = forms.CharField(
        label=_("Outcome"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=lazy(limits.characters_help, str)("outcome"),
    )
    progress = forms.IntegerField(label=_("Progress (%)"), min_value=0, max_value=100, initial=0)
    evidence = forms.FileField(label=_("Evidence file"), required=False, help_text=lazy(limits.evidence_help, str)())

    # No maxlength attribute: a browser would cut a pasted text silently; the error says how long it is instead.
    def clean_results(self) -> str:
        return self._within_limit("results")

    def clean_outcome(self) -> str:
        return self._within_limit("outcome")

    def _within_limit(self, field: str) -> str:
        text = self.cleaned_data[field]
        if len(text.strip()) > limits.LIMITS[field]:
            raise forms.ValidationError(limits.too_long(field, len(text.strip())))
        return text

    evidence_internal = forms.BooleanField(label=_("Internal only (never shown on the public page)"), required=False)


class RemoveEvidenceForm(forms.Form):
    evidence = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Why is this file withdrawn?"), max_length=500)


class DecisionForm(forms.Form):
    """The review (accept, or return to chosen divisions) or the approval (approve, or return to the review
    or to chosen divisions)."""

    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Required when you return the action."),
    )
    divisions = forms.TypedMultipleChoiceField(
        label=_("Return to these divisions"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked to return to every division."),
    )

    # Each declared field keeps its own class here (ModelChoiceField, ChoiceField); django-stubs says Field.
    fields: dict[str, Any]

    def __init__(self, *args: Any, approval: bool, divisions: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if approval:
            self.fields["decision"].choices = [
                (APPROVE, _("Approve")),
                (RETURN_TO_REVIEW, _("Return to the chief administrator's review")),
                (RETURN_TO_DIVISIONS, _("Return to the divisions")),
            ]
        else:
            self.fields["decision"].choices = [
                (ACCEPT, _("Accept and send to the mayor")),
                (RETURN_TO_DIVISIONS, _("Return to the divisions")),
            ]
        self.fields["divisions"].choices = [(d.pk, d.name) for d in divisions]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        decision = cleaned.get("decision")
        if decision in (RETURN_TO_DIVISIONS, RETURN_TO_REVIEW) and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", _("Write the reason for returning the action, so the division knows what to fix."))
        return cleaned


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))


class ReassignForm(forms.Form):
    to = forms.TypedChoiceField(label=_("Give the task to"), coerce=int)
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)

    # Each declared field keeps its own class here (ModelChoiceField, ChoiceField); django-stubs says Field.
    fields: dict[str, Any]

    def __init__(self, *args: Any, members: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = [(m.pk, str(m)) for m in members]


class BatchForm(forms.Form):
    """One reason for every decision of a batch, and the confirmation that the summary was read."""

    reason = forms.CharField(label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))
    confirm = forms.BooleanField(label=_("I have read the summary of each chosen action"), required=True)


class SubstituteForm(forms.Form):
    """A substitute during a leave: who, for which division, from when until when, and why."""

    division = forms.TypedChoiceField(label=_("Division"), coerce=int)
    substitute = forms.TypedChoiceField(label=_("Substitute"), coerce=int)
    valid_from = forms.DateField(label=_("Leave from"), widget=forms.DateInput(attrs={"type": "date"}))
    valid_until = forms.DateField(label=_("Leave until"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("Reason (the leave)"), max_length=300)

    def __init__(self, *args: Any, divisions: list[Any], colleagues: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["division"]).choices = [(d.pk, d.name) for d in divisions]
        cast(forms.ChoiceField, self.fields["substitute"]).choices = [(p.pk, str(p)) for p in colleagues]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("valid_from"), cleaned.get("valid_until")
        if start and end and end < start:
            self.add_error("valid_until", _("The leave must end on or after the day it starts."))
        return cleaned
