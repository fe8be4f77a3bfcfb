"""An acting chief administrator or acting mayor (รักษาราชการแทน), appointed for a date range, acts in
their place; the decision records both the acting person and whom they stood in for."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from approvals import services
from approvals.exceptions import NotAllowed
from approvals.models import Decision, Role, RoleAssignment
from tests import factories
from tests.workflows.conftest import login, open_tasks, submit, url
from workflows.flows import ActionFlow


def appoint(person, role, stands_in_for, *, days_from: int, days_until: int):
    """An acting appointment as the agency makes it: proposed by its administrator with the order, then
    confirmed (the chief administrator confirms an acting mayor, the mayor an acting chief)."""
    today = timezone.localdate()
    administrator = RoleAssignment.objects.filter(agency=person.agency, role=Role.AGENCY_ADMIN).first().user
    return factories.grant_in_effect(
        person,
        role,
        acting_for=stands_in_for,
        valid_from=today + datetime.timedelta(days=days_from),
        valid_until=today + datetime.timedelta(days=days_until),
        by=administrator,
        reason="ไปราชการต่างจังหวัด",
    )


@pytest.fixture
def deputy(agency):
    return factories.UserFactory(agency=agency, username="deputy", first_name="รอง")


@pytest.fixture
def submitted(activated, division, staff_member):
    submit(activated, division, staff_member)
    return activated


def test_an_acting_chief_administrator_reviews_and_the_decision_names_whom_they_stood_in_for(
    client, submitted, deputy, chief_administrator
):
    appoint(deputy, Role.CHIEF_ADMINISTRATOR, chief_administrator, days_from=-1, days_until=6)
    review = open_tasks(submitted, ActionFlow.review_by_chief)[0]
    login(client, deputy)
    client.post(url(review, "assign"))

    client.post(url(review, "execute"), {"decision": "accept"})

    decision = Decision.objects.get(action=submitted)
    assert (decision.decided_by, decision.on_behalf_of, decision.outcome) == (deputy, chief_administrator, "accepted")


def test_an_acting_mayor_finds_the_approval_among_their_own_tasks_and_approves(
    client, submitted, deputy, chief_administrator, mayor
):
    appoint(deputy, Role.MAYOR, mayor, days_from=0, days_until=0)
    services.accept_action(submitted, by=chief_administrator)
    login(client, deputy)

    rows = client.get("/work/inbox/").context["mine"]
    client.post(url(rows[0]["task"], "execute"), {"decision": "approve"})

    decision = Decision.objects.get(action=submitted, stage=Decision.Stage.APPROVAL)
    assert (decision.decided_by, decision.on_behalf_of) == (deputy, mayor)


def test_an_acting_mayor_whose_appointment_has_ended_cannot_approve(submitted, deputy, chief_administrator, mayor):
    appoint(deputy, Role.MAYOR, mayor, days_from=-10, days_until=-1)
    services.accept_action(submitted, by=chief_administrator)

    with pytest.raises(NotAllowed):
        services.approve_action(submitted, by=deputy)

    assert not Decision.objects.filter(action=submitted, stage=Decision.Stage.APPROVAL).exists()


def test_the_chief_administrator_in_their_own_right_is_recorded_without_a_stand_in(submitted, chief_administrator):
    decision = services.accept_action(submitted, by=chief_administrator, reason="ครบถ้วน")

    assert (decision.decided_by, decision.on_behalf_of, decision.reason) == (chief_administrator, None, "ครบถ้วน")
