"""Every refusal is recorded, on every path (our pages, viewflow's generic pages, the admin, other agencies'
ids), by the kind and id of the record, never its content; repeats within minutes are counted on one record;
the auditors' list shows each with the person, the page and the rule."""

from __future__ import annotations

import pytest
from viewflow.workflow.models import Task

from approvals import permissions, services
from approvals.exceptions import NotAllowed
from approvals.models import AccessRefusal, Plan
from approvals.permissions import Rule
from tests import factories


@pytest.fixture
def action(agency, division):
    return factories.ActionFactory(
        indicator__measure__plan__agency=agency, text="ทบทวนขั้นตอนการให้บริการประชาชน", responsible=[division]
    )


def test_the_same_refusal_repeated_within_minutes_is_counted_on_one_record(staff_member, action):
    for _ in range(3):
        with pytest.raises(NotAllowed):
            permissions.require(staff_member, permissions.APPROVE_SUBMISSION, action)

    refusal = AccessRefusal.objects.get()
    assert refusal.attempts == 3
    assert refusal.history.count() == 1  # the repeats add nothing to the hash chain


def test_a_refusal_after_the_window_is_recorded_again(staff_member, action, settings):
    settings.REFUSAL_REPEAT_MINUTES = 0
    for _ in range(2):
        with pytest.raises(NotAllowed):
            permissions.require(staff_member, permissions.APPROVE_SUBMISSION, action)

    assert AccessRefusal.objects.count() == 2


def test_an_attempt_on_another_agencys_record_is_a_404_recorded_by_kind_and_id_only(
    client, action, outsider_agency_user
):
    client.force_login(outsider_agency_user)

    response = client.get(f"/work/actions/{action.pk}/")

    assert response.status_code == 404
    refusal = AccessRefusal.objects.get(user=outsider_agency_user)
    assert (refusal.rule, refusal.record_kind, refusal.record_id, refusal.action) == (
        Rule.OTHER_AGENCY,
        "approvals.action",
        action.pk,
        None,
    )
    assert refusal.path == f"/work/actions/{action.pk}/"
    assert "ทบทวน" not in refusal.object_repr + refusal.reason


def test_trying_id_after_id_of_another_agency_adds_one_record(client, agency, outsider_agency_user):
    plan = factories.PlanFactory(agency=agency)
    actions = [factories.ActionFactory(indicator__measure__plan=plan) for _ in range(3)]
    client.force_login(outsider_agency_user)

    for action in actions:
        client.get(f"/work/actions/{action.pk}/")

    refusal = AccessRefusal.objects.get(user=outsider_agency_user)
    assert refusal.attempts == 3
    assert refusal.repeat.last_record_id == actions[-1].pk


def test_a_refusal_on_viewflows_generic_task_pages_is_recorded(client, agency, division, agency_admin, staff_member):
    plan = factories.PlanFactory(agency=agency, status=Plan.Status.DRAFT)
    factories.ActionFactory(indicator__measure__plan=plan, responsible=[division])
    services.activate_plan(plan, by=agency_admin, reason="เริ่ม")
    start = Task.objects.filter(flow_task_type="START").first()
    client.force_login(staff_member)

    response = client.get(f"/work/flow/{start.process_id}/start/{start.pk}/detail/")

    assert response.status_code == 403
    refusal = AccessRefusal.objects.get(user=staff_member)
    assert (refusal.rule, refusal.record_kind, refusal.record_id) == (Rule.PAGE, "viewflow.task", start.pk)
    assert refusal.permission == "page:workflows:action:start:detail"


def test_the_auditors_list_shows_the_person_the_page_and_the_rule(client, auditor, staff_member, action):
    client.force_login(staff_member)
    client.get("/audit/changes/")
    client.force_login(auditor)

    page = client.get("/audit/refusals/").content.decode()

    assert "อลิส" in page
    assert "/audit/changes/" in page
    assert "ต้องมีบทบาท" in page  # the rule: role required


def test_the_refusal_list_is_for_auditors_only(client, staff_member):
    client.force_login(staff_member)

    response = client.get("/audit/refusals/")

    assert response.status_code == 403
    assert AccessRefusal.objects.get(user=staff_member).path == "/audit/refusals/"
