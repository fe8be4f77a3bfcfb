"""Two people completing the same task at the same moment, on two real database connections: exactly one
succeeds, the other is told clearly, and nothing is lost or duplicated."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from approvals import services
from approvals.exceptions import DomainError
from approvals.models import Action, Decision, Role, Submission, User
from tests import factories
from tests.workflows.conftest import draft_of, open_tasks, submit
from workflows.flows import ActionFlow

pytestmark = pytest.mark.django_db(transaction=True)


def race(*calls):
    """Run the calls at the same moment on their own connections; return what each said."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[str] = [""] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            call()
            outcomes[index] = "ok"
        except DomainError as error:
            outcomes[index] = str(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_two_staff_submitting_the_same_division_task_at_once_submit_it_once(activated, division, staff_member, agency):
    colleague = factories.UserFactory(agency=agency, username="carol")
    factories.RoleAssignmentFactory(user=colleague, role=Role.STAFF, division=division)
    submission = draft_of(activated, division)
    # Written straight to the row so that neither of them holds the task before the race.
    Submission.objects.filter(pk=submission.pk).update(results="ทำแล้ว", outcome="สำเร็จ", progress=100)

    outcomes = race(
        lambda: services.submit_result(
            Submission.objects.get(pk=submission.pk), by=User.objects.get(pk=staff_member.pk)
        ),
        lambda: services.submit_result(Submission.objects.get(pk=submission.pk), by=User.objects.get(pk=colleague.pk)),
    )

    assert outcomes.count("ok") == 1
    assert "ส่งผลการดำเนินการนี้แล้ว" in next(o for o in outcomes if o != "ok")
    assert len(open_tasks(activated, ActionFlow.review_by_chief)) == 1
    assert Submission.objects.get(pk=submission.pk).status == Submission.Status.SUBMITTED


def test_two_chief_administrators_accepting_at_once_decide_once_and_the_other_is_told_who_decided(
    activated, division, staff_member, chief_administrator, agency
):
    second_chief = factories.UserFactory(agency=agency, username="chief2", first_name="ปลัดสอง")
    factories.RoleAssignmentFactory(user=second_chief, role=Role.CHIEF_ADMINISTRATOR)
    submit(activated, division, staff_member)

    outcomes = race(
        lambda: services.accept_action(
            Action.objects.get(pk=activated.pk), by=User.objects.get(pk=chief_administrator.pk)
        ),
        lambda: services.accept_action(Action.objects.get(pk=activated.pk), by=User.objects.get(pk=second_chief.pk)),
    )

    assert outcomes.count("ok") == 1
    loser = next(o for o in outcomes if o != "ok")
    assert "พิจารณาแนวทางนี้แล้ว" in loser
    assert Decision.objects.filter(action=activated).count() == 1
    assert len(open_tasks(activated, ActionFlow.approve_by_mayor)) == 1
    assert Action.objects.get(pk=activated.pk).status == Action.Status.AWAITING_APPROVAL
