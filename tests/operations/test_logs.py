"""Log lines are JSON objects carrying the request's id, the id that the history rows written by that
request carry and that the response names in X-Request-ID."""

from __future__ import annotations

import io
import json
import logging

import pytest
from django.conf import settings as django_settings
from pythonjsonlogger.json import JsonFormatter

from notifications.models import Notification
from operations.logs import CorrelationIdFilter


@pytest.fixture
def json_log() -> io.StringIO:
    """The request logger's lines, written by the JSON formatter and filter that settings.LOGGING configures."""
    options = {k: v for k, v in django_settings.LOGGING["formatters"]["json"].items() if k != "()"}
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter(**options))
    handler.addFilter(CorrelationIdFilter())
    logger = logging.getLogger("khunatham.request")
    logger.addHandler(handler)
    yield stream
    logger.removeHandler(handler)


def test_logs_are_json_when_debug_is_off():
    assert django_settings.DEBUG is False
    assert django_settings.LOGGING["handlers"]["console"]["formatter"] == "json"


def test_a_request_s_log_line_carries_the_id_that_its_history_rows_carry(client, staff_member, json_log):
    notification = Notification.objects.create(recipient=staff_member, event="assigned", key="n1")
    client.force_login(staff_member)

    response = client.post("/notifications/read-all/")

    (line,) = [json.loads(text) for text in json_log.getvalue().splitlines()]
    row = notification.history.order_by("-history_id").first()
    assert line["message"] == "POST /notifications/read-all/ 302"
    assert line["correlation_id"] == response["X-Request-ID"] == row.history_source["id"]
    assert (line["level"], line["status"], line["view"]) == ("INFO", 302, "notifications:mark-all-read")
