"""Forms of the OIT pages. They check shape only; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class PublicationForm(forms.Form):
    url = forms.CharField(
        label=_("Published at (web address)"),
        max_length=1000,
        required=False,
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
    )
    note = forms.CharField(
        label=_("Note for the reviewer"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    document = forms.FileField(
        label=_("The published document"),
        required=False,
        help_text=_("PDF, image, Word, Excel or OpenDocument file."),
    )


class AdoptForm(forms.Form):
    """The administrator picks the year's catalogue, the plan, and which division does each usual division's
    work."""

    fields: dict[str, Any]  # django-stubs types each as a plain Field; these set choices

    catalogue = forms.TypedChoiceField(label=_("OIT catalogue of the assessment year"), coerce=int)
    plan = forms.TypedChoiceField(label=_("Add to the plan of fiscal year"), coerce=int)

    def __init__(
        self, *args: Any, years: list[int], plans: list[Any], usual: list[str], divisions: list[Any], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["catalogue"].choices = [(y, str(y)) for y in years]
        self.fields["plan"].choices = [(p.pk, str(p.fiscal_year.year)) for p in plans]
        by_name = {d.name: d.pk for d in divisions}
        self.usual = usual
        for index, name in enumerate(usual):
            self.fields[f"division_{index}"] = forms.TypedChoiceField(
                label=name,
                coerce=int,
                choices=[("", "—")] + [(d.pk, d.name) for d in divisions],
                initial=by_name.get(name, ""),
            )

    def mapping(self) -> dict[str, int]:
        return {name: self.cleaned_data[f"division_{index}"] for index, name in enumerate(self.usual)}
