"""The metrics endpoint, for Prometheus only: open to a bearer token (METRICS_TOKEN) or to the networks in
METRICS_ALLOWED_NETWORKS (the connecting address, never a forwarded header), off when neither is set."""

from __future__ import annotations

import hmac
import ipaddress
import os

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess

from operations.metrics import OperationsCollector


def may_scrape(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    sent = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
        return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in settings.METRICS_ALLOWED_NETWORKS)


def exposition() -> bytes:
    """The process's metrics (all of gunicorn's workers in multiprocess mode) and the system's."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        process = generate_latest(registry)
    else:
        process = generate_latest(REGISTRY)
    ours = CollectorRegistry(auto_describe=False)
    ours.register(OperationsCollector())
    return process + generate_latest(ours)


@login_not_required
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not settings.METRICS_TOKEN and not settings.METRICS_ALLOWED_NETWORKS:
        raise Http404("metrics are off")
    if not may_scrape(request):
        return HttpResponseForbidden(
            "ต้องมีโทเค็นหรือมาจากเครือข่ายที่อนุญาต / a metrics token or an allowed network is required",
            content_type="text/plain; charset=utf-8",
        )
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
