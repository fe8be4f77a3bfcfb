import pytest
from django.urls import reverse

from tests import factories


def test_every_page_redirects_an_anonymous_visitor_to_sign_in(client, db):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_sign_in_page_is_in_thai_by_default(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert "เข้าสู่ระบบ" in response.content.decode()


def test_the_language_switch_shows_english(client, db):
    client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})
    response = client.get(reverse("login"))
    assert "Sign in" in response.content.decode()


def test_a_staff_member_signs_in_and_sees_their_agency(client, staff_member):
    response = client.post(reverse("login"), {"username": "alice", "password": "correct-horse-battery"}, follow=True)
    assert response.status_code == 200
    assert staff_member.agency.name in response.content.decode()


@pytest.mark.django_db
def test_repeated_failed_sign_ins_lock_the_account(client, staff_member):
    for _ in range(5):
        client.post(reverse("login"), {"username": "alice", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "alice", "password": "correct-horse-battery"})
    assert response.status_code == 429
    assert "บัญชีถูกระงับชั่วคราว" in response.content.decode()


def test_a_session_expires_when_the_browser_closes(settings):
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert settings.SESSION_COOKIE_AGE <= 8 * 60 * 60


def test_pages_show_only_the_signed_in_persons_agency(client, staff_member, outsider_agency_user):
    factories.PlanFactory(agency=outsider_agency_user.agency, fiscal_year__year=2568)
    client.force_login(staff_member)
    response = client.get(reverse("approvals:plan-detail", args=[2568]))
    assert response.status_code == 404


def test_a_browser_set_to_english_still_gets_thai_until_the_person_switches(client, db):
    response = client.get(reverse("login"), headers={"accept-language": "en-US,en;q=0.9"})
    assert "เข้าสู่ระบบ" in response.content.decode()


def test_signing_in_writes_no_history_row(client, staff_member):
    before = staff_member.history.count()
    client.post(reverse("login"), {"username": "alice", "password": "correct-horse-battery"})
    staff_member.refresh_from_db()
    assert staff_member.last_login is not None
    assert staff_member.history.count() == before
