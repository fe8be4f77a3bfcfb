"""List pages run a fixed number of queries, however many tasks there are (bench/queries_workflow.py prints
the counts at 10 and 1,000 tasks). The limits include the page frame's own queries (session, user, second
factor, roles, permissions, agency, unread notifications)."""

from __future__ import annotations

import pytest

from approvals import services
from tests import factories
from tests.workflows.conftest import draft_of, login

TASKS = 6


@pytest.fixture
def busy_plan(plan, division, other_division, agency_admin, staff_member, chief_administrator):
    """Several actions: some still with the division, some submitted, reviewed and approved."""
    actions = [factories.ActionFactory(indicator__measure__plan=plan, responsible=[division]) for _ in range(TASKS)] + [
        factories.ActionFactory(indicator__measure__plan=plan, all_divisions=True)
    ]
    services.activate_plan(plan, by=agency_admin, reason="เริ่ม")
    for action in actions[:3]:
        draft = draft_of(action, division)
        services.save_draft(draft, by=staff_member, results="ดำเนินการแล้ว", outcome="สำเร็จ", progress=100)
        services.submit_result(draft, by=staff_member)
    services.accept_action(actions[0], by=chief_administrator)
    return plan


@pytest.mark.parametrize(
    ("page", "person", "most"),
    [
        ("/work/inbox/", "staff_member", 13),
        # The queue's filters (divisions, indicators, holders), its counts and which divisions have submitted.
        ("/work/queue/", "staff_member", 24),
        ("/work/archive/", "staff_member", 11),
        # One more for an executive: whether an acting official holds their post today (permissions.standing).
        ("/work/inbox/", "chief_administrator", 14),
    ],
)
def test_task_lists_run_a_fixed_number_of_queries(
    client, request, busy_plan, page, person, most, django_assert_max_num_queries
):
    login(client, request.getfixturevalue(person))

    with django_assert_max_num_queries(most):
        response = client.get(page)

    assert response.status_code == 200


def test_the_progress_page_runs_a_fixed_number_of_queries(client, busy_plan, auditor, django_assert_max_num_queries):
    login(client, auditor)

    # 15 since the OIT items adopted into a plan have their own figure on the page (one query).
    with django_assert_max_num_queries(15):
        response = client.get(f"/work/progress/{busy_plan.fiscal_year.year}/")

    assert response.status_code == 200
    assert response.context["total"] == TASKS + 1


def test_the_action_page_runs_a_fixed_number_of_queries(client, busy_plan, staff_member, django_assert_max_num_queries):
    action = busy_plan.measures.first().indicators.first().actions.first()
    login(client, staff_member)

    # Besides the frame: who may take the step the action waits for (role holders, who took part, reviewers), and
    # which divisions have submitted (three queries, however many divisions).
    with django_assert_max_num_queries(24):
        response = client.get(f"/work/actions/{action.pk}/")

    assert response.status_code == 200
