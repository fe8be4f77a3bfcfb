"""Substitutes during a leave (มอบหมายผู้ปฏิบัติหน้าที่แทน): a staff member names a colleague of the same division
and role for the dates of a leave; the head of the division confirms; the open and new tasks go to the
substitute for that time and come back after; all recorded."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from viewflow.workflow.models import Task

from approvals import services, steps
from approvals.exceptions import InvalidTransition, NotAllowed
from approvals.models import Role, Substitution
from tests import factories
from tests.workflows.conftest import division_task, login, submit, url

TODAY = timezone.localdate


@pytest.fixture
def colleague(agency, division):
    person = factories.UserFactory(agency=agency, username="carol", first_name="แคโรล")
    factories.RoleAssignmentFactory(user=person, agency=agency, role=Role.STAFF, division=division)
    return person


def leave(person, colleague, division, *, days_from=0, days_until=5):
    return steps.name_substitute(
        person,
        substitute=colleague,
        division=division,
        valid_from=TODAY() + datetime.timedelta(days=days_from),
        valid_until=TODAY() + datetime.timedelta(days=days_until),
        by=person,
        reason="ลาพักผ่อน",
    )


def test_a_named_substitute_waits_for_the_division_heads_confirmation(activated, division, staff_member, colleague):
    task = division_task(activated, division)
    steps.take_task(task, by=staff_member)

    substitution = leave(staff_member, colleague, division)

    assert substitution.status == Substitution.Status.PROPOSED
    assert Task.objects.get(pk=task.pk).owner == staff_member


def test_once_confirmed_the_open_task_goes_to_the_substitute(
    activated, division, staff_member, colleague, division_head
):
    task = division_task(activated, division)
    steps.take_task(task, by=staff_member)

    steps.confirm_substitute(leave(staff_member, colleague, division), by=division_head)

    row = Task.history.filter(id=task.pk).latest("history_id")
    assert (row.owner_id, row.history_user, row.history_reason) == (
        colleague.pk,
        division_head,
        "task.handed_to_substitute",
    )


def test_after_the_leave_the_task_comes_back(activated, division, staff_member, colleague, division_head):
    task = division_task(activated, division)
    steps.take_task(task, by=staff_member)
    steps.confirm_substitute(leave(staff_member, colleague, division, days_until=2), by=division_head)

    steps.settle_steps(activated.agency_id, by=services.system_user(), on=TODAY() + datetime.timedelta(days=3))

    row = Task.history.filter(id=task.pk).latest("history_id")
    assert (row.owner_id, row.history_reason) == (staff_member.pk, "task.handed_back")
    assert "covering_for" not in Task.objects.get(pk=task.pk).data


def test_a_task_a_colleague_took_over_from_the_substitute_still_comes_back_after_the_leave(
    client, activated, division, staff_member, colleague, division_head
):
    task = division_task(activated, division)
    steps.take_task(task, by=staff_member)
    steps.confirm_substitute(leave(staff_member, colleague, division, days_until=2), by=division_head)
    login(client, division_head)

    client.post(url(task, "assign"))
    taken_over = Task.objects.get(pk=task.pk).owner
    steps.settle_steps(activated.agency_id, by=services.system_user(), on=TODAY() + datetime.timedelta(days=3))

    row = Task.history.filter(id=task.pk).latest("history_id")
    assert (taken_over, row.owner_id, row.history_reason) == (division_head, staff_member.pk, "task.handed_back")


def test_a_task_the_person_on_leave_takes_back_during_the_leave_stays_with_them(
    client, activated, division, staff_member, colleague, division_head
):
    # Back early from leave, or working from home: what they take themselves is theirs, and the next morning's
    # hand-over must not give it to the substitute again.
    task = division_task(activated, division)
    steps.take_task(task, by=staff_member)
    steps.confirm_substitute(leave(staff_member, colleague, division, days_until=5), by=division_head)
    login(client, staff_member)

    client.post(url(task, "assign"))
    steps.settle_steps(activated.agency_id, by=services.system_user(), on=TODAY() + datetime.timedelta(days=1))

    assert Task.objects.get(pk=task.pk).owner == staff_member


def test_a_round_returned_during_the_leave_goes_to_the_substitute(
    activated, division, staff_member, colleague, division_head, chief_administrator
):
    submit(activated, division, staff_member)
    steps.confirm_substitute(leave(staff_member, colleague, division), by=division_head)

    services.return_action(activated, by=chief_administrator, reason="แนบรูปถ่าย")

    task = division_task(activated, division)
    assert (task.owner, task.data["covering_for"]) == (colleague, staff_member.pk)


def test_the_person_on_leave_cannot_confirm_their_own_substitute(activated, division, staff_member, colleague):
    with pytest.raises(NotAllowed):
        steps.confirm_substitute(leave(staff_member, colleague, division), by=staff_member)


def test_the_substitute_must_hold_the_same_role_in_the_division(
    activated, division, staff_member, other_division_staff
):
    with pytest.raises(InvalidTransition):
        leave(staff_member, other_division_staff, division)


def test_the_division_head_confirms_on_the_leave_page(
    client, activated, division, staff_member, colleague, division_head
):
    substitution = leave(staff_member, colleague, division)
    login(client, division_head)

    assert client.get("/work/leave/").context["to_confirm"] == [substitution]
    client.post(f"/work/leave/{substitution.pk}/confirm/")

    substitution.refresh_from_db()
    assert (substitution.status, substitution.confirmed_by) == (Substitution.Status.IN_EFFECT, division_head)
