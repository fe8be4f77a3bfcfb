"""The limits of what people enter, said next to the fields and enforced by the services.

The results of an action are a summary (the official report prints them in a table cell); the full text of a long
report belongs in an evidence file. Without a limit, 210,000 characters were accepted and broke the report.
"""

from __future__ import annotations

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from approvals.exceptions import InvalidTransition

# Characters of "what was done" and of "outcome" (สรุปผลการดำเนินการ, ผลลัพธ์).
RESULTS_MAX_CHARS = 5000
OUTCOME_MAX_CHARS = 5000

FIELD_LABELS = {"results": gettext_lazy("What was done"), "outcome": gettext_lazy("Outcome")}
LIMITS = {"results": RESULTS_MAX_CHARS, "outcome": OUTCOME_MAX_CHARS}


def too_long(field: str, length: int) -> str:
    """The error a person sees: which field, how long it is, and what is allowed."""
    return _(
        "%(field)s is %(length)s characters long; at most %(limit)s are allowed. Shorten it, or attach the full "
        "text as an evidence file."
    ) % {
        "field": FIELD_LABELS[field],
        "length": number_format(length, force_grouping=True),
        "limit": number_format(LIMITS[field], force_grouping=True),
    }


def check_result_lengths(**texts: str) -> None:
    """Refuse results longer than their limits, before anything is written."""
    for field, text in texts.items():
        length = len((text or "").strip())
        if length > LIMITS[field]:
            raise InvalidTransition(too_long(field, length))


def characters_help(field: str) -> str:
    return _("At most %(limit)s characters.") % {"limit": number_format(LIMITS[field], force_grouping=True)}


def evidence_help() -> str:
    return _("PDF, image, Word, Excel or OpenDocument file, at most %(limit)s each.") % {
        "limit": filesizeformat(settings.EVIDENCE_MAX_BYTES)
    }
