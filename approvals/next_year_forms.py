"""Forms of the scores page and the draft plan page. They validate shape only; approvals/scores.py reads the
scores and approvals/next_year.py decides."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from approvals.forms import BuddhistEraDateField
from approvals.importer.ita import INDICATORS
from approvals.models import Division
from approvals.scores import ScoreError, Scores, parse_scores

MAX_CSV_BYTES = 64 * 1024


class ScoresForm(forms.Form):
    """The ITA result: typed per indicator, pasted from the NACC's table, or the CSV template filled in."""

    pasted = forms.CharField(
        label=_("Paste the NACC's per-indicator table"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "cols": 60}),
        help_text=_("One line per indicator (its number or name, then its score) and a line for the total."),
    )
    csv_file = forms.FileField(label=_("Or upload the CSV template filled in"), required=False)
    total = forms.CharField(label=_("Total score"), required=False, widget=forms.TextInput(attrs={"size": 6}))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for indicator in INDICATORS:
            self.fields[f"score_{indicator.number}"] = forms.CharField(
                label=f"{indicator.number}. {indicator.name}",
                required=False,
                widget=forms.TextInput(attrs={"size": 6, "inputmode": "decimal"}),
            )
        self.fields["total"] = self.fields.pop("total")

    def indicator_fields(self) -> list[forms.BoundField]:
        return [self[f"score_{indicator.number}"] for indicator in INDICATORS]

    def clean(self) -> dict:
        data = super().clean() or {}
        upload = data.get("csv_file")
        try:
            if upload is not None:
                if upload.size > MAX_CSV_BYTES:
                    raise ScoreError("ไฟล์ CSV ใหญ่เกินผลคะแนน ITA", "the CSV file is larger than an ITA result")
                try:
                    text = upload.read().decode("utf-8-sig")
                except UnicodeDecodeError:
                    raise ScoreError("ไฟล์ CSV ต้องบันทึกเป็น UTF-8", "the CSV file must be saved as UTF-8") from None
                data["scores"] = parse_scores(text)
            elif (data.get("pasted") or "").strip():
                data["scores"] = parse_scores(data["pasted"])
            else:
                data["scores"] = self._typed(data)
        except ScoreError as error:
            raise forms.ValidationError(str(error)) from None
        return data

    def _typed(self, data: dict) -> Scores:
        lines = [f"{indicator.number}\t{data.get(f'score_{indicator.number}') or ''}" for indicator in INDICATORS]
        lines.append(f"total\t{data.get('total') or ''}")
        try:
            return parse_scores("\n".join(lines))
        except ScoreError as error:
            # The typed boxes have no lines: the message names the indicator without one.
            raise ScoreError(error.thai, error.english) if error.line else error from None


class DraftActionForm(forms.Form):
    text = forms.CharField(label=_("Action"), widget=forms.Textarea(attrs={"rows": 2, "cols": 50}), required=False)
    all_divisions = forms.BooleanField(label=_("Every division (ทุกส่วนราชการ)"), required=False)
    divisions = forms.ModelMultipleChoiceField(
        label=_("Responsible divisions"),
        queryset=Division.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    due_date = BuddhistEraDateField(label=_("Due date"), required=False)

    fields: dict[str, Any]  # django-stubs types each as a plain Field; the divisions' queryset is set here

    def __init__(self, *args: Any, agency_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["divisions"].queryset = Division.objects.filter(agency_id=agency_id, is_active=True)


class DecisionForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for returning"), required=False, max_length=2000, widget=forms.TextInput(attrs={"size": 60})
    )
