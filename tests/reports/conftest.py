from __future__ import annotations

import pytest
from django.core.cache import cache

from config.celery import app as celery_app
from tests.reports.builders import build_sample_year


@pytest.fixture(autouse=True)
def _isolated_files_and_cache(settings, tmp_path):
    """Rendered files go to a temporary folder, and no cached public page survives from another test.
    Personas' passwords are hashed quickly: these tests are about reports, not passwords."""
    settings.MEDIA_ROOT = tmp_path / "media"
    # Official documents' own digits; test_report_digits.py checks the Arabic ones.
    settings.THAI_DIGITS = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def eager_tasks():
    """Run Celery tasks in-process, as the embedded default does (the test settings may name a broker)."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def sample_year(agency, division, other_division, staff_member, chief_administrator, mayor):
    chief_administrator.last_name = "ธรรมดี"
    chief_administrator.position = "ปลัดองค์การบริหารส่วนตำบล"
    chief_administrator.save()
    mayor.last_name = "ศรีสุข"
    mayor.position = "นายกองค์การบริหารส่วนตำบล"
    mayor.save()
    return build_sample_year(
        agency, division, other_division, staff=staff_member, chief=chief_administrator, mayor=mayor
    )


@pytest.fixture
def login(client):
    """Sign a persona in. The backend is named: force_login would otherwise pick RoleBackend, which
    grants permissions but loads no user (its get_user returns None), and the session would be anonymous."""

    def sign_in(user):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return sign_in
