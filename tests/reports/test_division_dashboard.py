import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from approvals.models import Action
from tests import factories

URL = reverse("reports:division-dashboard")


def test_staff_see_their_divisions_actions_and_not_the_others(client, login, sample_year, staff_member):
    login(staff_member)

    page = client.get(URL).content.decode()

    assert "ดำเนินการทบทวน ปรับปรุงกระบวนการขั้นตอนการให้บริการของเจ้าหน้าที่" in page
    assert "เผยแพร่ประชาสัมพันธ์แผนการใช้จ่ายงบประมาณประจำปี" in page  # an all-divisions action
    assert "มีมาตรการการลงโทษที่ชัดเจน" not in page  # กองคลัง's own action


def test_the_divisions_figures_match_its_actions(client, login, sample_year, staff_member, division):
    own = Action.objects.filter(indicator__measure__plan=sample_year.plan).exclude(status=Action.Status.CANCELLED)
    own = [a for a in own if a.all_divisions or division in a.divisions.all()]
    login(staff_member)

    tally = client.get(URL).context["dashboard"].divisions[0]

    assert (tally.label, tally.total, tally.done) == (
        division.name,
        len(own),
        sum(1 for a in own if a.status == Action.Status.DONE),
    )


def test_a_person_without_a_division_is_told_so(client, login, sample_year, mayor):
    login(mayor)

    response = client.get(URL)

    assert response.status_code == 200
    assert response.context["dashboard"] is None


@pytest.mark.parametrize("extra", [50])
def test_the_division_dashboard_takes_the_same_number_of_queries_for_more_actions(
    client, login, sample_year, staff_member, division, extra
):
    login(staff_member)
    client.get(URL)
    with CaptureQueriesContext(connection) as small:
        client.get(URL)
    indicator = sample_year.actions[0].indicator
    for position in range(100, 100 + extra):
        factories.ActionFactory(indicator=indicator, agency=indicator.agency, position=position, responsible=[division])

    with CaptureQueriesContext(connection) as big:
        client.get(URL)

    assert len(big.captured_queries) == len(small.captured_queries)
