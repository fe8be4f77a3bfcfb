"""The metrics endpoint answers Prometheus with the named metrics, and nobody else."""

from __future__ import annotations

import datetime
import ipaddress
import json

import pytest
import redis
from celery import current_app
from django.conf import settings as django_settings
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from audit import seal, signals
from notifications.models import Delivery, Notification, OutboxMessage
from operations import metrics
from tests import factories

TOKEN = "scrape-me-0123456789"


def scrape(client, **headers) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}", **headers})
    assert response.status_code == 200, response.content[:500]
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


@pytest.fixture
def token(settings):
    settings.METRICS_TOKEN = TOKEN


def test_the_metrics_endpoint_is_off_when_neither_a_token_nor_a_network_is_configured(client, db, settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_NETWORKS = []

    assert client.get("/metrics").status_code == 404


def test_the_metrics_endpoint_refuses_a_request_without_the_token(client, db, token):
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", headers={"Authorization": "Bearer guessed"}).status_code == 403


def test_the_metrics_endpoint_answers_a_client_from_an_allowed_network_without_a_token(client, db, settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_NETWORKS = [ipaddress.ip_network("127.0.0.0/8")]

    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 403


def test_the_metrics_count_requests_by_method_and_status(client, db, token):
    client.get("/healthz")

    samples = scrape(client)

    assert samples[("django_http_requests_total_by_method_total", (("method", "GET"),))] >= 1
    assert samples[("django_http_responses_total_by_status_total", (("status", "200"),))] >= 1


def test_the_queue_depth_is_the_length_of_the_celery_queue_in_redis(client, db, token, redis_url):
    queue = current_app.conf.task_default_queue
    connection = redis.Redis.from_url(django_settings.REDIS_URL)
    before = scrape(client)[("khunatham_celery_queue_length", (("queue", queue),))]
    connection.lpush(queue, b"waiting-task")
    try:
        after = scrape(client)[("khunatham_celery_queue_length", (("queue", queue),))]
    finally:
        connection.lrem(queue, 1, b"waiting-task")

    assert after == before + 1


def test_the_outbox_age_is_that_of_the_oldest_unpublished_message(client, db, token):
    OutboxMessage.objects.create(key="published", kind="k", published_at=timezone.now())
    oldest = OutboxMessage.objects.create(key="waiting-1", kind="k")
    OutboxMessage.objects.create(key="waiting-2", kind="k")
    OutboxMessage.objects.filter(pk=oldest.pk).update(created_at=timezone.now() - datetime.timedelta(hours=2))

    samples = scrape(client)

    assert samples[("khunatham_outbox_unsent_messages", ())] == 2
    assert 7200 <= samples[("khunatham_outbox_oldest_unsent_age_seconds", ())] < 7300


def test_delivery_failures_are_counted_by_channel(client, token, staff_member):
    notification = Notification.objects.create(recipient=staff_member, event="assigned", key="n1")
    Delivery.objects.create(notification=notification, channel="email", status=Delivery.Status.FAILED)
    Delivery.objects.create(notification=notification, channel="line", status=Delivery.Status.SENT)

    samples = scrape(client)

    assert samples[("khunatham_notification_delivery_failures", (("channel", "email"),))] == 1
    assert ("khunatham_notification_delivery_failures", (("channel", "line"),)) not in samples


def test_each_chain_s_last_verification_outcome_is_a_metric(client, token, agency):
    factories.DivisionFactory(agency=agency)
    report = seal.verify()
    signals.chains_verified.send(sender=None, report=report)
    broken = seal.Report(chains={agency.pk: (7, b"")}, issues=[seal.Issue("changed", agency.pk, seq=3)])
    signals.chains_verified.send(sender=None, report=broken)

    samples = scrape(client)

    assert samples[("khunatham_chain_verification_issues", (("chain", "0"),))] == 0
    assert samples[("khunatham_chain_verification_issues", (("chain", str(agency.pk)),))] == 1
    assert samples[("khunatham_chain_verification_head_seq", (("chain", str(agency.pk)),))] == 7
    assert samples[("khunatham_chain_verification_timestamp_seconds", (("chain", "0"),))] > 0


def test_the_newest_backup_s_time_is_a_metric(client, db, token, settings, tmp_path):
    made = datetime.datetime(2026, 6, 30, 2, 0, tzinfo=datetime.UTC)
    (tmp_path / "khunatham-20260630T020000Z").mkdir()
    (tmp_path / "khunatham-20260630T020000Z" / "manifest.json").write_text(json.dumps({"created_at": made.isoformat()}))
    settings.BACKUP_DIR = tmp_path

    samples = scrape(client)

    assert samples[("khunatham_backup_last_success_timestamp_seconds", ())] == made.timestamp()
    assert samples[("khunatham_backups_kept", ())] == 1


def test_a_source_that_cannot_be_read_is_reported_down_and_the_others_still_answer(client, db, token, monkeypatch):
    def renamed() -> dict:
        raise LookupError("notifications.Delivery has no status/channel")

    monkeypatch.setattr(metrics, "delivery_failures", renamed)

    samples = scrape(client)

    assert samples[("khunatham_metrics_source_up", (("source", "deliveries"),))] == 0
    assert samples[("khunatham_metrics_source_up", (("source", "outbox"),))] == 1
    assert ("khunatham_outbox_unsent_messages", ()) in samples
