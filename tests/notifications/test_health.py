"""The health page used by the containers' health checks."""

from __future__ import annotations

import json

from django.urls import reverse

from notifications.models import OutboxMessage


def test_the_health_page_reports_database_broker_and_backlog_without_a_login(client, db, settings, redis_url):
    settings.REDIS_URL = redis_url
    OutboxMessage.objects.create(key="waiting", kind="notifications.relay_outbox")

    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    report = json.loads(response.content)
    assert report["database"] == "ok"
    assert report["broker"] == "ok"
    assert report["outbox"]["unsent"] == 1
    assert report["status"] == "ok"


def test_with_the_broker_down_the_site_stays_healthy_and_says_the_broker_is_down(client, db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:8158/0"

    response = client.get(reverse("healthz"))

    report = json.loads(response.content)
    assert response.status_code == 200
    assert (report["broker"], report["status"]) == ("down", "degraded")


def test_the_health_page_shows_no_user_data(client, db, staff_member):
    response = client.get(reverse("healthz"))

    assert set(json.loads(response.content)) == {"database", "broker", "outbox", "status"}
    assert "alice" not in response.content.decode()
