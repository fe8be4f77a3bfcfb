"""Rate limits of the API (API_PUBLIC_RATE, API_TOKEN_RATE: "number/period", e.g. "120/m")."""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpRequest
from ninja.throttling import AnonRateThrottle, AuthRateThrottle, BaseThrottle

logger = logging.getLogger(__name__)


class _Tolerant:
    """Let the call through when the cache (Redis) is unreachable, as the public page stays up without it."""

    def allow_request(self, request: HttpRequest) -> bool:
        try:
            return super().allow_request(request)  # type: ignore[misc]
        except Exception:
            logger.warning("The cache is unreachable; the API call is not rate-limited.", exc_info=True)
            return True


class PublicThrottle(_Tolerant, AnonRateThrottle):
    pass


class TokenThrottle(_Tolerant, AuthRateThrottle):
    pass


def public_throttles() -> list[BaseThrottle]:
    return [PublicThrottle(getattr(settings, "API_PUBLIC_RATE", "120/m"))]


def token_throttles() -> list[BaseThrottle]:
    return [TokenThrottle(getattr(settings, "API_TOKEN_RATE", "600/m"))]
