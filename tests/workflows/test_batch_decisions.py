"""Decisions in batches: the mayor (or the chief administrator) decides several ready actions with one
confirmation and one reason; each action gets its own decision and its own segregation-of-duties check, and an
action that is refused is reported while the others proceed."""

from __future__ import annotations

import pytest

from approvals import batches, permissions, services
from approvals.exceptions import InvalidTransition
from approvals.models import Action, Decision
from tests import factories
from tests.workflows.conftest import login, submit


@pytest.fixture
def three_accepted(plan, division, agency_admin, staff_member, chief_administrator):
    actions = [
        factories.ActionFactory(indicator__measure__plan=plan, responsible=[division], text=f"แนวทางที่ {n}")
        for n in range(3)
    ]
    services.activate_plan(plan, by=agency_admin, reason="เริ่มปีงบประมาณ")
    for action in actions:
        submit(action, division, staff_member)
        services.accept_action(action, by=chief_administrator)
    return actions


def test_the_mayor_approves_several_actions_each_with_its_own_decision(three_accepted, mayor):
    outcome = batches.decide_in_batch(three_accepted, by=mayor, reason="อนุมัติตามที่ปลัดเสนอ")

    decisions = Decision.objects.filter(stage=Decision.Stage.APPROVAL, decided_by=mayor).order_by("action_id")
    assert [d.action_id for d in decisions] == sorted(a.pk for a in three_accepted)
    assert {d.reason for d in decisions} == {"อนุมัติตามที่ปลัดเสนอ"}
    assert len(outcome.decided) == 3 and outcome.refused == []


def test_an_action_the_mayor_took_part_in_is_refused_and_the_others_are_approved(
    three_accepted, plan, division, agency, agency_admin, mayor, chief_administrator
):
    # The mayor also works in the division (a second hat) and submitted the results of one more action.
    factories.RoleAssignmentFactory(user=mayor, agency=agency, role="staff", division=division)
    permissions.forget_standing(mayor)
    own = factories.ActionFactory(indicator__measure__plan=plan, responsible=[division], text="แนวทางของนายก")
    services.activate_plan(plan, by=agency_admin, reason="เพิ่มแนวทาง")
    submit(own, division, mayor)
    services.accept_action(own, by=chief_administrator)

    outcome = batches.decide_in_batch([own, *three_accepted], by=mayor, reason="อนุมัติ")

    assert [action.pk for action, _why in outcome.refused] == [own.pk]
    assert sorted(d.action_id for d in outcome.decided) == sorted(a.pk for a in three_accepted)
    own.refresh_from_db()
    assert own.status == Action.Status.AWAITING_APPROVAL


def test_a_batch_needs_a_reason(three_accepted, mayor):
    with pytest.raises(InvalidTransition):
        batches.decide_in_batch(three_accepted, by=mayor, reason=" ")


def test_the_confirmation_page_summarises_each_chosen_action_and_decides_them(client, three_accepted, mayor):
    login(client, mayor)
    chosen = [a.pk for a in three_accepted[:2]]

    summary = client.get("/work/decisions/confirm/", {"action": chosen})
    done = client.post("/work/decisions/confirm/", {"action": chosen, "reason": "อนุมัติ", "confirm": "on"})

    assert [row["action"].pk for row in summary.context["rows"]] == chosen
    assert len(done.context["outcome"].decided) == 2
    assert Action.objects.filter(pk__in=chosen, status=Action.Status.DONE).count() == 2


def test_staff_cannot_open_the_batch_page(client, staff_member):
    login(client, staff_member)

    assert client.get("/work/decisions/").status_code == 403
