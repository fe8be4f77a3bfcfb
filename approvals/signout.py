"""Signing out (ออกจากระบบ): a page that asks, for a sign-out link followed from anywhere, and a message that says it
is done, on the sign-in page the person lands on."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.views import LogoutView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _


class SignOutView(LogoutView):
    http_method_names = ["get", "post", "options"]

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect("login")
        return render(request, "registration/sign_out.html")

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        # The session is gone: the message travels in the messages cookie to the sign-in page.
        messages.success(request, _("You have signed out. On a shared computer, also close the browser."))
        return response
