"""An action of every division (ทุกส่วนราชการ): one task per active division, a join that waits for all,
a review that shows every division's results, and a return to the divisions the reviewer chose."""

from __future__ import annotations

from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from approvals import services
from approvals.models import Action, Submission
from tests import factories
from tests.workflows.conftest import division_task, draft_of, login, open_tasks, submit, url
from workflows.flows import ActionFlow


def test_activation_gives_every_active_division_its_own_task(
    plan, shared_action, division, other_division, agency_admin
):
    factories.DivisionFactory(agency=plan.agency, name="กองร้าง", is_active=False)

    services.activate_plan(plan, by=agency_admin, reason="เริ่มปีงบประมาณ")

    tasks = open_tasks(shared_action, ActionFlow.perform_action)
    assert sorted(t.data["division"] for t in tasks) == sorted([division.pk, other_division.pk])
    assert sorted(t.owner_permission for t in tasks) == sorted(
        [f"approvals.division_{division.pk}", f"approvals.division_{other_division.pk}"]
    )


def test_the_review_waits_until_every_division_has_submitted(
    activated_shared, division, staff_member, other_division_staff, other_division
):
    submit(activated_shared, division, staff_member)

    activated_shared.refresh_from_db()
    assert activated_shared.status == Action.Status.IN_PROGRESS
    assert open_tasks(activated_shared, ActionFlow.review_by_chief) == []

    submit(activated_shared, other_division, other_division_staff)

    activated_shared.refresh_from_db()
    assert activated_shared.status == Action.Status.AWAITING_REVIEW
    assert len(open_tasks(activated_shared, ActionFlow.review_by_chief)) == 1


def test_the_review_page_shows_every_divisions_results(
    client, activated_shared, division, other_division, staff_member, other_division_staff, chief_administrator
):
    submit(activated_shared, division, staff_member, results="สำนักปลัดประกาศเจตนารมณ์แล้ว")
    submit(activated_shared, other_division, other_division_staff, results="กองคลังประกาศเจตนารมณ์แล้ว")
    review = open_tasks(activated_shared, ActionFlow.review_by_chief)[0]
    login(client, chief_administrator)
    client.post(url(review, "assign"))

    page = client.get(url(review, "execute")).content.decode()

    assert "สำนักปลัดประกาศเจตนารมณ์แล้ว" in page
    assert "กองคลังประกาศเจตนารมณ์แล้ว" in page


def test_a_return_to_one_chosen_division_reopens_only_its_task_and_the_join_counts_again(
    client, activated_shared, division, other_division, staff_member, other_division_staff, chief_administrator, mayor
):
    submit(activated_shared, division, staff_member)
    submit(activated_shared, other_division, other_division_staff)
    review = open_tasks(activated_shared, ActionFlow.review_by_chief)[0]
    login(client, chief_administrator)
    client.post(url(review, "assign"))

    client.post(
        url(review, "execute"),
        {"decision": "return_divisions", "reason": "กองคลังยังไม่แนบประกาศ", "divisions": [other_division.pk]},
    )

    reopened = open_tasks(activated_shared, ActionFlow.perform_action)
    assert [t.data["division"] for t in reopened] == [other_division.pk]
    assert draft_of(activated_shared, other_division).round == 2
    assert Submission.objects.get(action=activated_shared, division=division).status == Submission.Status.SUBMITTED

    submit(activated_shared, other_division, other_division_staff)
    services.accept_action(activated_shared, by=chief_administrator)
    services.approve_action(activated_shared, by=mayor)

    activated_shared.refresh_from_db()
    assert activated_shared.status == Action.Status.DONE
    final = Submission.objects.filter(action=activated_shared, status=Submission.Status.APPROVED)
    assert sorted(final.values_list("division_id", "round")) == sorted([(division.pk, 1), (other_division.pk, 2)])


def test_the_mayor_can_return_to_every_division(
    activated_shared, division, other_division, staff_member, other_division_staff, chief_administrator, mayor
):
    submit(activated_shared, division, staff_member)
    submit(activated_shared, other_division, other_division_staff)
    services.accept_action(activated_shared, by=chief_administrator)

    services.return_action(activated_shared, by=mayor, reason="ผลยังไม่ครบตามตัวชี้วัด")

    assert sorted(t.data["division"] for t in open_tasks(activated_shared)) == sorted([division.pk, other_division.pk])
    # Each returned round goes back to whoever submitted it.
    task = division_task(activated_shared, division)
    assert task.owner_id == staff_member.pk


def _joins(action):
    return list(
        Task.objects.filter(process__actionprocess__action=action, flow_task=ActionFlow.join_divisions).order_by("pk")
    )


def _division_tasks(action):
    return list(
        Task.objects.filter(process__actionprocess__action=action, flow_task=ActionFlow.perform_action).order_by("pk")
    )


def test_the_join_is_written_once_by_the_last_submission_and_links_every_divisions_task(
    activated_shared, division, other_division, staff_member, other_division_staff
):
    submit(activated_shared, division, staff_member)

    assert _joins(activated_shared) == []

    submit(activated_shared, other_division, other_division_staff)

    (join,) = _joins(activated_shared)
    assert join.status == STATUS.DONE
    assert sorted(join.previous.values_list("pk", flat=True)) == [t.pk for t in _division_tasks(activated_shared)]
    (review,) = open_tasks(activated_shared, ActionFlow.review_by_chief)
    assert list(review.previous.values_list("pk", flat=True)) == [join.pk]


def test_after_a_return_the_join_waits_only_for_the_returned_division(
    activated_shared, division, other_division, staff_member, other_division_staff, chief_administrator
):
    submit(activated_shared, division, staff_member)
    submit(activated_shared, other_division, other_division_staff)
    services.return_action(
        activated_shared, by=chief_administrator, reason="กองคลังยังไม่แนบประกาศ", to_divisions=[other_division]
    )
    (reopened,) = open_tasks(activated_shared, ActionFlow.perform_action)

    submit(activated_shared, other_division, other_division_staff)

    _first_round, second = _joins(activated_shared)
    assert list(second.previous.values_list("pk", flat=True)) == [reopened.pk]
    activated_shared.refresh_from_db()
    assert activated_shared.status == Action.Status.AWAITING_REVIEW
    assert len(open_tasks(activated_shared, ActionFlow.review_by_chief)) == 1


def test_a_join_left_open_by_viewflows_join_is_the_one_the_last_submission_finishes(
    activated_shared, division, other_division, staff_member, other_division_staff
):
    """A round begun before the join was decided by the domain: viewflow's Join opened its task at the round's first
    submission. The last submission finishes that task rather than writing a second one."""
    submit(activated_shared, division, staff_member)
    first = next(t for t in _division_tasks(activated_shared) if t.data["division"] == division.pk)
    left_open = Task.objects.create(
        process=first.process,
        flow_task=ActionFlow.join_divisions,
        status=STATUS.STARTED,
        token=first.token.get_base_split_token(),
        started=first.finished,
    )
    left_open.previous.add(first)

    submit(activated_shared, other_division, other_division_staff)

    assert [join.pk for join in _joins(activated_shared)] == [left_open.pk]
    left_open.refresh_from_db()
    assert left_open.status == STATUS.DONE
    assert sorted(left_open.previous.values_list("pk", flat=True)) == [t.pk for t in _division_tasks(activated_shared)]
    assert len(open_tasks(activated_shared, ActionFlow.review_by_chief)) == 1
