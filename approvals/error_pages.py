"""Our own Thai 404 and 500 pages also while DEBUG is on (`make run`'s demo is used by people, not only by
developers): Django's debug pages list every URL pattern and the settings to whoever mistypes an address.

With DEBUG off Django renders templates/404.html and 500.html itself and this middleware does nothing. With DEBUG
on it replaces Django's debug page of a 404 or a 500 with ours, unless FRIENDLY_ERROR_PAGES is false (a developer
who wants the debug pages); the traceback of a 500 is still logged by the `django.request` logger. Static files
keep coming from runserver's own handler, which does not pass through middleware.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views import defaults


class FriendlyErrorPagesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not (settings.DEBUG and settings.FRIENDLY_ERROR_PAGES):
            return response
        if response.status_code not in (404, 500) or not response.get("Content-Type", "").startswith("text/html"):
            return response
        if response.status_code == 404:
            return defaults.page_not_found(request, Http404())
        return defaults.server_error(request)
