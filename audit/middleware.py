"""Every request runs inside the acting context (audit/context.py): the signed-in person, the page."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse

from audit import context


class ActingContextMiddleware:
    """Enters a request context for the whole request: rows written while serving it name the signed-in
    person (resolved only if something is written), the request's id, method, path and view. Services
    refine the reason for the rows they write. Goes after the authentication middleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with context.entered(
            "request",
            request.path[:200],
            user=lambda: getattr(request, "user", None),
            method=request.method,
            view=lambda: request.resolver_match.view_name if request.resolver_match else "",
        ) as entered:
            # For code holding only the request (HttpRequest declares no such attribute).
            request.correlation_id = entered.correlation_id  # type: ignore[attr-defined]
            response = self.get_response(request)
        response.headers.setdefault("X-Request-ID", entered.correlation_id)
        return response


def with_reason(reason: context.Reason, *, by_the_account: bool = False) -> Callable:
    """View decorator for views we do not write ourselves (Django's sign-in and password pages): what they
    write is recorded with `reason`; with `by_the_account`, as the changed account's own doing (signing in
    may rehash a password before anybody is signed in)."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            with context.acting(by=context.SELF if by_the_account else None, reason=reason):
                return view(request, *args, **kwargs)

        return wrapped

    return decorator
