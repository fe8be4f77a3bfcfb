"""What the health page reports: the database, the broker and the outbox backlog."""

from __future__ import annotations

import redis
from django.conf import settings
from django.db import DatabaseError

from notifications import outbox


def broker_status() -> str:
    """The broker: ok, down, or in-process when none is configured (the embedded default)."""
    if not settings.REDIS_URL:
        return "in-process"
    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    except (redis.RedisError, OSError):
        return "down"
    finally:
        client.close()
    return "ok"


def check(connection) -> dict:
    report: dict = {"database": "ok", "broker": broker_status(), "outbox": None}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        report["outbox"] = outbox.backlog()
    except DatabaseError:
        report["database"] = "down"
    report["status"] = "ok" if report["database"] == "ok" and report["broker"] != "down" else "degraded"
    return report
