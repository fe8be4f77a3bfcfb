"""Log lines an operator can search: one JSON object a line when DEBUG is off (settings.LOGGING), each with
the id of the request or job it belongs to (`correlation_id`), the same id that history rows carry in
`history_source["id"]` and that responses carry in their X-Request-ID header (audit/context.py). So a
history row, the log lines of the request that wrote it, and an error report in Sentry are found by one id.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s %(correlation_id)s"
TEXT_FORMAT = "%(asctime)s %(levelname)s [%(correlation_id)s] %(name)s: %(message)s"


def current_id() -> str:
    """The id of the Celery task being run, else of the acting context (a request's); "" outside both.

    The task's id first: Celery logs a task's outcome, and Sentry reports its failure, just after the task's
    own job context (config/celery.py, whose id is the task's) has ended."""
    from celery import current_task

    task_id = getattr(getattr(current_task, "request", None), "id", None) if current_task else None
    if task_id:
        return task_id
    from audit import context

    return context.correlation_id()


class CorrelationIdFilter(logging.Filter):
    """Puts the request or job id on every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "correlation_id", ""):
            record.correlation_id = current_id()
        return True


request_logger = logging.getLogger("khunatham.request")


class RequestLogMiddleware:
    """One log line per request: method, path (never the query string, which may carry a searched name),
    status, duration and view. Goes after ActingContextMiddleware, whose request id the line carries."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = request.resolver_match
        request_logger.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                "view": match.view_name if match else "",
            },
        )
        return response
