"""One lock order (docs/audit.md): every transaction of an agency takes the agency's hash-chain lock before any
row lock, agencies never wait on each other, and a service that PostgreSQL still picks as a deadlock victim runs
once more without the person seeing it. On real PostgreSQL connections, in threads."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from django.db import connection, transaction

from approvals import services
from approvals.models import Action, Plan, Submission
from approvals.transactions import lock_chains
from notifications.models import Preference
from notifications.services import save_preferences
from tests import factories
from tests.locks import Caller, Holder, wait_until, waiting_for
from tests.workflows.conftest import draft_of

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def activated(plan, action, agency_admin):
    services.activate_plan(plan, by=agency_admin, reason="เริ่มปีงบประมาณ")
    action.refresh_from_db()
    return action


@pytest.fixture
def plan(agency):
    return factories.PlanFactory(agency=agency, status=Plan.Status.DRAFT)


@pytest.fixture
def action(plan, division):
    return factories.ActionFactory(indicator__measure__plan=plan, responsible=[division], text="ทบทวนขั้นตอนการให้บริการ")


def _save_draft(submission: Submission, person) -> Callable[[], Submission]:
    return lambda: services.save_draft(
        Submission.objects.get(pk=submission.pk), by=person, results="จัดประชุมแล้ว", outcome="สำเร็จ", progress=50
    )


def test_a_service_waits_for_its_agencys_chain_lock_before_it_locks_any_row(activated, division, staff_member, agency):
    submission = draft_of(activated, division)
    holder = Holder(first=lambda: lock_chains(agency.pk))
    holder.start()
    holder.ready.wait(10)
    caller = Caller(_save_draft(submission, staff_member))
    caller.start()
    caller.started_call.wait(10)
    wait_until(lambda: waiting_for(caller.pid, "advisory"), "the service to wait for the chain lock")

    with transaction.atomic():
        # Nothing of the action is locked by the waiting service: these would fail at once if it were.
        Action.objects.select_for_update(nowait=True).get(pk=activated.pk)
        Submission.objects.select_for_update(nowait=True).get(pk=submission.pk)
        activated.process.__class__.objects.select_for_update(nowait=True).get(pk=activated.process.pk)

    holder.go.set()
    holder.join(10)
    caller.join(30)
    assert (holder.error, caller.error) == (None, None)
    assert Submission.objects.get(pk=submission.pk).results == "จัดประชุมแล้ว"


def test_a_person_of_another_agency_never_waits_for_this_agencys_locks_nor_the_global_chain(
    agency, outsider_agency_user
):
    holder = Holder(first=lambda: lock_chains(agency.pk, None))
    holder.start()
    holder.ready.wait(10)

    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '3s'")  # waiting would fail this test instead of hanging it
    try:
        save_preferences(
            outsider_agency_user, channels_by_event={"assigned": ["email"]}, line_user_id="", by=outsider_agency_user
        )
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = 0")
        holder.go.set()
        holder.join(10)

    preference = Preference.objects.get(user=outsider_agency_user)
    assert preference.agency_id == outsider_agency_user.agency_id
    assert preference.history.get().agency_id == outsider_agency_user.agency_id


def test_a_service_picked_as_a_deadlock_victim_runs_again_and_the_person_sees_only_success(
    activated, division, staff_member, agency, caplog
):
    submission = draft_of(activated, division)
    # A path outside the lock order: the action's row first, then the agency's chain lock.
    rogue = Holder(
        first=lambda: Action.objects.select_for_update().get(pk=activated.pk), then=lambda: lock_chains(agency.pk)
    )
    rogue.start()
    rogue.ready.wait(10)
    caller = Caller(_save_draft(submission, staff_member))
    caplog.set_level(logging.WARNING, logger="approvals.transactions")
    caller.start()
    caller.started_call.wait(10)
    wait_until(lambda: waiting_for(caller.pid, "transactionid", "tuple"), "the service to wait for the action's row")

    rogue.go.set()  # the rogue now asks for the chain lock the service holds: a deadlock
    rogue.join(30)
    caller.join(30)

    assert rogue.error is None
    assert caller.error is None
    assert caller.result.results == "จัดประชุมแล้ว"
    assert any("was cancelled by PostgreSQL" in r.getMessage() and "deadlock" in r.getMessage() for r in caplog.records)
