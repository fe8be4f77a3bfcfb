"""The person's own API tokens page: create one (its secret shown once), see them, revoke one."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from api import services
from api.models import ApiToken
from approvals import permissions
from approvals.exceptions import DomainError
from approvals.types import AuthenticatedHttpRequest


def tokens(request: AuthenticatedHttpRequest) -> HttpResponse:
    permissions.require(request.user, permissions.USE_API)
    secret = None
    error = None
    if request.method == "POST":
        try:
            token, secret = services.create_token(by=request.user, name=request.POST.get("name", ""))
        except DomainError as exc:
            error = str(exc)
        else:
            messages.success(request, _("The token %(name)s was created.") % {"name": token.name})
    return render(
        request,
        "api/tokens.html",
        {
            "tokens": ApiToken.objects.filter(user=request.user).order_by("-created_at"),
            "secret": secret,
            "error": error,
        },
        status=400 if error else 200,
    )


@require_POST
def revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    token = permissions.get_or_404(ApiToken.objects.filter(user=request.user), request.user, pk=pk)
    try:
        services.revoke_token(token, by=request.user)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The token %(name)s was revoked.") % {"name": token.name})
    return redirect("api-tokens")
