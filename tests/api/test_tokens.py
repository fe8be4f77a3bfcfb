"""Personal API tokens: made and revoked by their owner, stored hashed, recorded, and scoped to the owner's role."""

from __future__ import annotations

import pytest
from django.urls import reverse

from api import services
from api.models import ApiToken
from approvals.models import AccessRefusal, User
from audit.reasons import API_TOKEN_CREATED, API_TOKEN_REVOKED
from oversight.models import OversightAssignment
from tests import factories

pytestmark = pytest.mark.django_db


def bearer(secret: str) -> dict[str, str]:
    return {"authorization": f"Bearer {secret}"}


@pytest.fixture
def province_officer(agency) -> User:
    agency.province = "ชลบุรี"
    agency.save()
    officer = factories.UserFactory(username="province", agency=None, first_name="ท้องถิ่นจังหวัด")
    OversightAssignment.objects.create(user=officer, province="ชลบุรี")
    return officer


def test_a_chief_creates_a_token_on_the_page_and_sees_its_secret_once(login, chief_administrator):
    client = login(chief_administrator)

    response = client.post(reverse("api-tokens"), {"name": "ระบบสารบรรณ"})

    assert response.status_code == 200
    token = ApiToken.objects.get(user=chief_administrator)
    page = response.content.decode()
    secret = page.split('data-value="secret">')[1].split("<")[0]
    assert secret.startswith("kh_") and token.prefix == secret[:10]
    assert token.digest == services.digest_of(secret) and secret not in token.digest
    assert secret not in client.get(reverse("api-tokens")).content.decode()


def test_creating_and_revoking_a_token_are_recorded_in_its_history(login, chief_administrator):
    client = login(chief_administrator)
    client.post(reverse("api-tokens"), {"name": "ระบบสารบรรณ"})
    token = ApiToken.objects.get(user=chief_administrator)

    client.post(reverse("api-token-revoke", args=[token.pk]))

    created, revoked = token.history.order_by("history_id")
    assert (created.history_user_id, created.history_type) == (chief_administrator.pk, "+")
    assert created.history_reason_code == API_TOKEN_CREATED
    assert (revoked.history_user_id, revoked.history_reason_code) == (chief_administrator.pk, API_TOKEN_REVOKED)
    assert revoked.revoked_at is not None


def test_a_token_reads_its_owners_agency_and_nothing_once_revoked(client, sample_year, chief_administrator):
    token, secret = services.create_token(by=chief_administrator, name="ระบบแดชบอร์ด")

    progress = client.get("/api/v1/me/progress", headers=bearer(secret))
    services.revoke_token(token, by=chief_administrator)
    after = client.get("/api/v1/me/progress", headers=bearer(secret), HTTP_ACCEPT_LANGUAGE="en")

    assert progress.status_code == 200
    [row] = progress.json()["items"]
    assert (row["agency"], row["fiscal_year"], row["overall"]["approved"]) == ("the-agency", 2566, 3)
    assert after.status_code == 401
    assert after.json()["code"] == "unauthenticated"


def test_a_token_cannot_read_another_agency(client, sample_year, chief_administrator, outsider_agency_user):
    _token, secret = services.create_token(by=chief_administrator, name="ระบบแดชบอร์ด")
    other = outsider_agency_user.agency

    response = client.get("/api/v1/me/progress", {"agency": other.slug}, headers=bearer(secret))

    assert response.status_code == 403
    assert AccessRefusal.objects.filter(user=chief_administrator).exists()


def test_division_staff_may_not_hold_a_token(login, staff_member):
    response = login(staff_member).post(reverse("api-tokens"), {"name": "ของฉัน"})

    assert response.status_code == 403
    assert not ApiToken.objects.exists()


def test_nobody_revokes_someone_elses_token(login, chief_administrator, mayor):
    token, _secret = services.create_token(by=chief_administrator, name="ระบบสารบรรณ")

    response = login(mayor).post(reverse("api-token-revoke", args=[token.pk]))

    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_a_province_token_reads_only_its_provinces_agencies(
    client, sample_year, province_officer, outsider_agency_user
):
    outsider = outsider_agency_user.agency
    outsider.province = "ขอนแก่น"
    outsider.save()
    factories.PlanFactory(agency=outsider, fiscal_year=sample_year.plan.fiscal_year)
    _token, secret = services.create_token(by=province_officer, name="ระบบจังหวัด")

    everything = client.get("/api/v1/me/progress", headers=bearer(secret))
    outside = client.get("/api/v1/me/progress", {"agency": outsider.slug}, headers=bearer(secret))
    findings = client.get("/api/v1/me/findings", headers=bearer(secret))
    export = client.get("/api/v1/me/exports/progress.csv", headers=bearer(secret))

    assert [row["agency"] for row in everything.json()["items"]] == ["the-agency"]
    assert outside.status_code == 403
    assert findings.status_code == 200
    assert (
        export.status_code == 200
        and "the-agency" in export.content.decode()
        and outsider.slug not in (export.content.decode())
    )


def test_a_call_without_a_token_is_a_json_401(client):
    response = client.get("/api/v1/me/progress", headers={"accept-language": "th"})

    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
