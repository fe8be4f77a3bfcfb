"""Error reports to Sentry (or a compatible service) when SENTRY_DSN is set; nothing is sent otherwise.

No personal data leaves the server: `send_default_pii` stays off (no user, address or cookies), request bodies
and local variables are never attached, and `scrub` takes out what could still carry a person's data (the
query string, headers other than a few technical ones, and PostgreSQL's DETAIL lines, which quote the values
of a refused row). Every event is tagged with the request or job id (`request_id`), the same id as the
response's X-Request-ID header, the log lines and the history rows' `history_source["id"]`.
"""

from __future__ import annotations

import re

import sentry_sdk
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration
from sentry_sdk.types import Event, Hint

# Headers that say nothing about a person and help to place a request.
KEPT_HEADERS = {"content-type", "content-length", "x-request-id", "host"}
_DETAIL = re.compile(r"\n?DETAIL:.*", re.DOTALL)


def scrub(event: Event, hint: Hint | None = None) -> Event:
    """`before_send`: drop what could identify a person, and tag the event with the request or job id."""
    from operations.logs import current_id

    event.pop("user", None)
    request = event.get("request")
    if isinstance(request, dict):
        for key in ("cookies", "data", "query_string", "env"):
            request.pop(key, None)
        headers = request.get("headers")
        if isinstance(headers, dict):
            request["headers"] = {k: v for k, v in headers.items() if k.lower() in KEPT_HEADERS}
        url = request.get("url")
        if isinstance(url, str):
            request["url"] = url.split("?", 1)[0]
    for exception in (event.get("exception") or {}).get("values") or []:
        if isinstance(exception.get("value"), str):
            exception["value"] = _DETAIL.sub("", exception["value"])
    correlation_id = current_id()
    if correlation_id:
        event.setdefault("tags", {})["request_id"] = correlation_id
    return event


def init(dsn: str, *, environment: str = "", release: str = "", traces_sample_rate: float = 0.0) -> None:
    # `send_default_pii` is left unset, which is off: sentry-sdk 2.75 deprecates passing it, and with neither
    # it nor `data_collection` given it collects what send_default_pii=False does (no user, no cookies).
    sentry_sdk.init(
        dsn=dsn,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        include_local_variables=False,
        max_request_body_size="never",
        before_send=scrub,
        environment=environment or None,
        release=release or None,
        traces_sample_rate=traces_sample_rate,
    )


def stop() -> None:
    """Stop reporting (tests start and stop it around a local stand-in of Sentry)."""
    sentry_sdk.get_client().close()
    sentry_sdk.get_global_scope().set_client(None)
