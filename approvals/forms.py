from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

# A measures report is a few hundred kilobytes of text at most; anything far larger is not one.
MAX_REPORT_BYTES = 5 * 1024 * 1024


class ReportUploadForm(forms.Form):
    report = forms.FileField(
        label=_("Measures report (text file)"),
        help_text=_("The year-end report saved from Word as text: UTF-8, Unicode (UTF-16) or Thai (Windows-874)."),
    )
    fiscal_year = forms.IntegerField(
        label=_("Fiscal year (B.E.)"),
        required=False,
        min_value=2500,
        max_value=2700,
        help_text=_("Leave empty to use the year written on the report."),
    )

    def clean_report(self):
        upload = self.cleaned_data["report"]
        if upload.size > MAX_REPORT_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB; a measures report is much smaller."))
        return upload
