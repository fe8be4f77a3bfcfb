"""The API (django-ninja): `/api/v1/`, its OpenAPI schema at `/api/schema/` and its docs at `/api/docs/`.

Public endpoints answer anyone, under the public page's rules (reports.public and reports.opendata give them
their facts), cached and rate-limited. Endpoints under `/api/v1/me/` answer a personal token's owner, with
the owner's role (approvals.permissions). Errors are JSON, `{"detail": ..., "code": ...}`, in the caller's
language (Accept-Language: Thai unless English is asked for).
"""

from __future__ import annotations

from typing import Any

from csp.decorators import csp_update
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, URLResolver
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from ninja.openapi.docs import Swagger
from ninja.renderers import JSONRenderer

from api import private, public
from approvals.exceptions import DomainError, NotAllowed


def caller_language(request: HttpRequest) -> str:
    """The language the caller asked for in Accept-Language, Thai when it names none of ours."""
    header = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    available = {code for code, _name in settings.LANGUAGES}
    for part in header.split(","):
        code = part.split(";")[0].strip().lower().split("-")[0]
        if code in available:
            return code
    return settings.LANGUAGE_CODE


class SelfHostedDocs(Swagger):
    """Swagger UI served from our static files and started by a static script: ninja's own page passes its
    settings in an inline script element, which our CSP (and the access matrix) refuses."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        return render(request, "api/docs.html", {"api": api, "openapi_url": self.get_openapi_url(api, kwargs)})


class ReadableJSON(JSONRenderer):
    """Thai text as UTF-8, readable in the answer, rather than as \\u escapes."""

    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    title="Khunatham API",
    version="1",
    # English: the docs page is for developers, in a page that carries no Thai font of its own.
    description="Open data of the integrity and transparency measures (ITA) of Thai local agencies, and "
    "personal-token access for oversight officers and agencies' own systems.",
    urls_namespace="api",
    openapi_url="/schema/",
    docs_url="/docs/",
    docs=SelfHostedDocs(),
    renderer=ReadableJSON(),
    # The docs page is django-ninja's own, its scripts and styles served from our static files (no CDN, no
    # inline script: CSP); its stylesheet draws icons from data: images.
    docs_decorator=csp_update({"img-src": ["'self'", "data:"]}),
)


def _error(request: HttpRequest, status: int, code: str, message: Any, **extra: Any) -> HttpResponse:
    with translation.override(caller_language(request)):
        body = {"detail": str(message() if callable(message) else message), "code": code, **extra}
    response = api.create_response(request, body, status=status)
    response["Content-Language"] = caller_language(request)
    return response


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(request, 404, "not_found", lambda: _("Not found."))


@api.exception_handler(ValidationError)
def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields = [".".join(str(part) for part in error.get("loc", [])) for error in exc.errors]
    return _error(
        request,
        422,
        "invalid",
        lambda: _("The request is not valid: %(fields)s.") % {"fields": ", ".join(fields)},
        fields=fields,
    )


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(
        request, 401, "unauthenticated", lambda: _("A valid personal API token is needed (Authorization: Bearer …).")
    )


@api.exception_handler(Throttled)
def throttled(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(request, 429, "throttled", lambda: _("Too many requests: wait a minute and try again."))


@api.exception_handler(NotAllowed)
def not_allowed(request: HttpRequest, exc: NotAllowed) -> HttpResponse:
    return _error(request, 403, "not_allowed", lambda: str(exc))


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return _error(request, 400, "refused", lambda: str(exc))


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, exc.status_code, "error", lambda: str(exc))


api.add_router("/v1/", public.router)
api.add_router("/v1/me/", private.router)


def _open(patterns: list[URLPattern | URLResolver]) -> list[URLPattern | URLResolver]:
    """Mark every API view as open: LoginRequiredMiddleware would otherwise send callers to the sign-in page
    (the token endpoints check their own bearer token)."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            _open(pattern.url_patterns)
        else:
            login_not_required(pattern.callback)
    return patterns


_patterns, _app_name, _namespace = api.urls
api_urls = (_open(_patterns), _app_name, _namespace)
