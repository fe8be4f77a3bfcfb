"""A person's own account: the sign-in's second step (second factor), its set-up and recovery codes, and
the password change (required after a temporary password)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.views import PasswordChangeView
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from approvals import administration, second_factor
from approvals.exceptions import DomainError
from approvals.types import AuthenticatedHttpRequest


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


def _next(request: AuthenticatedHttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("home")


@require_http_methods(["GET", "POST"])
def account(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The person's account: their password and their second factor."""
    return render(
        request,
        "registration/account.html",
        {
            "enrolled": second_factor.is_enrolled(request.user),
            "required": second_factor.is_required(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
def second_factor_setup(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Enrol an authenticator app: scan the QR code, type a code from it, keep the recovery codes."""
    if second_factor.is_enrolled(request.user):
        # Replacing an authenticator: sign in with the current one first (or a recovery code).
        return redirect("second-factor-verify" if not request.user.is_verified() else "account")
    device = second_factor.pending_device(request)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = second_factor.confirm_device(request, device, form.cleaned_data["code"])
        except DomainError as error:
            form.add_error("code", str(error))
        else:
            otp_login(request, device)
            messages.success(request, _("Your authenticator app is set up."))
            return render(request, "registration/recovery_codes.html", {"codes": codes, "next": _next(request)})
    return render(
        request,
        "registration/second_factor_setup.html",
        {
            "form": form,
            "qr": second_factor.qr_svg(device),
            "secret": second_factor.secret_text(device),
            "required": second_factor.is_required(request.user),
            "next": _next(request),
        },
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def second_factor_verify(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The sign-in's second step: a code from the authenticator app, or one recovery code."""
    if request.user.is_verified():
        return redirect(_next(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = second_factor.verify(request.user, form.cleaned_data["code"])
        if device is not None:
            otp_login(request, device)
            if device.name == second_factor.RECOVERY:
                left = device.token_set.count()
                messages.warning(
                    request, _("You signed in with a recovery code; %(left)s codes are left.") % {"left": left}
                )
            return redirect(_next(request))
        form.add_error(
            "code",
            _("The code is wrong or was used already. Wait for a new code in the app, or use a recovery code."),
        )
    return render(
        request,
        "registration/second_factor_verify.html",
        {"form": form, "next": _next(request)},
        status=400 if form.errors else 200,
    )


@require_POST
def recovery_codes(request: AuthenticatedHttpRequest) -> HttpResponse:
    """New recovery codes, for a person signed in with their second factor; the old ones stop working."""
    if not (request.user.is_verified() and second_factor.is_enrolled(request.user)):
        return redirect("second-factor-setup")
    codes = second_factor.new_recovery_codes(request.user)
    return render(request, "registration/recovery_codes.html", {"codes": codes, "next": reverse_lazy("account")})


class OwnPasswordForm(PasswordChangeForm):
    """Django's password change, saved through our service (history names the person; the temporary
    password flag is cleared)."""

    def save(self, commit: bool = True):
        try:
            return administration.change_own_password(self.user, self.cleaned_data["new_password1"])
        except DomainError as error:
            raise forms.ValidationError(str(error)) from error


class OwnPasswordChangeView(PasswordChangeView):
    form_class = OwnPasswordForm
    success_url = reverse_lazy("home")
    template_name = "registration/password_change.html"

    def form_valid(self, form):
        form.save()
        update_session_auth_hash(self.request, form.user)
        messages.success(self.request, _("Your password was changed."))
        return redirect(self.get_success_url())
