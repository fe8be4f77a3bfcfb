import re
import statistics

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from approvals.models import Action, Decision, Submission
from tests import factories
from tests.reports.builders import approve, at

URL = reverse("reports:dashboard")


def _figure(page: str, name: str) -> str:
    return re.search(rf'data-figure="{name}">([^<]*)<', page).group(1)


@pytest.mark.parametrize("persona", ["chief_administrator", "mayor", "agency_admin"])
def test_executives_open_the_dashboard(client, login, sample_year, persona, request):
    login(request.getfixturevalue(persona))

    response = client.get(URL)

    assert response.status_code == 200
    assert "<svg" in response.content.decode()


@pytest.mark.parametrize("persona", ["staff_member", "division_head", "auditor"])
def test_others_may_not_open_the_executive_dashboard(client, login, sample_year, persona, request):
    login(request.getfixturevalue(persona))

    assert client.get(URL).status_code == 403


def test_dashboard_figures_match_counts_computed_from_the_records(client, login, sample_year, mayor):
    plan_actions = Action.objects.filter(indicator__measure__plan=sample_year.plan)
    counted = plan_actions.exclude(status=Action.Status.CANCELLED)
    open_statuses = [s for s in Action.Status.values if s not in (Action.Status.DONE, Action.Status.CANCELLED)]
    final_submissions = {
        s.action_id: s.submitted_at for s in Submission.objects.filter(status=Submission.Status.APPROVED)
    }
    approval_days = [
        (d.decided_at - final_submissions[d.action_id]).total_seconds() / 86400
        for d in Decision.objects.filter(stage=Decision.Stage.APPROVAL, outcome=Decision.Outcome.APPROVED)
    ]
    login(mayor)

    page = client.get(URL).content.decode()

    assert _figure(page, "total") == str(counted.count())
    assert _figure(page, "done") == str(counted.filter(status=Action.Status.DONE).count())
    assert _figure(page, "awaiting") == str(
        counted.filter(status__in=[Action.Status.AWAITING_REVIEW, Action.Status.AWAITING_APPROVAL]).count()
    )
    assert _figure(page, "overdue") == str(
        plan_actions.filter(status__in=open_statuses, due_date__lt=timezone.localdate()).count()
    )
    assert _figure(page, "returns") == str(Decision.objects.filter(outcome=Decision.Outcome.RETURNED).count())
    assert _figure(page, "median-days") == str(round(statistics.median(approval_days), 1))


def test_division_progress_counts_the_divisions_own_and_all_division_actions(
    client, login, sample_year, division, other_division, mayor
):
    def counted(d):
        own = Action.objects.filter(Q(all_divisions=True) | Q(divisions=d), indicator__measure__plan=sample_year.plan)
        own = own.exclude(status=Action.Status.CANCELLED).distinct()
        return own.count(), own.filter(status=Action.Status.DONE).count()

    login(mayor)

    tallies = {t.label: (t.total, t.done) for t in client.get(URL).context["dashboard"].divisions}

    assert tallies == {division.name: counted(division), other_division.name: counted(other_division)}


def test_the_return_and_its_reason_are_listed_for_the_executives(client, login, sample_year, chief_administrator):
    login(chief_administrator)

    page = client.get(URL).content.decode()

    assert Decision.objects.get(outcome=Decision.Outcome.RETURNED).reason in page


def test_the_dashboard_takes_the_same_number_of_queries_for_ten_times_the_actions(
    client, login, sample_year, division, staff_member, chief_administrator, mayor
):
    login(mayor)
    client.get(URL)
    with CaptureQueriesContext(connection) as small:
        client.get(URL)
    indicator = sample_year.actions[0].indicator
    for position in range(10, 60):
        action = factories.ActionFactory(
            indicator=indicator, agency=indicator.agency, position=position, responsible=[division]
        )
        if position % 2:
            approve(
                action,
                {division: ("ผล", "ผลลัพธ์")},
                staff=staff_member,
                chief=chief_administrator,
                mayor=mayor,
                when=at(2023, 5, 1),
            )

    with CaptureQueriesContext(connection) as big:
        response = client.get(URL)

    assert response.context["dashboard"].overall.total == 55
    assert len(big.captured_queries) == len(small.captured_queries)


def test_the_dashboard_stays_within_its_query_budget(client, login, sample_year, mayor, django_assert_max_num_queries):
    login(mayor)

    # 17 since acting officials: the page asks once whether the mayor's post is held by an acting official; 18
    # since the OIT items have their own figure (oit.progress.completion, one query).
    with django_assert_max_num_queries(18):
        client.get(URL)


def test_the_dashboard_lists_the_most_late_overdue_work_and_the_rest_one_click_away(
    client, login, sample_year, mayor, monkeypatch
):
    from reports import dashboards

    overdue = list(
        Action.objects.filter(indicator__measure__plan=sample_year.plan)
        .overdue(timezone.localdate())
        .order_by("due_date")
    )
    assert len(overdue) > 1, "the sample year has overdue work to list"
    monkeypatch.setattr(dashboards, "OVERDUE_SHOWN", 1)
    login(mayor)

    page = client.get(URL).content.decode()
    rows = re.findall(r"<tr><td>([^<]*)</td>", page.split('id="overdue"')[1].split("</table>")[0])
    everything = client.get(URL, {"overdue": "all"}).content.decode()
    all_rows = re.findall(r"<tr><td>([^<]*)</td>", everything.split('id="overdue"')[1].split("</table>")[0])

    assert len(rows) == 1 and len(all_rows) == len(overdue)
    assert _figure(page, "overdue") == str(len(overdue))  # the figure counts them all, whatever the list shows
    assert rows == all_rows[:1]  # the most late first, in both
    assert f"1 รายการที่ล่าช้าที่สุดจาก {len(overdue)} รายการ" in page
    assert "overdue=all#overdue" in page and "แสดงงานที่เกินกำหนดทั้งหมด" in page
    assert "แสดงงานที่เกินกำหนดทั้งหมด" not in everything
