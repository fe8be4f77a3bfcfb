"""A submitted action of the agency, and a clock in Bangkok time, for the red-flag rule tests."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from django.utils import timezone

from approvals.models import Submission
from tests import factories

BANGKOK = zoneinfo.ZoneInfo("Asia/Bangkok")


def bangkok(day: int = 10, hour: int = 10, minute: int = 0) -> datetime.datetime:
    """A moment in March 2026 (the 10th is a Tuesday), Bangkok time."""
    return datetime.datetime(2026, 3, day, hour, minute, tzinfo=BANGKOK)


@pytest.fixture
def action(agency, division):
    return factories.ActionFactory(
        agency=agency, indicator__measure__plan__agency=agency, responsible=[division], status="awaiting_review"
    )


@pytest.fixture
def submission(action, division, staff_member):
    return factories.SubmissionFactory(
        action=action,
        agency=action.agency,
        division=division,
        status=Submission.Status.SUBMITTED,
        submitted_by=staff_member,
        submitted_at=bangkok(hour=9),
    )


def scan(rule, agency, now=None) -> list:
    return list(rule.scan(agency, now or timezone.now()))
