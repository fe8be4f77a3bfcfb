from __future__ import annotations

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from approvals.importer.limits import MAX_REPORT_BYTES
from approvals.thaidate import be_numeric_date, parse_be_date

# A measures report is a few hundred kilobytes of text at most; anything far larger is not one.


class BuddhistEraDateField(forms.DateField):
    """A date typed as day/month/Buddhist-era year (วัน/เดือน/ปี พ.ศ.), shown back the same way.

    The browser's own date picker shows the Gregorian calendar, so the field is plain text.
    """

    default_error_messages = {
        # Bilingual on purpose (Thai, then English), like every input error.
        "invalid": "วันที่ไม่ถูกต้อง ให้พิมพ์ วัน/เดือน/ปี พ.ศ. เช่น 1/10/2568 / "
        "Not a date: type day/month/Buddhist-era year, e.g. 1/10/2568.",
    }

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"placeholder": _("dd/mm/yyyy B.E."), "inputmode": "numeric", "size": 11})
        )
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        try:
            return parse_be_date(str(value))
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None

    def prepare_value(self, value):
        return be_numeric_date(value) if isinstance(value, datetime.date) else value


class ReportUploadForm(forms.Form):
    report = forms.FileField(
        label=_("Measures report (Word, PDF or text file)"),
        help_text=_(
            "The year-end report as a Word file (.docx), as a PDF with text (not a scan), or saved from Word as "
            "text: UTF-8, Unicode (UTF-16) or Thai (Windows-874)."
        ),
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
