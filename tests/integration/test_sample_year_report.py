"""After the sample year, the 12-month official report and the public page hold exactly what the mayor
approved: every indicator and action of the seed report, the approved results, and nothing unapproved
(no returned or waiting results, no return reasons)."""

from __future__ import annotations

import html
import re

import pytest

from approvals.models import Decision, Submission
from reports import renderers
from reports.assembly import assemble_report
from tests.reports.checks import approved_submissions, docx_text, pdf_text, report_problems, squeeze, xlsx_text
from workflows.sample_year import APPROVAL_RETURN, REVIEW_RETURN

READERS = {"pdf": pdf_text, "docx": docx_text, "xlsx": xlsx_text}


def unapproved_texts(plan) -> set[str]:
    """Results and outcomes of submissions that are not approved, unless an approved one says the same."""
    approved = approved_submissions(plan, 12)
    approved_texts = {squeeze(s.results) for s in approved} | {squeeze(s.outcome) for s in approved}
    others = Submission.objects.filter(action__indicator__measure__plan=plan).exclude(pk__in=[s.pk for s in approved])
    texts = {squeeze(value) for s in others for value in (s.results, s.outcome) if value.strip()}
    return {text for text in texts if not any(text in approved_text for approved_text in approved_texts)}


def test_the_sample_year_leaves_approved_and_unapproved_results_to_tell_apart(sample_year):
    assert len(approved_submissions(sample_year, 12)) >= 10
    assert len(unapproved_texts(sample_year)) >= 5
    assert Decision.objects.filter(outcome=Decision.Outcome.RETURNED).count() >= 3


@pytest.mark.parametrize("report_format", ["pdf", "docx", "xlsx"])
def test_the_12_month_report_holds_every_indicator_action_and_approved_result_and_nothing_unapproved(
    sample_year, report_format
):
    data = assemble_report(sample_year, 12)

    text = READERS[report_format](renderers.render(data, report_format))

    assert report_problems(text, sample_year, 12) == []
    assert squeeze(REVIEW_RETURN) not in squeeze(text)
    assert squeeze(APPROVAL_RETURN) not in squeeze(text)


def public_text(client, plan) -> str:
    page = client.get(f"/public/{plan.agency.slug}/{plan.fiscal_year.year}/")
    assert page.status_code == 200
    return squeeze(html.unescape(re.sub(r"<[^>]+>", " ", page.content.decode())))


def test_the_public_page_shows_every_approved_result(client, sample_year):
    flat = public_text(client, sample_year)

    missing = [s.results[:60] for s in approved_submissions(sample_year, 12) if squeeze(s.results) not in flat]
    assert missing == []


def test_the_public_page_shows_no_returned_or_waiting_result(client, sample_year):
    flat = public_text(client, sample_year)

    assert [text[:60] for text in unapproved_texts(sample_year) if text in flat] == []


def test_the_public_page_shows_no_return_reason_and_no_decision_reason(client, sample_year):
    flat = public_text(client, sample_year)

    reasons = set(Decision.objects.exclude(reason="").values_list("reason", flat=True))
    assert {REVIEW_RETURN, APPROVAL_RETURN} <= reasons
    assert [reason for reason in reasons if len(reason) >= 10 and squeeze(reason) in flat] == []


def test_the_public_page_names_nobody(client, sample_year):
    flat = public_text(client, sample_year)

    people = [
        f"{first}{last}"
        for first, last in Submission.objects.exclude(submitted_by=None)
        .values_list("submitted_by__first_name", "submitted_by__last_name")
        .distinct()
    ]
    people += [str(d.decided_by).replace(" ", "") for d in Decision.objects.select_related("decided_by")]
    assert people
    assert sorted({person for person in people if person in flat}) == []
