"""The notification centre, the preferences page and the health page. Views are thin."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from approvals import permissions
from approvals.exceptions import InvalidTransition
from approvals.types import AuthenticatedHttpRequest
from notifications import centre, health, services
from notifications.forms import PreferenceForm
from notifications.models import Notification

PAGE_SIZE = 30


@login_required
def notification_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The person's notifications, one entry per action and day (notifications.centre), newest first."""
    page, groups = centre.page_of_groups(request.user, request.GET.get("page"), PAGE_SIZE)
    return render(request, "notifications/list.html", {"page": page, "groups": groups})


def _back(request: AuthenticatedHttpRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect("notifications:list")


@login_required
@require_POST
def mark_read(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    notification = permissions.get_or_404(Notification.objects.for_recipient(request.user), request.user, pk=pk)
    services.mark_read(notification, by=request.user)
    return _back(request)


@login_required
@require_POST
def mark_group_read(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Mark read the entry (the same action on the same day) that notification `pk` belongs to."""
    notification = permissions.get_or_404(Notification.objects.for_recipient(request.user), request.user, pk=pk)
    services.mark_group_read(notification, by=request.user)
    return _back(request)


@login_required
@require_POST
def mark_all_read(request: AuthenticatedHttpRequest) -> HttpResponse:
    count = services.mark_all_read(by=request.user)
    messages.success(request, _("%(count)s notifications marked as read.") % {"count": count})
    return _back(request)


@login_required
def preferences(request: AuthenticatedHttpRequest) -> HttpResponse:
    preference = services.preference_for(request.user)
    form = PreferenceForm(request.POST or None, preference=preference)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_preferences(
                request.user,
                channels_by_event=form.channels_by_event(),
                line_user_id=form.cleaned_data["line_user_id"],
                by=request.user,
                timing_by_event=form.timing_by_event(),
            )
        except InvalidTransition as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Your notification preferences are saved."))
            return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form, "line_enabled": settings.LINE_ENABLED})


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Database, broker and outbox backlog, for container health checks. No login, no user data.
    503 only when the database is down: with the broker down, work is still saved (the outbox)."""
    report = health.check(connection)
    return JsonResponse(report, status=200 if report["database"] == "ok" else 503)
