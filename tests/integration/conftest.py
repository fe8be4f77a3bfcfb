"""The sample year, played once per test module through the real commands: `load_sample_agency`, then
`play_sample_year`, inside a transaction rolled back after the module (each test runs in a savepoint)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.db.models import Max
from django.test import override_settings

from approvals.models import Plan
from audit import seal


def _last_history_ids() -> dict[str, int]:
    return {
        table: model.objects.aggregate(last=Max("history_id"))["last"] or 0
        for table, model in seal.history_models().items()
    }


@pytest.fixture(scope="module")
def _sample_year_played(django_db_setup, django_db_blocker, tmp_path_factory):
    media = tmp_path_factory.mktemp("media")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media, PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
    ):
        with transaction.atomic():
            before = _last_history_ids()
            call_command("load_sample_agency", stdout=StringIO())
            call_command("play_sample_year", stdout=StringIO())
            yield before
            transaction.set_rollback(True)


@pytest.fixture
def sample_year(_sample_year_played, db, settings, tmp_path):
    """The played sample year: its plan, and (as `history_before`) each history table's last id before it."""
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    plan = Plan.objects.select_related("agency", "fiscal_year").get(agency__slug="ko-loi-bang-hak")
    plan.history_before = _sample_year_played
    yield plan
    cache.clear()
