"""Agencies share no lock: two agencies' plan activations, on two real PostgreSQL connections at once, do not wait
for each other, although both plans belong to the one fiscal year every agency shares (docs/audit.md, "One lock
order"). In threads, each with its own connection."""

from __future__ import annotations

import pytest
from django.db import connection

from approvals import services
from approvals.models import Plan, Role
from tests import factories
from tests.conftest import _persona
from tests.locks import Holder

pytestmark = pytest.mark.django_db(transaction=True)


def _agency_with_a_draft_plan(slug: str):
    agency = factories.AgencyFactory(name=f"องค์การบริหารส่วนตำบล {slug}", slug=slug)
    division = factories.DivisionFactory(agency=agency, name="สำนักปลัด", sort_order=1)
    admin = _persona(agency, f"admin-{slug}", Role.AGENCY_ADMIN)
    plan = factories.PlanFactory(agency=agency, status=Plan.Status.DRAFT)
    factories.ActionFactory(indicator__measure__plan=plan, responsible=[division], text="ทบทวนขั้นตอนการให้บริการ")
    return plan, admin


def test_two_agencies_activate_their_plans_at_once_without_waiting_for_each_other():
    first_plan, first_admin = _agency_with_a_draft_plan("first")
    second_plan, second_admin = _agency_with_a_draft_plan("second")
    assert first_plan.fiscal_year_id == second_plan.fiscal_year_id  # the one row both activations read

    # The first agency's activation is done but not committed: it holds every lock it took.
    holder = Holder(first=lambda: services.activate_plan(first_plan, by=first_admin, reason="เริ่มปีงบประมาณ"))
    holder.start()
    holder.ready.wait(30)
    assert holder.error is None

    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '3s'")  # waiting for the first agency fails this test, not hangs it
    try:
        services.activate_plan(second_plan, by=second_admin, reason="เริ่มปีงบประมาณ")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = 0")
        holder.go.set()
        holder.join(30)

    assert holder.error is None
    assert set(Plan.objects.filter(pk__in=[first_plan.pk, second_plan.pk]).values_list("status", flat=True)) == {
        Plan.Status.ACTIVE
    }
