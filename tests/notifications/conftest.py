"""Fixtures of the notifications tests: an action of the agency, tasks run in-process, a fake LINE."""

from __future__ import annotations

import pytest

from config.celery import app
from tests import factories
from tests.notifications.fakes import start_fake_line, stop_fake_line
from tests.notifications.realservices import RedisServer, publishing_to, purge

LINE_ID = "U" + "4af4980629" + "0" * 22


@pytest.fixture
def plan(agency):
    return factories.PlanFactory(agency=agency)


@pytest.fixture
def action(plan, division):
    indicator = factories.IndicatorFactory(measure__plan=plan)
    return factories.ActionFactory(indicator=indicator, responsible=[division])


@pytest.fixture
def tasks_in_process():
    """Run Celery tasks in this process, as the embedded default (no REDIS_URL) does."""
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = saved


@pytest.fixture
def fake_line(settings):
    fake = start_fake_line()
    settings.LINE_ENABLED = True
    settings.LINE_CHANNEL_ACCESS_TOKEN = "test-channel-token"
    settings.LINE_API_URL = fake.url
    settings.LINE_TIMEOUT_SECONDS = 5
    yield fake
    stop_fake_line(fake)


# Real services (tests/notifications/realservices.py) ------------------------------------------------------------


@pytest.fixture
def own_redis():
    """A redis-server of the test's own, which the test may stop and start (never the machine's Redis)."""
    server = RedisServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def broker(redis_url):
    """The shared Redis (this helper's own DB), emptied of earlier runs' tasks."""
    purge(redis_url)
    with publishing_to(redis_url):
        yield redis_url
    purge(redis_url)


@pytest.fixture
def line_env(fake_line) -> dict[str, str]:
    return {
        "LINE_CHANNEL_ACCESS_TOKEN": "test-channel-token",
        "LINE_API_URL": fake_line.url,
        "NOTIFICATION_RETRY_BACKOFF_SECONDS": "1",
        # A killed worker's claim on a delivery runs out after 3 s instead of 2 minutes.
        "NOTIFICATION_SEND_LEASE_SECONDS": "3",
    }
