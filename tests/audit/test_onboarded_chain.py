"""An agency onboarded by `onboard_agencies` (its rows written many at a time) has a history row for every row,
with who and why, and its hash chain verifies."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from approvals.models import Action, Agency, BudgetItem, Indicator, Measure, Responsibility, Submission
from approvals.sample import write_sample_province
from approvals.services import system_user
from audit import reasons

pytestmark = pytest.mark.django_db

ONBOARDING_REASONS = {reasons.PLAN_IMPORTED, reasons.AGENCY_ONBOARDED}


@pytest.fixture
def onboarded(tmp_path) -> Agency:
    write_sample_province(tmp_path, 1)
    call_command("onboard_agencies", str(tmp_path), stdout=StringIO(), stderr=StringIO())
    return Agency.objects.get(slug="sao-0001")


@pytest.mark.parametrize("model", [Measure, Indicator, Action, Responsibility, BudgetItem, Submission])
def test_every_row_of_an_onboarded_plan_has_its_creation_in_the_history_with_who_and_why(onboarded, model):
    rows = set(model.objects.filter(agency=onboarded).values_list("pk", flat=True))
    created = model.history.filter(agency=onboarded, history_type="+")

    assert rows
    assert set(created.values_list("id", flat=True)) == rows
    assert {(h.history_user_id, h.history_reason_code) for h in created} <= {
        (system_user().pk, code) for code in ONBOARDING_REASONS
    }


def test_an_onboarded_agencys_chain_verifies(onboarded):
    out = StringIO()

    call_command("audit_verify", "--agency", str(onboarded.pk), stdout=out)

    assert "no tampering found" in out.getvalue()
    assert f"{onboarded.pk}:" in out.getvalue()
