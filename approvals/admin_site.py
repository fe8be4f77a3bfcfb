"""The Django admin as a tool of platform operators (superusers) only.

Agency staff never reach it: everything they do has a page of our own (approvals.administration_views).
A signed-in person who is not an operator gets the refusal page for every admin URL, and the attempt is
recorded for the auditors; nobody signs in through the admin's own login form (it leads to ours, where
the second factor is asked)."""

from __future__ import annotations

from functools import update_wrapper

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from approvals import permissions


class OperatorAdminSite(admin.AdminSite):
    site_header = _("Khunatham: platform operators")
    site_title = _("Khunatham")
    index_title = _("Platform administration")

    def has_permission(self, request: HttpRequest) -> bool:
        return permissions.is_platform_operator(request.user)

    def admin_view(self, view, cacheable: bool = False):
        inner = super().admin_view(view, cacheable)

        def operators_only(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.user.is_authenticated and not permissions.is_platform_operator(request.user):
                # NotAllowed is a PermissionDenied: templates/403.html explains it; the attempt is recorded.
                permissions.require(request.user, permissions.OPERATE_PLATFORM)
            return inner(request, *args, **kwargs)

        return update_wrapper(operators_only, inner)

    def login(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        return redirect_to_login(request.GET.get("next") or reverse("admin:index"), settings.LOGIN_URL)
