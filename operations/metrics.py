"""Prometheus metrics: requests (django-prometheus's middlewares) and what an operator of this system must
watch, read when Prometheus scrapes `/metrics` (docs/operations.md lists each metric and its alert):

- `khunatham_celery_queue_length{queue}`: tasks waiting in Redis for a worker;
- `khunatham_outbox_unsent_messages`, `khunatham_outbox_oldest_unsent_age_seconds`: side effects of committed
  changes not yet handed to Celery (notifications.OutboxMessage);
- `khunatham_notification_delivery_failures{channel}`: deliveries that gave up (notifications.Delivery);
- `khunatham_chain_verification_issues{chain}`, `..._timestamp_seconds{chain}`, `..._head_seq{chain}`: the last
  verification of each hash chain (operations.models.ChainCheck);
- `khunatham_backup_last_success_timestamp_seconds`, `khunatham_backups_kept`: the newest complete backup in
  BACKUP_DIR, when this process can see it;
- `khunatham_metrics_source_up{source}`: 0 when one of these could not be read (the metric is then absent
  rather than wrong).

The notifications app is being reworked beside this one, so its models are read by name and field, and a
renamed model or field turns its source's `khunatham_metrics_source_up` to 0 instead of breaking the page.
"""

from __future__ import annotations

import datetime
import json
import logging
from collections.abc import Callable, Iterator
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db.models import Count, Min
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

# kombu's Redis transport keeps a queue's prioritised messages in lists named "<queue>\x06\x16<priority>".
PRIORITY_SEPARATOR = "\x06\x16"
PRIORITY_STEPS = (3, 6, 9)


def queue_lengths() -> dict[str, int]:
    """Messages waiting in each Celery queue (Redis lists); empty when tasks run in-process."""
    if not settings.REDIS_URL:
        return {}
    import redis
    from celery import current_app

    # The queues the configuration declares (CELERY_TASK_QUEUES), and always the default one.
    declared = current_app.conf.task_queues or ()
    names = {getattr(queue, "name", queue) for queue in declared} | {current_app.conf.task_default_queue}
    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    try:
        return {
            name: sum(client.llen(key) for key in [name, *(f"{name}{PRIORITY_SEPARATOR}{p}" for p in PRIORITY_STEPS)])
            for name in sorted(names)
        }
    finally:
        client.close()


def _fields(model) -> set[str]:
    return {f.name for f in model._meta.concrete_fields}


def outbox_backlog() -> tuple[int, float]:
    """(unsent messages, age in seconds of the oldest)."""
    outbox = apps.get_model("notifications", "OutboxMessage")
    if not {"published_at", "created_at"} <= _fields(outbox):
        raise LookupError("notifications.OutboxMessage has no published_at/created_at")
    unsent = outbox._base_manager.filter(published_at__isnull=True)
    found = unsent.aggregate(count=Count("pk"), oldest=Min("created_at"))
    age = (timezone.now() - found["oldest"]).total_seconds() if found["oldest"] else 0.0
    return found["count"], max(age, 0.0)


def delivery_failures() -> dict[str, int]:
    """Deliveries that gave up, by channel."""
    delivery = apps.get_model("notifications", "Delivery")
    if not {"status", "channel"} <= _fields(delivery):
        raise LookupError("notifications.Delivery has no status/channel")
    failed = getattr(getattr(delivery, "Status", None), "FAILED", "failed")
    rows = delivery._base_manager.filter(status=failed).values("channel").annotate(count=Count("pk"))
    return {row["channel"]: row["count"] for row in rows}


def newest_backup(root: Path) -> tuple[datetime.datetime | None, int]:
    from operations.backup import MANIFEST, complete_backups

    backups = complete_backups(root)
    if not backups:
        return None, 0
    manifest = json.loads((backups[-1] / MANIFEST).read_text(encoding="utf-8"))
    return datetime.datetime.fromisoformat(manifest["created_at"]), len(backups)


class OperationsCollector(Collector):
    """Reads the figures at scrape time, from the database and Redis that every process shares, so that any
    web worker answers with the same values."""

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("khunatham_metrics_source_up", "1 when the source could be read", labels=["source"])
        for source, read in self._sources():
            try:
                yield from read()
            except Exception:
                logger.warning("metrics source %s could not be read", source, exc_info=True)
                up.add_metric([source], 0)
            else:
                up.add_metric([source], 1)
        yield up

    def _sources(self) -> list[tuple[str, Callable[[], Iterator[Metric]]]]:
        return [
            ("celery_queues", self._queues),
            ("outbox", self._outbox),
            ("deliveries", self._deliveries),
            ("chain_verification", self._chains),
            ("backups", self._backups),
        ]

    def _queues(self) -> Iterator[Metric]:
        metric = GaugeMetricFamily("khunatham_celery_queue_length", "Tasks waiting for a worker", labels=["queue"])
        for queue, length in queue_lengths().items():
            metric.add_metric([queue], length)
        yield metric

    def _outbox(self) -> Iterator[Metric]:
        unsent, age = outbox_backlog()
        yield GaugeMetricFamily("khunatham_outbox_unsent_messages", "Outbox messages not yet published", value=unsent)
        yield GaugeMetricFamily(
            "khunatham_outbox_oldest_unsent_age_seconds", "Age of the oldest unpublished outbox message", value=age
        )

    def _deliveries(self) -> Iterator[Metric]:
        metric = GaugeMetricFamily(
            "khunatham_notification_delivery_failures", "Notification deliveries that failed", labels=["channel"]
        )
        for channel, count in delivery_failures().items():
            metric.add_metric([channel], count)
        yield metric

    def _chains(self) -> Iterator[Metric]:
        from operations.models import ChainCheck

        issues = GaugeMetricFamily(
            "khunatham_chain_verification_issues", "Problems found by the last verification", labels=["chain"]
        )
        when = GaugeMetricFamily(
            "khunatham_chain_verification_timestamp_seconds", "When the chain was last verified", labels=["chain"]
        )
        head = GaugeMetricFamily(
            "khunatham_chain_verification_head_seq", "Last link of the chain at its last verification", labels=["chain"]
        )
        for check in ChainCheck.objects.order_by("chain"):
            issues.add_metric([str(check.chain)], check.issues)
            when.add_metric([str(check.chain)], check.checked_at.timestamp())
            head.add_metric([str(check.chain)], check.head_seq)
        yield from (issues, when, head)

    def _backups(self) -> Iterator[Metric]:
        created, kept = newest_backup(Path(settings.BACKUP_DIR))
        yield GaugeMetricFamily("khunatham_backups_kept", "Complete backups in BACKUP_DIR", value=kept)
        if created is not None:
            yield GaugeMetricFamily(
                "khunatham_backup_last_success_timestamp_seconds",
                "When the newest complete backup was made",
                value=created.timestamp(),
            )
