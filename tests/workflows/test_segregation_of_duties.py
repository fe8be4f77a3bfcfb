"""Segregation of duties is enforced by the flow itself: nobody reviews an action they submitted for, nor
approves one they submitted for or reviewed, even holding several roles. Refusals are explained and
recorded for the auditors, even when the surrounding transaction rolls back."""

from __future__ import annotations

import pytest
from django.db import transaction

from approvals import permissions, services
from approvals.exceptions import NotAllowed
from approvals.models import AccessRefusal, Role
from tests import factories
from tests.workflows.conftest import login, open_tasks, submit, url
from workflows import engine
from workflows.flows import ActionFlow


@pytest.fixture
def chief_who_is_also_staff(chief_administrator, division):
    factories.RoleAssignmentFactory(user=chief_administrator, role=Role.STAFF, division=division)
    permissions.forget_standing(chief_administrator)
    return chief_administrator


@pytest.fixture
def submitted_by_the_chief(activated, division, chief_who_is_also_staff):
    submit(activated, division, chief_who_is_also_staff)
    return activated


def test_the_chief_administrator_cannot_review_an_action_they_submitted_for(
    submitted_by_the_chief, chief_who_is_also_staff
):
    with pytest.raises(NotAllowed, match="การแบ่งแยกหน้าที่"):
        services.accept_action(submitted_by_the_chief, by=chief_who_is_also_staff)

    refusal = AccessRefusal.objects.get()
    assert (refusal.user, refusal.permission, refusal.action) == (
        chief_who_is_also_staff,
        permissions.REVIEW_SUBMISSION,
        submitted_by_the_chief,
    )


def test_the_review_is_left_out_of_the_queue_of_the_chief_who_submitted(
    client, submitted_by_the_chief, chief_who_is_also_staff
):
    login(client, chief_who_is_also_staff)

    response = client.get("/work/queue/")

    assert response.context["rows"] == []


def test_taking_the_review_by_url_shows_why_it_is_refused_and_records_the_attempt(
    client, submitted_by_the_chief, chief_who_is_also_staff
):
    review = open_tasks(submitted_by_the_chief, ActionFlow.review_by_chief)[0]
    login(client, chief_who_is_also_staff)

    response = client.post(url(review, "assign"))

    assert response.status_code == 403
    assert "การแบ่งแยกหน้าที่" in response.content.decode()
    assert AccessRefusal.objects.filter(user=chief_who_is_also_staff, permission=permissions.REVIEW_SUBMISSION).exists()
    review.refresh_from_db()
    assert review.owner_id is None


def test_the_engine_refuses_to_complete_a_review_owned_by_a_submitter_even_when_called_directly(
    submitted_by_the_chief, chief_who_is_also_staff
):
    review = open_tasks(submitted_by_the_chief, ActionFlow.review_by_chief)[0]
    with review.activation() as activation:
        activation.assign(chief_who_is_also_staff)  # bypasses every check, as code can

    with (
        pytest.raises(NotAllowed),
        permissions.refusals_kept(),
        transaction.atomic(),
        engine.locked(submitted_by_the_chief),
    ):
        engine.complete(engine.activate(review), chief_who_is_also_staff, reason="accepted")

    review.refresh_from_db()
    assert review.status == "ASSIGNED"
    assert AccessRefusal.objects.filter(user=chief_who_is_also_staff).count() == 1


def test_a_person_holding_both_executive_roles_cannot_approve_what_they_reviewed(
    activated, division, staff_member, chief_administrator
):
    factories.RoleAssignmentFactory(user=chief_administrator, role=Role.MAYOR)
    permissions.forget_standing(chief_administrator)
    submit(activated, division, staff_member)
    services.accept_action(activated, by=chief_administrator)

    with pytest.raises(NotAllowed, match="เป็นผู้พิจารณาแนวทางนี้แล้ว"):
        services.approve_action(activated, by=chief_administrator)

    assert open_tasks(activated, ActionFlow.approve_by_mayor)[0].owner_id is None


def test_the_mayor_cannot_approve_an_action_they_submitted_for(activated, division, mayor, chief_administrator):
    factories.RoleAssignmentFactory(user=mayor, role=Role.STAFF, division=division)
    permissions.forget_standing(mayor)
    submit(activated, division, mayor)
    services.accept_action(activated, by=chief_administrator)

    with pytest.raises(NotAllowed, match="มีส่วนร่วมในผลการดำเนินการ"):
        services.approve_action(activated, by=mayor)
