"""Findings are work for the internal auditors: open, then under review, then closed with the auditor's note
and, where one applies, the corrective action; reopened with a reason; never deleted; filtered by rule,
severity, status and division; counted on the auditor's home page."""

from __future__ import annotations

import pytest
from django.db.models import ProtectedError
from django.urls import reverse

from approvals.exceptions import InvalidTransition, NotAllowed
from audit import services
from audit.models import Finding
from audit.rules.base import Hit
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def action(agency, division):
    return factories.ActionFactory(agency=agency, indicator__measure__plan__agency=agency, responsible=[division])


def raise_finding(agency, action=None, *, rule="missed_due_date", severity="low", key="1"):
    return services.record_finding(
        rule=rule,
        severity=severity,
        agency=agency,
        hit=Hit(key=key, summary=f"ข้อสังเกต {rule} {key}", action_id=action.pk if action else None),
        by=None,
        reason="risk scan",
    )


@pytest.fixture
def finding(agency, action):
    return raise_finding(agency, action)


def test_a_finding_goes_from_open_to_under_review_to_closed_with_who_and_why_in_its_history(finding, auditor, action):
    services.start_review(finding, by=auditor, reason="ขอเอกสารจากกองคลัง")
    services.close_finding(finding, by=auditor, note="ล่าช้าเพราะรองบประมาณ", corrective_action=action)

    finding.refresh_from_db()
    assert (finding.status, finding.review_note, finding.corrective_action) == (
        Finding.Status.CLOSED,
        "ล่าช้าเพราะรองบประมาณ",
        action,
    )
    history = finding.history.order_by("history_id")
    assert [(h.status, h.history_user, h.history_change_reason) for h in history] == [
        (Finding.Status.OPEN, None, "risk scan"),
        (Finding.Status.UNDER_REVIEW, auditor, "ขอเอกสารจากกองคลัง"),
        (Finding.Status.CLOSED, auditor, "ล่าช้าเพราะรองบประมาณ"),
    ]


def test_a_closed_finding_is_reopened_with_a_reason_and_cannot_be_taken_up_as_if_new(finding, auditor):
    services.close_finding(finding, by=auditor, note="ตรวจแล้ว")

    with pytest.raises(InvalidTransition):
        services.start_review(finding, by=auditor, reason="อีกครั้ง")
    services.reopen_finding(finding, by=auditor, reason="พบเอกสารใหม่")

    finding.refresh_from_db()
    assert (finding.status, finding.review_note) == (Finding.Status.UNDER_REVIEW, "พบเอกสารใหม่")


def test_every_step_needs_its_note_or_reason(finding, auditor):
    for step in (
        lambda: services.start_review(finding, by=auditor, reason=" "),
        lambda: services.close_finding(finding, by=auditor, note=""),
    ):
        with pytest.raises(InvalidTransition):
            step()

    finding.refresh_from_db()
    assert finding.status == Finding.Status.OPEN


def test_the_corrective_action_must_be_one_of_the_agencys_own(finding, auditor, outsider_agency_user):
    elsewhere = factories.ActionFactory(
        agency=outsider_agency_user.agency, indicator__measure__plan__agency=outsider_agency_user.agency
    )

    with pytest.raises(InvalidTransition):
        services.close_finding(finding, by=auditor, note="แก้แล้ว", corrective_action=elsewhere)


def test_only_internal_auditors_work_on_findings(finding, chief_administrator):
    with pytest.raises(NotAllowed):
        services.start_review(finding, by=chief_administrator, reason="ดูให้")


def test_a_finding_is_never_deleted(finding):
    with pytest.raises(ProtectedError):
        finding.delete()

    assert Finding.objects.filter(pk=finding.pk).exists()


def test_the_close_form_links_the_corrective_action_and_the_page_shows_it(client, finding, auditor, action):
    client.force_login(auditor)

    response = client.post(
        reverse("audit:finding-review", args=[finding.pk]),
        {"note": "กองช่างปรับแผนแล้ว", "corrective_action": action.pk},
    )
    page = client.get(response.url).content.decode()

    assert response.status_code == 302
    assert "กองช่างปรับแผนแล้ว" in page and reverse("audit:action-timeline", args=[action.pk]) in page
    assert "เปิดอีกครั้ง" in page


def test_the_review_buttons_move_the_finding_and_an_empty_reason_is_shown_again(client, finding, auditor):
    client.force_login(auditor)

    refused = client.post(reverse("audit:finding-start-review", args=[finding.pk]), {"reason": ""})
    taken = client.post(reverse("audit:finding-start-review", args=[finding.pk]), {"reason": "เริ่มตรวจ"})

    finding.refresh_from_db()
    assert (refused.status_code, taken.status_code, finding.status) == (400, 302, Finding.Status.UNDER_REVIEW)


@pytest.fixture
def many_findings(agency, division, other_division, auditor):
    indicator = factories.IndicatorFactory(measure__plan__agency=agency, agency=agency)
    own = factories.ActionFactory(agency=agency, indicator=indicator, responsible=[division])
    theirs = factories.ActionFactory(agency=agency, indicator=indicator, responsible=[other_division])
    shared = factories.ActionFactory(agency=agency, indicator=indicator, all_divisions=True)
    found = {
        "own_low": raise_finding(agency, own, key="a"),
        "theirs_high": raise_finding(agency, theirs, rule="approval_without_evidence", severity="high", key="b"),
        "shared_low": raise_finding(agency, shared, rule="after_hours_decision", key="c"),
        "closed": raise_finding(agency, own, rule="quick_decision", severity="medium", key="d"),
    }
    services.close_finding(found["closed"], by=auditor, note="ปกติ")
    return found


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, {"own_low", "theirs_high", "shared_low"}),
        ({"status": ""}, {"own_low", "theirs_high", "shared_low", "closed"}),
        ({"status": "reviewed"}, {"closed"}),
        ({"status": "", "severity": "high"}, {"theirs_high"}),
        ({"status": "", "rule": "after_hours_decision"}, {"shared_low"}),
        ({"status": "", "division": "own"}, {"own_low", "shared_low", "closed"}),
    ],
)
def test_findings_are_filtered_by_status_severity_rule_and_division(
    client, auditor, many_findings, division, query, expected
):
    client.force_login(auditor)
    if query.get("division") == "own":
        query = {**query, "division": division.pk}

    listed = set(client.get(reverse("audit:findings"), query).context["page"])

    assert listed == {many_findings[name] for name in expected}


def test_the_auditors_home_page_counts_findings_by_status_and_open_ones_by_severity(client, auditor, many_findings):
    client.force_login(auditor)

    page = client.get(reverse("home")).content.decode()

    assert 'data-count="status-open">3<' in page
    assert 'data-count="status-reviewed">1<' in page
    assert 'data-count="open-high">1<' in page and 'data-count="open-low">2<' in page


def test_staff_see_no_finding_counts_on_their_home_page(client, staff_member, many_findings):
    client.force_login(staff_member)

    assert "finding-summary" not in client.get(reverse("home")).content.decode()


def test_the_findings_list_takes_a_fixed_number_of_queries(
    client, auditor, agency, many_findings, django_assert_max_num_queries
):
    for key in range(20):
        raise_finding(agency, key=f"more-{key}")
    client.force_login(auditor)

    with django_assert_max_num_queries(16):
        response = client.get(reverse("audit:findings"))

    assert len(response.context["page"]) == 23
