"""Acting officials as Thai offices practise them (รักษาราชการแทน): while an acting appointment is in force the
step is the acting official's; the office holder sees it read-only and, back in office, ends the appointment,
which hands the open steps back."""

from __future__ import annotations

import pytest
from viewflow.workflow.models import Task

from approvals import services, steps
from approvals.exceptions import NotAllowed
from approvals.models import Decision, Role
from tests import factories
from tests.workflows.conftest import login, open_tasks, submit, url
from tests.workflows.test_acting_roles import appoint
from workflows.flows import ActionFlow


@pytest.fixture
def deputy(agency):
    return factories.UserFactory(agency=agency, username="deputy", first_name="รอง")


@pytest.fixture
def accepted(activated, division, staff_member, chief_administrator, mayor):
    submit(activated, division, staff_member)
    services.accept_action(activated, by=chief_administrator)
    return activated


def approval(action):
    return open_tasks(action, ActionFlow.approve_by_mayor)[0]


def test_the_approval_goes_to_the_acting_mayor_while_the_appointment_is_in_force(
    activated, division, staff_member, chief_administrator, mayor, deputy
):
    appoint(deputy, Role.MAYOR, mayor, days_from=-1, days_until=5)
    submit(activated, division, staff_member)

    services.accept_action(activated, by=chief_administrator)

    assert approval(activated).owner == deputy


def test_an_appointment_taking_effect_hands_the_mayors_open_approval_to_the_acting_mayor(accepted, mayor, deputy):
    assert approval(accepted).owner == mayor

    appoint(deputy, Role.MAYOR, mayor, days_from=0, days_until=5)

    task = approval(accepted)
    row = Task.history.filter(id=task.pk).latest("history_id")
    assert (task.owner, row.history_reason) == (deputy, "task.handed_to_acting")


def test_the_mayor_sees_the_step_read_only_while_an_acting_mayor_holds_it(client, accepted, mayor, deputy):
    appointment = appoint(deputy, Role.MAYOR, mayor, days_from=0, days_until=5)
    login(client, mayor)

    page = client.get(url(approval(accepted), "execute"))

    assert (page.status_code, page.context["stood_in_for"]) == (200, appointment)


def test_the_mayor_cannot_approve_while_an_acting_mayor_is_in_office(accepted, mayor, deputy):
    appoint(deputy, Role.MAYOR, mayor, days_from=0, days_until=5)

    with pytest.raises(NotAllowed):
        services.approve_action(accepted, by=mayor)


def test_the_acting_mayor_is_told_they_act_for_the_mayor_on_the_approval_page(client, accepted, mayor, deputy):
    appoint(deputy, Role.MAYOR, mayor, days_from=0, days_until=5)
    login(client, deputy)

    page = client.get(url(approval(accepted), "execute"))

    assert page.context["acting_for"] == mayor


def test_the_mayor_back_in_office_ends_the_appointment_and_gets_the_approval_back(client, accepted, mayor, deputy):
    appointment = appoint(deputy, Role.MAYOR, mayor, days_from=-3, days_until=5)
    login(client, mayor)

    client.post(f"/work/acting/{appointment.pk}/end/", {"reason": "กลับมาปฏิบัติราชการ"})

    appointment.refresh_from_db()
    task = approval(accepted)
    row = Task.history.filter(id=task.pk).latest("history_id")
    assert (task.owner, row.history_reason, appointment.is_active()) == (mayor, "task.handed_back", False)


def test_the_mayor_back_the_same_day_the_acting_appointment_began_ends_it_and_gets_the_approval_back(
    client, accepted, mayor, deputy
):
    appointment = appoint(deputy, Role.MAYOR, mayor, days_from=0, days_until=5)
    assert approval(accepted).owner == deputy
    login(client, mayor)

    client.post(f"/work/acting/{appointment.pk}/end/", {"reason": "งานที่ต่างจังหวัดยกเลิก กลับมาบ่ายนี้"})

    appointment.refresh_from_db()
    task = approval(accepted)
    row = Task.history.filter(id=task.pk).latest("history_id")
    assert (task.owner, row.history_reason, appointment.is_active(), appointment.get_status_display()) == (
        mayor,
        "task.handed_back",
        False,
        "สิ้นสุดแล้ว",
    )


def test_an_acting_appointment_ended_on_its_first_day_no_longer_lets_the_acting_mayor_approve(accepted, mayor, deputy):
    appointment = appoint(deputy, Role.MAYOR, mayor, days_from=0, days_until=5)

    steps.end_acting_appointment(appointment, by=mayor, reason="กลับมาปฏิบัติราชการ")

    with pytest.raises(NotAllowed):
        services.approve_action(accepted, by=deputy, reason="อนุมัติ")


def test_a_decision_of_the_acting_mayor_records_both_names(accepted, mayor, deputy):
    appoint(deputy, Role.MAYOR, mayor, days_from=0, days_until=5)

    decision = services.approve_action(accepted, by=deputy, reason="อนุมัติ")

    assert (decision.decided_by, decision.on_behalf_of, decision.stage) == (deputy, mayor, Decision.Stage.APPROVAL)


def test_nobody_else_ends_an_acting_appointment_made_for_the_mayor(accepted, mayor, deputy, staff_member):
    appointment = appoint(deputy, Role.MAYOR, mayor, days_from=-3, days_until=5)

    with pytest.raises(NotAllowed):
        steps.end_acting_appointment(appointment, by=staff_member, reason="กลับ")
