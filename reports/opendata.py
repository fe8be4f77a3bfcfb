"""Open data: the public page's facts as JSON and CSV, for anyone to download and for the API.

One function turns a `reports.public.PublicPage` into plain data, so that the page, its downloads and the
API's public endpoints show the same facts under the same rules (reports.public reads approved facts only).
"""

from __future__ import annotations

import csv
import io
from typing import Any

from django.urls import reverse
from django.utils import timezone

from approvals.spreadsheets import csv_row
from reports.public import PublicPage

CSV_COLUMNS = [
    "measure",
    "indicator",
    "assessment",
    "action",
    "responsible",
    "status",
    "approved_on",
    "division",
    "results",
    "outcome",
    "evidence",
]


def _status(action: Any) -> str:
    if action.approved_on:
        return "approved"
    return "cancelled" if action.cancelled else "pending"


def page_data(page: PublicPage) -> dict[str, Any]:
    """Everything the public page shows, as plain data (dates in ISO 8601, Gregorian)."""
    slug, year = page.agency.slug, page.plan.fiscal_year.year
    return {
        "agency": {
            "name": page.agency.name,
            "slug": slug,
            "kind": page.agency.kind,
            "district": page.agency.district,
            "province": page.agency.province,
        },
        "fiscal_year": year,
        "approved": page.approved,
        "counted": page.counted,
        "measures": [
            {
                "label": measure.label,
                "indicators": [
                    {
                        "label": indicator.label,
                        "assessment": indicator.assessment,
                        "approved": indicator.approved,
                        "counted": indicator.counted,
                        "actions": [
                            {
                                "label": action.label,
                                "responsible": action.responsible,
                                "status": _status(action),
                                "approved_on": action.approved_on.isoformat() if action.approved_on else None,
                                "results": [
                                    {
                                        "division": result.division,
                                        "results": result.results,
                                        "outcome": result.outcome,
                                        "evidence": [
                                            {
                                                "name": item.name,
                                                "size": item.size,
                                                "url": reverse("reports:public-evidence", args=[slug, year, item.pk]),
                                            }
                                            for item in result.evidence
                                        ],
                                    }
                                    for result in action.results
                                ],
                            }
                            for action in indicator.actions
                        ],
                    }
                    for indicator in measure.indicators
                ],
            }
            for measure in page.measures
        ],
        "divisions": [
            {"name": division.name, "approved": division.approved, "total": division.total}
            for division in page.divisions
        ],
        "reports": [
            {
                "round": report.round,
                "round_label": str(report.get_round_display()),
                "format": report.format,
                "published_at": timezone.localtime(report.published_at).isoformat() if report.published_at else None,
                "sha256": report.sha256,
                "size": report.size,
                "url": reverse("reports:public-report", args=[slug, year, report.pk]),
            }
            for report in page.reports
        ],
        # The OIT items adopted into the plan, apart from the measures (None when none was adopted).
        "oit": (
            {
                "approved": page.oit.approved,
                "total": page.oit.total,
                "items": [
                    {"number": item.number, "title": item.title, "url": address or None}
                    for item, address in page.oit_items
                ],
            }
            if page.oit
            else None
        ),
        "chain_head": (
            {"date": page.head.date.isoformat(), "rows": page.head.rows, "seal": page.head.seal} if page.head else None
        ),
    }


def page_csv(page: PublicPage) -> str:
    """One line per action and approved result (an action without one has one line), neutralised cells."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for measure in page.measures:
        for indicator in measure.indicators:
            for action in indicator.actions:
                head = [measure.label, indicator.label, indicator.assessment, action.label, action.responsible]
                state = [_status(action), action.approved_on.isoformat() if action.approved_on else ""]
                if not action.results:
                    writer.writerow(csv_row([*head, *state, "", "", "", ""]))
                for result in action.results:
                    evidence = "; ".join(item.name for item in result.evidence)
                    writer.writerow(csv_row([*head, *state, result.division, result.results, result.outcome, evidence]))
    # A byte-order mark, so that Excel opens the Thai text as UTF-8.
    return "\ufeff" + out.getvalue()
