"""A second factor at sign-in (TOTP, django-otp) for executives, administrators and auditors, with a QR code
to enrol and recovery codes; staff may opt in. SECOND_FACTOR_REQUIRED turns it on (on whenever DEBUG is off);
make run's demo leaves it off and its sign-in page says so. A temporary password is replaced first of all."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from approvals import administration

PASSWORD = "correct-horse-battery"
SETTINGS_FILE = Path(django_settings.BASE_DIR) / "config" / "settings.py"


@pytest.fixture(autouse=True)
def _second_factor_on(settings):
    settings.SECOND_FACTOR_REQUIRED = True


def sign_in(client, username: str, password: str = PASSWORD):
    return client.post("/accounts/login/", {"username": username, "password": password})


def code_of(device: TOTPDevice, steps_ahead: int = 0) -> str:
    return f"{totp(device.bin_key, t0=device.t0, step=device.step, drift=device.drift + steps_ahead):06d}"


def enrol(client, user) -> list[str]:
    client.get("/accounts/second-factor/")
    device = TOTPDevice(user=user, key=client.session["second_factor_pending_key"])
    response = client.post("/accounts/second-factor/", {"code": code_of(device)})
    return response.context["codes"]


def test_an_executive_signing_in_with_the_password_must_first_set_up_an_authenticator(client, mayor):
    sign_in(client, "mallory")

    response = client.get("/work/inbox/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/second-factor/")


def test_the_set_up_page_shows_a_qr_code_and_the_key_to_type_and_saves_nothing(client, mayor):
    sign_in(client, "mallory")

    page = client.get("/accounts/second-factor/").content.decode()

    assert "<svg" in page
    assert "สแกนคิวอาร์โค้ด" in page
    assert 'style="' not in page
    assert not TOTPDevice.objects.filter(user=mayor).exists()


def test_enrolling_shows_ten_recovery_codes_once_and_opens_the_pages(client, mayor):
    sign_in(client, "mallory")

    codes = enrol(client, mayor)

    assert len(set(codes)) == 10
    assert client.get("/work/inbox/").status_code == 200


def test_the_next_sign_in_asks_for_the_code_and_refuses_a_wrong_one(client, mayor):
    sign_in(client, "mallory")
    enrol(client, mayor)
    client.post("/accounts/logout/")
    sign_in(client, "mallory")

    asked = client.get("/work/inbox/")
    wrong = client.post("/accounts/second-factor/verify/", {"code": "000000"})

    assert asked["Location"].startswith("/accounts/second-factor/verify/")
    assert wrong.status_code == 400
    assert client.get("/work/inbox/").status_code == 302


def test_a_code_from_the_app_completes_the_sign_in(client, mayor):
    sign_in(client, "mallory")
    enrol(client, mayor)
    client.post("/accounts/logout/")
    sign_in(client, "mallory")
    device = TOTPDevice.objects.get(user=mayor)

    # The next code: the one used to enrol cannot be replayed.
    client.post("/accounts/second-factor/verify/", {"code": code_of(device, steps_ahead=1)})

    assert client.get("/work/inbox/").status_code == 200


def test_a_recovery_code_works_once(client, mayor):
    sign_in(client, "mallory")
    codes = enrol(client, mayor)
    for _ in range(2):
        client.post("/accounts/logout/")
        sign_in(client, "mallory")
        client.post("/accounts/second-factor/verify/", {"code": codes[0]})
        opened = client.get("/work/inbox/").status_code

    assert opened == 302


def test_staff_without_a_second_factor_go_straight_in(client, staff_member):
    sign_in(client, "alice")

    assert client.get("/work/inbox/").status_code == 200


def test_staff_who_opt_in_are_asked_for_the_code(client, staff_member):
    sign_in(client, "alice")
    enrol(client, staff_member)
    client.post("/accounts/logout/")
    sign_in(client, "alice")

    assert client.get("/work/inbox/")["Location"].startswith("/accounts/second-factor/verify/")


def test_a_platform_operator_signs_in_with_a_second_factor_before_the_admin_opens(client, db):
    from tests import factories

    operator = factories.platform_operator()
    client.force_login(operator, second_factor=False)

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/second-factor/")


def test_with_the_setting_off_executives_go_straight_in_and_the_sign_in_page_says_so(client, mayor, settings):
    settings.SECOND_FACTOR_REQUIRED = False

    login_page = client.get("/accounts/login/").content.decode()
    sign_in(client, "mallory")

    assert "โหมดสาธิต" in login_page
    assert client.get("/work/inbox/").status_code == 200


def test_with_the_setting_on_the_sign_in_page_says_nothing_of_a_demo(client):
    assert "โหมดสาธิต" not in client.get("/accounts/login/").content.decode()


@pytest.mark.parametrize(("debug", "required"), [("false", True), ("true", False)])
def test_the_second_factor_is_on_unless_debug_is_on(monkeypatch, debug, required):
    monkeypatch.setenv("DEBUG", debug)
    monkeypatch.setenv("SECRET_KEY", "a-test-secret-that-is-long-enough")
    monkeypatch.delenv("SECOND_FACTOR_REQUIRED", raising=False)

    values = runpy.run_path(str(SETTINGS_FILE))

    assert values["SECOND_FACTOR_REQUIRED"] is required


def test_a_temporary_password_must_be_replaced_before_any_page_opens(client, staff_member, agency_admin):
    administration.set_temporary_password(staff_member, "temporary-pass-2569", by=agency_admin, reason="ลืมรหัส")
    sign_in(client, "alice", "temporary-pass-2569")

    blocked = client.get("/work/inbox/")
    client.post(
        "/accounts/password/",
        {
            "old_password": "temporary-pass-2569",
            "new_password1": "my-own-passphrase-2569",
            "new_password2": "my-own-passphrase-2569",
        },
    )

    staff_member.refresh_from_db()
    assert blocked["Location"].startswith("/accounts/password/")
    assert not staff_member.must_change_password
    assert client.get("/work/inbox/").status_code == 200
    assert staff_member.history.latest().history_user == staff_member
