"""Platform operators open oversight officers' accounts and grant their roles; a second operator confirms."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from approvals import administration
from approvals.exceptions import InvalidTransition, NotAllowed
from approvals.models import AccessRefusal, User
from audit.reasons import GRANT_CONFIRMED
from oversight import services
from oversight.models import OversightAssignment
from tests.oversight.conftest import ORDER

pytestmark = pytest.mark.django_db

PROVINCE = "ชลบุรี"
PASSWORD = "ชั่วคราว-2569-xyz"


@pytest.fixture(autouse=True)
def province(agency):
    agency.province, agency.district = PROVINCE, "พานทอง"
    agency.save()
    return PROVINCE


def _open(by: User, username: str = "somporn") -> User:
    return services.open_officer_account(
        by=by, reason="คำสั่งจังหวัดชลบุรีที่ 12/2569", username=username, first_name="สมพร", password=PASSWORD
    )


def _signed_in_for_good(person: User) -> User:
    """The officer replaced the temporary password at first sign-in (the pages wait for it)."""
    return administration.change_own_password(person, "รหัสของสมพรเอง-2569")


def test_an_operator_opens_an_officers_account_in_no_agency_with_a_temporary_password(operator):
    person = _open(operator)

    assert person.agency_id is None
    assert person.must_change_password
    assert person.check_password(PASSWORD)
    record = person.history.get()
    assert record.history_user == operator
    assert record.history_change_reason == "คำสั่งจังหวัดชลบุรีที่ 12/2569"


def test_an_agency_administrator_cannot_open_an_officers_account(agency_admin):
    with pytest.raises(NotAllowed):
        _open(agency_admin)

    assert not User.objects.filter(username="somporn").exists()
    assert AccessRefusal.objects.filter(user=agency_admin).exists()


def test_a_proposed_grant_gives_no_access_until_a_second_operator_confirms_it(
    login, operator, second_operator, sample_year
):
    person = _signed_in_for_good(_open(operator))
    proposed = services.grant_oversight(person, province=PROVINCE, by=operator, reason="เสนอแต่งตั้ง", **ORDER)

    assert proposed.status == OversightAssignment.Status.PROPOSED
    assert login(person).get(reverse("oversight:overview")).status_code == 403

    confirmed = services.confirm_oversight(proposed, by=second_operator)

    assert confirmed.status == OversightAssignment.Status.IN_EFFECT
    assert confirmed.confirmed_by == second_operator
    record = confirmed.history.latest()
    assert record.history_user == second_operator and record.history_reason_code == GRANT_CONFIRMED
    assert login(person).get(reverse("oversight:overview")).status_code == 200


def test_the_operator_who_proposed_a_grant_cannot_confirm_it(operator):
    proposed = services.grant_oversight(_open(operator), province=PROVINCE, by=operator, reason="เสนอ", **ORDER)

    with pytest.raises(NotAllowed):
        services.confirm_oversight(proposed, by=operator)

    proposed.refresh_from_db()
    assert proposed.status == OversightAssignment.Status.PROPOSED
    assert AccessRefusal.objects.filter(user=operator, rule="four_eyes").exists()


def test_a_grant_needs_the_order_that_appoints_the_person(operator):
    person = _open(operator)

    with pytest.raises(InvalidTransition):
        services.grant_oversight(person, province=PROVINCE, by=operator, reason="ไม่มีคำสั่ง")

    assert not OversightAssignment.objects.exists()


def test_a_misspelled_province_is_refused_and_nothing_is_written(operator):
    with pytest.raises(InvalidTransition, match="ชลบุร"):
        services.appoint_officer(
            by=operator,
            reason="แต่งตั้ง",
            username="typo",
            first_name="สมพร",
            password=PASSWORD,
            province="ชลบุร",
            **ORDER,
        )

    assert not User.objects.filter(username="typo").exists()
    assert not OversightAssignment.objects.exists()


def test_a_person_of_an_agency_cannot_be_an_oversight_officer(operator, staff_member):
    with pytest.raises(InvalidTransition):
        services.grant_oversight(staff_member, province=PROVINCE, by=operator, reason="ผิดคน", **ORDER)


def test_the_proposer_withdraws_and_another_operator_declines(operator, second_operator):
    first = services.grant_oversight(_open(operator), province=PROVINCE, by=operator, reason="เสนอ", **ORDER)
    withdrawn = services.decline_oversight(first, by=operator, reason="เสนอผิดพื้นที่")
    second = services.grant_oversight(first.user, province=PROVINCE, by=operator, reason="เสนอใหม่", **ORDER)
    declined = services.decline_oversight(second, by=second_operator, reason="ยังไม่มีคำสั่งจริง")

    assert withdrawn.status == declined.status == OversightAssignment.Status.DECLINED
    assert declined.history.latest().history_change_reason == "ยังไม่มีคำสั่งจริง"


def test_an_ended_role_closes_the_oversight_pages(login, operator, grant_in_effect, sample_year):
    person = _signed_in_for_good(_open(operator))
    assignment = grant_in_effect(person, PROVINCE)

    services.end_oversight(assignment, by=operator, reason="ย้ายไปจังหวัดอื่น")

    assert login(person).get(reverse("oversight:overview")).status_code == 403
    assert assignment.history.latest().history_change_reason == "ย้ายไปจังหวัดอื่น"


def test_operators_open_and_confirm_on_the_page_and_the_officer_sees_the_province(
    client, operator, second_operator, sample_year
):
    client.force_login(operator, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post(
        reverse("oversight:officers"),
        {
            "username": "somporn",
            "first_name": "สมพร",
            "last_name": "กำกับดี",
            "password": PASSWORD,
            "province": PROVINCE,
            "order_number": "ชบ 0023/77",
            "order_date": "1/10/2569",
            "reason": "คำสั่งจังหวัดชลบุรีที่ 77/2569",
        },
        follow=True,
    )
    assignment = OversightAssignment.objects.get()
    assert response.status_code == 200 and "somporn" in response.content.decode()
    assert assignment.status == OversightAssignment.Status.PROPOSED
    assert assignment.order_date == datetime.date(2026, 10, 1)

    client.force_login(second_operator, backend="django.contrib.auth.backends.ModelBackend")
    page = client.get(reverse("oversight:officers")).content.decode()
    assert reverse("oversight:grant-confirm", args=[assignment.pk]) in page
    client.post(reverse("oversight:grant-confirm", args=[assignment.pk]), {"reason": ""})

    officer = _signed_in_for_good(User.objects.get(username="somporn"))
    client.force_login(officer, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get(reverse("oversight:overview")).status_code == 200


def test_the_proposer_is_not_offered_the_confirmation(client, operator):
    assignment = services.grant_oversight(_open(operator), province=PROVINCE, by=operator, reason="เสนอ", **ORDER)
    client.force_login(operator, backend="django.contrib.auth.backends.ModelBackend")

    page = client.get(reverse("oversight:officers")).content.decode()

    assert reverse("oversight:grant-confirm", args=[assignment.pk]) not in page
    assert reverse("oversight:grant-decline", args=[assignment.pk]) in page


def test_agency_people_cannot_open_the_operators_page(login, agency_admin):
    client = login(agency_admin)

    assert client.get(reverse("oversight:officers")).status_code == 403
    assert AccessRefusal.objects.filter(user=agency_admin).exists()


def test_the_command_appoints_and_a_second_operator_confirms(capsys, operator, second_operator):
    call_command(
        "oversight_officers",
        "appoint",
        "--by=operator",
        "--reason=คำสั่งจังหวัดชลบุรีที่ 9/2569",
        "--username=somporn",
        "--first-name=สมพร",
        f"--province={PROVINCE}",
        "--district=พานทอง",
        "--order-number=ชบ 0023/9",
        "--order-date=2569-10-01",
    )
    assignment = OversightAssignment.objects.get()
    assert "temporary password" in capsys.readouterr().out
    assert assignment.status == OversightAssignment.Status.PROPOSED
    assert assignment.order_date == datetime.date(2026, 10, 1)

    with pytest.raises(CommandError):
        call_command("oversight_officers", "confirm", str(assignment.pk), "--by=operator")
    call_command("oversight_officers", "confirm", str(assignment.pk), "--by=operator2")

    assignment.refresh_from_db()
    assert assignment.status == OversightAssignment.Status.IN_EFFECT
    assert assignment.confirmed_by == second_operator


def test_the_sample_data_gives_a_province_officer_who_sees_the_sample_agency(login):
    from approvals.sample import load_sample_agency

    sample, _summary = load_sample_agency()
    officer = User.objects.get(username="province")

    response = login(officer).get(reverse("oversight:overview"))

    assert officer.agency_id is None
    assert response.status_code == 200
    assert sample.name in response.content.decode()
