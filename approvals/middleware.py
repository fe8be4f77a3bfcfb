import logging
from typing import cast

from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import BadRequest, PermissionDenied
from django.db import DataError
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.defaults import bad_request

from approvals.types import AuthenticatedHttpRequest

logger = logging.getLogger(__name__)


class ThaiFirstLocaleMiddleware:
    """Thai unless the person chose English with the language switch.

    Django's LocaleMiddleware would follow the browser's Accept-Language, and most office computers
    here run browsers set to English; the UI is Thai first, so only an explicit choice (the language
    cookie set by the switch) changes it.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self.available = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.available else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response


class BadInputMiddleware:
    """Input no page can use is answered 400, never 500: a NUL character in the query string or a form
    field (PostgreSQL cannot store it), and any value the database rejects as out of range or malformed
    (a number too large for its column, for example)."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _has_nul(request.GET) or (request.method == "POST" and _form_has_nul(request)):
            raise BadRequest("ข้อมูลที่ส่งมามีอักขระที่ใช้ไม่ได้ / The request contains a character that is not allowed.")
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DataError):
            logger.warning("Bad input refused on %s: %s", request.path, exception)
            return bad_request(request, BadRequest(str(exception)))
        return None


def _has_nul(values) -> bool:
    return any("\x00" in key or any("\x00" in value for value in values.getlist(key)) for key in values)


def _form_has_nul(request: HttpRequest) -> bool:
    content_type = request.META.get("CONTENT_TYPE", "")
    if not content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        return False
    try:
        return _has_nul(request.POST)
    except Exception:  # a malformed body: the view (or CSRF) answers it as before
        return False


class RefusalMiddleware:
    """Every refusal is recorded, whichever page gives it: refusals raised through approvals.permissions
    record themselves (naming this page); any other 403 (viewflow's own pages, a page's own check) is
    recorded here with the page's name."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from approvals import permissions
        from approvals.models import User

        with permissions.on_page(request.path, request.method or "") as page:
            response = self.get_response(request)
            user = getattr(request, "user", None)
            # Signed in: the user model's instance (AnonymousUser is not one).
            if response.status_code == 403 and not page.recorded and isinstance(user, User):
                match = getattr(request, "resolver_match", None)
                name = match.view_name if match else request.path
                reason = getattr(request, "_refusal_message", "") or _("You may not open this page.")
                kind, record_id = _record_named_by(match)
                permissions.record_refusal(
                    user,
                    f"{permissions.OPEN_PAGE_PREFIX}{name}"[:100],
                    None,
                    reason,
                    rule=permissions.Rule.PAGE,
                    kind=kind,
                    record_id=record_id,
                )
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        if isinstance(exception, PermissionDenied) and str(exception):
            # Read back by __call__ once the response is the 403; HttpRequest declares no such attribute.
            request._refusal_message = str(exception)  # type: ignore[attr-defined]
        return None


# The kind of record a URL argument names, for refusals recorded by the page (not by approvals.permissions).
_URL_RECORDS = (("task_pk", "viewflow.task"), ("process_pk", "viewflow.process"))


def _record_named_by(match) -> tuple[str, int | None]:
    """(kind, id) of the record a refused URL names, never its content."""
    kwargs = match.kwargs if match is not None else {}

    def number(argument: str) -> int | None:
        value = str(kwargs.get(argument, ""))
        return int(value) if value.isdigit() and int(value) < 2**63 else None

    for argument, kind in _URL_RECORDS:
        if number(argument) is not None:
            return kind, number(argument)
    for argument in ("pk", "object_id"):
        if number(argument) is not None:
            # An admin URL is named app_model_change: the model is the kind; other pages name their record.
            return match.url_name[:100], number(argument)
    return "", None


# Pages a person reaches before the sign-in is complete (second factor, password to change).
SIGN_IN_PAGES = frozenset(
    {
        "logout",
        "login",
        "set_language",
        "second-factor-setup",
        "second-factor-verify",
        "password-change",
    }
)


class SignInGateMiddleware:
    """Finishes the sign-in before any other page opens: a second factor for executives, administrators
    and auditors (when SECOND_FACTOR_REQUIRED is on) and for anyone who enrolled one; then a new password
    for an account given a temporary one."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> HttpResponse | None:
        from approvals.models import User

        user = getattr(request, "user", None)
        # Signed in: the user model's instance (AnonymousUser is not one).
        if not isinstance(user, User):
            return None
        match = request.resolver_match
        if match is not None and match.url_name in SIGN_IN_PAGES:
            return None
        # Public pages need no sign-in; the admin marks its views so too, but its own check comes after ours.
        if not getattr(view_func, "login_required", True) and (match is None or match.app_name != "admin"):
            return None
        from approvals import second_factor

        # Signed in (above): the request of a page behind the login.
        step = second_factor.missing_step(cast(AuthenticatedHttpRequest, request))
        if step is None and user.must_change_password:
            step = "password-change"
        if step is None:
            return None
        return redirect_to_login(request.get_full_path(), reverse(step), REDIRECT_FIELD_NAME)
