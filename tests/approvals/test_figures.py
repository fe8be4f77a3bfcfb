"""The one definition of every figure (approvals.figures), checked on a small plan built with the factories."""

from __future__ import annotations

import datetime

import pytest

from approvals.figures import plan_figures
from approvals.models import Action, Submission
from oit.models import DisclosureItem
from tests import factories

TODAY = datetime.date(2023, 10, 15)
DUE = datetime.date(2023, 9, 30)


@pytest.fixture
def plan(agency):
    return factories.PlanFactory(agency=agency, fiscal_year=factories.FiscalYearFactory(year=2566))


def action_of(plan, *divisions, status=Action.Status.IN_PROGRESS, due=DUE, **extra):
    indicator = factories.IndicatorFactory(measure__plan=plan, agency=plan.agency)
    return factories.ActionFactory(
        indicator=indicator, agency=plan.agency, status=status, due_date=due, responsible=list(divisions), **extra
    )


def record(action, division, progress, status=Submission.Status.DRAFT, round=1):
    return factories.SubmissionFactory(
        action=action, agency=action.agency, division=division, progress=progress, status=status, round=round
    )


def test_an_actions_progress_is_the_mean_of_its_divisions_latest_word_a_silent_division_counting_zero(
    plan, division, other_division
):
    action = action_of(plan, division, other_division)
    record(action, division, 80, status=Submission.Status.SUBMITTED)
    record(action, division, 50, round=2)  # a later round's draft is the division's latest word

    figures = plan_figures(plan, TODAY).action(action.pk)

    assert [(part.division, part.progress) for part in figures.parts] == [(division.name, 50), (other_division.name, 0)]
    assert figures.progress == 25


def test_an_approved_action_is_at_one_hundred_percent_whatever_its_divisions_recorded(plan, division):
    action = action_of(plan, division, status=Action.Status.DONE)
    record(action, division, 60, status=Submission.Status.APPROVED)

    figures = plan_figures(plan, TODAY).action(action.pk)

    assert (figures.progress, figures.parts[0].progress, figures.overdue) == (100, 100, False)


def test_an_action_not_started_counts_zero_in_the_average_and_a_cancelled_one_not_at_all(plan, division):
    started = action_of(plan, division)
    record(started, division, 60)
    action_of(plan, division, status=Action.Status.PLANNED)
    action_of(plan, division, status=Action.Status.CANCELLED)

    overall = plan_figures(plan, TODAY).overall

    assert (overall.total, overall.average_progress) == (2, 30)


def test_overdue_means_open_after_the_due_date(plan, division):
    late = action_of(plan, division, due=DUE)
    on_time = action_of(plan, division, due=TODAY)
    approved_late = action_of(plan, division, due=DUE, status=Action.Status.DONE)

    figures = plan_figures(plan, TODAY)

    assert [figures.action(a.pk).overdue for a in (late, on_time, approved_late)] == [True, False, False]
    assert figures.action(late.pk).days_late == 15
    assert late.is_overdue(TODAY) and set(Action.objects.overdue(TODAY)) == {late}


def test_a_division_is_late_only_for_overdue_actions_still_waiting_for_it(plan, division, other_division):
    action = action_of(plan, division, other_division, status=Action.Status.IN_PROGRESS)
    record(action, division, 100, status=Submission.Status.SUBMITTED)
    record(action, other_division, 40)

    figures = plan_figures(plan, TODAY)

    assert figures.overall.overdue == 1
    assert {d.name: d.tally.overdue for d in figures.divisions} == {division.name: 0, other_division.name: 1}


def test_a_divisions_average_progress_is_that_of_its_own_parts(plan, division, other_division):
    shared = action_of(plan, division, other_division)
    record(shared, division, 100, status=Submission.Status.SUBMITTED)
    record(shared, other_division, 20)

    figures = plan_figures(plan, TODAY)

    assert figures.action(shared.pk).progress == 60
    assert {d.name: d.tally.average_progress for d in figures.divisions} == {
        division.name: 100,
        other_division.name: 20,
    }


def test_an_all_divisions_action_expects_every_active_division(plan, division, other_division):
    factories.DivisionFactory(agency=plan.agency, name="กองที่ปิดแล้ว", is_active=False)
    action = action_of(plan, all_divisions=True)
    record(action, division, 90)

    figures = plan_figures(plan, TODAY).action(action.pk)

    assert [part.division for part in figures.parts] == [division.name, other_division.name]
    assert figures.progress == 45


def test_plan_figures_take_four_queries_however_large_the_plan(
    plan, division, other_division, django_assert_num_queries
):
    for _ in range(20):
        record(action_of(plan, division, other_division), division, 10)

    with django_assert_num_queries(4):
        figures = plan_figures(plan, TODAY)

    assert figures.overall.total == 20


def test_an_oit_items_action_has_its_figures_but_no_tally_of_the_plan_counts_it(plan, division):
    own = action_of(plan, division)
    oit = action_of(plan, division)  # overdue, like `own`
    DisclosureItem.objects.create(
        agency=plan.agency,
        plan=plan,
        action=oit,
        assessment_year=2567,
        number="O1",
        position=1,
        title="โครงสร้าง",
        publish="แผนผังโครงสร้างหน่วยงาน",
        period="ปีปัจจุบัน",
        usual_division="สำนักปลัด",
    )

    figures = plan_figures(plan, TODAY)

    assert [a.pk for a in figures.actions] == [own.pk]
    assert [a.pk for a in figures.disclosure_actions] == [oit.pk]
    assert (figures.overall.total, figures.overall.overdue, [a.pk for a in figures.overdue]) == (1, 1, [own.pk])
    assert [m.pk for m in figures.measures] == [own.indicator.measure_id]
    assert figures.divisions[0].tally.total == 1
    assert figures.action(oit.pk).overdue
