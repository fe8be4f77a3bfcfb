"""Errors reach Sentry, tagged with the request id and without personal data: a local stand-in for Sentry's
endpoint (a small HTTP server on 127.0.0.1, no network) receives what the SDK sends."""

from __future__ import annotations

import gzip
import json
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sentry_sdk
from celery import shared_task

from operations import sentry


class SentryStandIn(ThreadingHTTPServer):
    """Accepts Sentry envelopes and keeps the events in them."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.events: list[dict] = []
        self.raw: list[bytes] = []

    @property
    def dsn(self) -> str:
        return f"http://public@127.0.0.1:{self.server_address[1]}/1"


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
        self.server.raw.append(body)
        lines = body.split(b"\n")
        for header, payload in zip(lines[1::2], lines[2::2], strict=False):
            if json.loads(header).get("type") == "event":
                self.server.events.append(json.loads(payload))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def sentry_stand_in():
    server = SentryStandIn()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    sentry.init(server.dsn, environment="test")
    yield server
    sentry.stop()
    server.shutdown()
    server.server_close()


@shared_task(name="tests.operations.fail_on_purpose")
def fail_on_purpose() -> None:
    raise RuntimeError("a job failed on purpose")


def test_nothing_is_sent_when_sentry_dsn_is_not_set(settings):
    assert settings.SENTRY_DSN == ""
    assert not sentry_sdk.get_client().is_active()


@pytest.mark.urls("tests.operations.urls_with_an_error")
def test_a_raised_error_reaches_sentry_with_the_request_id(client, staff_member, sentry_stand_in):
    client.force_login(staff_member)
    client.raise_request_exception = False

    response = client.get("/deliberate-error/?q=อลิส", headers={"Cookie-Like": "x"})
    sentry_sdk.flush(timeout=10)

    assert response.status_code == 500
    (event,) = sentry_stand_in.events
    assert event["exception"]["values"][-1]["type"] == "DeliberateError"
    assert event["tags"]["request_id"] == response["X-Request-ID"]


@pytest.mark.urls("tests.operations.urls_with_an_error")
def test_an_error_report_carries_no_personal_data(client, staff_member, sentry_stand_in):
    client.force_login(staff_member)
    client.raise_request_exception = False

    client.get("/deliberate-error/?q=อลิส")
    sentry_sdk.flush(timeout=10)

    (event,) = sentry_stand_in.events
    sent = b"".join(sentry_stand_in.raw).decode()
    assert "user" not in event
    assert "cookies" not in event["request"] and "query_string" not in event["request"]
    assert staff_member.username not in sent and "อลิส" not in sent and "sessionid" not in sent


def test_a_failed_job_reaches_sentry_with_the_job_id(db, sentry_stand_in):
    result = fail_on_purpose.apply(throw=False)
    sentry_sdk.flush(timeout=10)

    (event,) = sentry_stand_in.events
    assert event["exception"]["values"][-1]["value"] == "a job failed on purpose"
    assert event["tags"]["request_id"] == result.id
