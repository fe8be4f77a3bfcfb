"""The sample year, played once for this package through the real commands: `load_sample_agency`, then
`play_sample_year`, inside a transaction rolled back after the package's last test (each test runs in a
savepoint within it). The package's other tests run before it is played, outside that transaction."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

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


HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items) -> None:
    """Within this package, tests of the played sample year come last, so that the open transaction it is
    played in never holds the other tests (which commit their own work)."""
    slots = [index for index, item in enumerate(items) if Path(item.path).resolve().parent == HERE]
    ours = sorted((items[index] for index in slots), key=lambda item: "sample_year" in item.fixturenames)
    for index, item in zip(slots, ours, strict=True):
        items[index] = item


@pytest.fixture(scope="package")
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
