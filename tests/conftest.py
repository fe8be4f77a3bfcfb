"""Shared fixtures: the real services, and one persona per role (in the spirit of healthchecks'
alice, bob and charlie). Personas work in one agency, "the agency", with two divisions."""

from __future__ import annotations

import os
import socket
from urllib.parse import urlparse

import pytest

from approvals.models import Role
from tests import factories

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=2):
            return True
    except OSError:
        return False


def require_service(name: str, url: str, default_port: int) -> None:
    """Real-service tests fail in CI when the service is missing; on a laptop they skip with a reason."""
    if _reachable(url, default_port):
        return
    message = f"{name} is not reachable at {url}"
    if IN_CI:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def django_db_setup(request, django_test_environment, django_db_blocker):
    """The test database is created and migrated by the owner role, and the tests run as the app's role
    (audit/roles.py), as in production: app code that needed more than the app's rights would fail here."""
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    from audit import roles

    verbosity = request.config.option.verbose
    with django_db_blocker.unblock(), roles.as_owner(connection):
        databases = setup_databases(verbosity=verbosity, interactive=False, aliases={"default"})
    yield
    with django_db_blocker.unblock(), roles.as_owner(connection):
        try:
            teardown_databases(databases, verbosity=verbosity)
        except Exception as exc:  # as pytest-django: a session left open (the live server's) only delays the drop
            request.node.warn(pytest.PytestWarning(f"Error when trying to teardown test databases: {exc!r}"))


@pytest.fixture
def owner_connection(transactional_db):
    """A connection to the test database as the owner role (for tampering as only an owner could), in
    autocommit; the test itself must be transactional to see what the app committed."""
    import psycopg
    from django.db import connection

    from audit import roles

    owner = roles.owner_credentials()
    if owner is None or owner["USER"] == connection.settings_dict["USER"]:
        pytest.fail("DATABASE_OWNER_URL must name the owner role, other than the app's (run `make test`)")
    params = connection.get_connection_params()
    params.update(user=owner["USER"], password=owner["PASSWORD"], autocommit=True)
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params) as owner_conn:
        yield owner_conn


@pytest.fixture(autouse=True)
def _test_data_has_a_source():
    """What a test writes itself (factories, fixtures) is recorded as the test run's doing, as a command's
    would be; requests, jobs and commands the test starts enter their own context. Tests of a write made
    with no context at all say so with `context.without()`."""
    from audit import context

    with context.entered("command", "pytest", user=None):
        yield


@pytest.fixture(autouse=True)
def _thai_first():
    """Each test starts in the site's language, as a new request does: a request of an earlier test in English
    leaves English active in the thread, and a message a service words outside a request would follow it."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("TEST_REDIS_URL") or os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"
    require_service("Redis", url, 6379)
    return url


@pytest.fixture
def agency(db):
    return factories.AgencyFactory(name="องค์การบริหารส่วนตำบลทดสอบ", slug="the-agency")


@pytest.fixture
def division(agency):
    return factories.DivisionFactory(agency=agency, name="สำนักปลัด", sort_order=1)


@pytest.fixture
def other_division(agency):
    return factories.DivisionFactory(agency=agency, name="กองคลัง", sort_order=2)


def _persona(agency, username: str, role: str, division=None, **extra):
    user = factories.UserFactory(username=username, agency=agency, **extra)
    factories.RoleAssignmentFactory(user=user, agency=agency, role=role, division=division)
    return user


@pytest.fixture
def staff_member(agency, division):
    return _persona(agency, "alice", Role.STAFF, division, first_name="อลิส")


@pytest.fixture
def other_division_staff(agency, other_division):
    return _persona(agency, "dave", Role.STAFF, other_division, first_name="เดฟ")


@pytest.fixture
def division_head(agency, division):
    return _persona(agency, "bob", Role.DIVISION_HEAD, division, first_name="บ็อบ")


@pytest.fixture
def chief_administrator(agency):
    return _persona(agency, "charlie", Role.CHIEF_ADMINISTRATOR, first_name="ชาลี")


@pytest.fixture
def mayor(agency):
    return _persona(agency, "mallory", Role.MAYOR, first_name="มะลิ")


@pytest.fixture
def auditor(agency):
    return _persona(agency, "oscar", Role.AUDITOR, first_name="ออสการ์")


@pytest.fixture
def agency_admin(agency):
    return _persona(agency, "walter", Role.AGENCY_ADMIN, first_name="วอลเตอร์")


@pytest.fixture
def outsider_agency_user(db):
    other = factories.AgencyFactory(name="เทศบาลตำบลอื่น", slug="other-agency")
    outsider_division = factories.DivisionFactory(agency=other, name="สำนักปลัด")
    return _persona(other, "eve", Role.STAFF, outsider_division, first_name="อีฟ")


def pass_second_factor(client, user) -> None:
    """Finish a forced sign-in as the person would: with their authenticator (one is enrolled if needed)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


@pytest.fixture
def client(client):
    """Django's test client, whose force_login signs in fully: through the model backend, and past the
    second factor (executives, administrators and auditors need one; SECOND_FACTOR_REQUIRED is on, as in
    production). `force_login(user, second_factor=False)` stops at the password.

    force_login would otherwise pick the first configured backend, django-axes' lockout backend,
    which authenticates nobody, so the session would not resolve to a user.
    """
    force_login = client.force_login

    def force_login_with_model_backend(
        user, backend="django.contrib.auth.backends.ModelBackend", second_factor: bool = True
    ):
        force_login(user, backend=backend)
        if second_factor:
            pass_second_factor(client, user)

    client.force_login = force_login_with_model_backend
    return client


@pytest.fixture(scope="module")
def rows_of_the_module(tmp_path_factory):
    """A data set that every transactional test of a module starts from, made by the first and put back for
    the others (tests/snapshot.py), with one MEDIA_ROOT for the files it names."""
    from tests.snapshot import ModuleRows

    return ModuleRows(tmp_path_factory.mktemp("media"))


@pytest.fixture(scope="session")
def chromium():
    """The session's one Chromium (tests/browser.py), started by the first test that needs it."""
    from tests.browser import Chromium

    session_chromium = Chromium()
    yield session_chromium
    session_chromium.stop()


@pytest.fixture
def browser(chromium, monkeypatch):
    """The session's Chromium for one test, which opens a context per person and size in it (tests/browser.py:
    `Visit`, `new_page`, `sign_in`); they are closed after the test. Playwright's sync API runs an event loop
    in this thread while the test uses it; the ORM calls of the test are plain synchronous ones."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with chromium.in_use() as session_browser:
        yield session_browser


@pytest.fixture(autouse=True)
def _browser_sign_in_by_password(request, settings):
    """Browser tests sign in with the password only (by a session cookie, tests/browser.py), unless marked
    `second_factor` (the TOTP sign-in test): the second factor has its own tests."""
    if request.node.get_closest_marker("browser") and not request.node.get_closest_marker("second_factor"):
        settings.SECOND_FACTOR_REQUIRED = False


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Hashing passwords properly costs half a second per persona; tests need only that they match."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
