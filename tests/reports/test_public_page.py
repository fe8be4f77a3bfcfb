"""The public disclosure page: open to anyone, approved facts only, fast, and fresh after an approval."""

import pytest
from django.db import transaction
from django.urls import reverse

from approvals.models import Action, Decision, Submission
from approvals.signals import action_approved
from tests import factories
from tests.reports.builders import INTERNAL_COMMENT, RETURN_REASON, UNAPPROVED, add_evidence, approve, at


@pytest.fixture
def public_url(sample_year, agency):
    return reverse("reports:public", args=[agency.slug, 2566])


@pytest.fixture
def evidence(sample_year, staff_member):
    approved = sample_year.approved[0]
    unapproved = sample_year.unapproved[0]
    removed = add_evidence(approved, name="ไฟล์ที่ถูกแทนที่.pdf", internal=False, by=staff_member)
    removed.is_removed = True
    removed.save()
    return {
        "public": add_evidence(approved, name="ภาพกิจกรรมประชุมประจำเดือน.pdf", internal=False, by=staff_member),
        "internal": add_evidence(approved, name="บันทึกข้อความภายในลับ.pdf", internal=True, by=staff_member),
        "unapproved": add_evidence(unapproved, name="หลักฐานที่ยังไม่อนุมัติ.pdf", internal=False, by=staff_member),
        "removed": removed,
    }


def test_anyone_can_read_the_public_page_without_signing_in(client, public_url, sample_year):
    response = client.get(public_url)

    assert response.status_code == 200
    page = response.content.decode()
    assert "ดำเนินการทบทวน ปรับปรุงกระบวนการขั้นตอนการให้บริการของเจ้าหน้าที่" in page
    for submission in sample_year.approved:
        assert submission.results in page


def test_the_public_page_shows_approved_results_and_public_evidence_only(client, public_url, evidence):
    page = client.get(public_url).content.decode()

    assert evidence["public"].original_name in page
    for kind in ("internal", "unapproved", "removed"):
        assert evidence[kind].original_name not in page


def test_nothing_unapproved_no_return_reason_and_no_internal_comment_ever_appears(client, public_url, sample_year):
    page = client.get(public_url).content.decode()

    assert UNAPPROVED not in page
    assert RETURN_REASON not in page
    assert INTERNAL_COMMENT not in page
    for submission in sample_year.unapproved:
        assert submission.results not in page


def test_no_staff_names_appear(client, public_url, sample_year, staff_member, other_division_staff):
    for person, last_name in ((staff_member, "ขยันยิ่ง"), (other_division_staff, "ตั้งใจงาน")):
        person.last_name = last_name
        person.save()

    page = client.get(public_url).content.decode()

    for person in (staff_member, other_division_staff):
        assert person.first_name not in page
        assert person.last_name not in page
        assert person.username not in page


def test_internal_unapproved_and_removed_evidence_cannot_be_downloaded(client, agency, evidence):
    def url(item):
        return reverse("reports:public-evidence", args=[agency.slug, 2566, item.pk])

    assert client.get(url(evidence["public"])).status_code == 200
    for kind in ("internal", "unapproved", "removed"):
        assert client.get(url(evidence[kind])).status_code == 404


def test_a_draft_plan_and_an_unknown_agency_have_no_public_page(client, agency, sample_year):
    sample_year.plan.status = "draft"
    sample_year.plan.save()

    assert client.get(reverse("reports:public", args=[agency.slug, 2566])).status_code == 404
    assert client.get(reverse("reports:public", args=["no-such-agency", 2566])).status_code == 404


def test_the_public_page_takes_a_fixed_number_of_queries(client, public_url, django_assert_max_num_queries):
    # The page's plan and figures, its reports, its approved OIT items and their figure (items approved of all)
    # and its chain's latest published head.
    with django_assert_max_num_queries(14):
        client.get(public_url)


def test_a_cached_public_page_is_served_with_one_query(client, public_url, django_assert_num_queries):
    client.get(public_url)

    with django_assert_num_queries(1):
        response = client.get(public_url)

    assert response.status_code == 200


def test_an_approval_refreshes_the_cached_page_once_it_commits(
    client,
    public_url,
    sample_year,
    division,
    staff_member,
    chief_administrator,
    mayor,
    django_capture_on_commit_callbacks,
):
    indicator = sample_year.actions[0].indicator
    action = factories.ActionFactory(
        indicator=indicator, agency=indicator.agency, position=30, text="จัดทำคู่มือสำหรับประชาชน", responsible=[division]
    )
    assert "จัดทำคู่มือสำหรับประชาชนฉบับอิเล็กทรอนิกส์แล้ว" not in client.get(public_url).content.decode()

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        approve(
            action,
            {division: ("จัดทำคู่มือสำหรับประชาชนฉบับอิเล็กทรอนิกส์แล้ว", "ประชาชนเข้าถึงคู่มือได้")},
            staff=staff_member,
            chief=chief_administrator,
            mayor=mayor,
            when=at(2023, 9, 1),
        )
        decision = Decision.objects.get(action=action, stage=Decision.Stage.APPROVAL)
        action_approved.send(sender=Action, action=action, by=mayor, decision=decision)

    assert "จัดทำคู่มือสำหรับประชาชนฉบับอิเล็กทรอนิกส์แล้ว" in client.get(public_url).content.decode()


def test_the_public_page_counts_approved_actions_by_division(client, public_url, sample_year):
    response = client.get(public_url)

    page = response.content.decode()
    # สำนักปลัด: 3 approved (two own actions, one all-divisions) of 4 counted (the cancelled one is not).
    assert '<td>สำนักปลัด</td><td class="num" data-value="done">3</td><td class="num" data-value="total">4</td>' in page
    # กองคลัง: the all-divisions action approved, its own action still awaiting approval.
    assert '<td>กองคลัง</td><td class="num" data-value="done">1</td><td class="num" data-value="total">2</td>' in page
    assert Submission.objects.filter(status=Submission.Status.APPROVED).count() == 4


def test_the_agencys_public_address_leads_to_its_latest_plan(client, agency, sample_year, public_url):
    response = client.get(reverse("reports:public-latest", args=[agency.slug]))

    assert response.status_code == 302
    assert response["Location"] == public_url


class UnreachableCache:
    """The cache as the page sees it while Redis is down: every call fails after its timeout."""

    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

        return fail


def test_the_public_page_is_built_from_the_database_while_the_cache_is_unreachable(
    client, public_url, sample_year, monkeypatch
):
    monkeypatch.setattr("reports.public.cache", UnreachableCache())

    response = client.get(public_url)

    assert response.status_code == 200
    assert sample_year.approved[0].results in response.content.decode()
