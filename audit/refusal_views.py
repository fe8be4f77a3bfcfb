"""The internal auditors' list of refused attempts (การปฏิเสธสิทธิ์): who tried, on which page, under which
rule, on which record (by kind and id only), and how often within minutes. Read-only."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from approvals import permissions
from approvals.models import AccessRefusal, User
from approvals.types import AuthenticatedHttpRequest
from audit.views import auditors_only

PAGE_SIZE = 50


@require_GET
@auditors_only
def refusals(request: AuthenticatedHttpRequest) -> HttpResponse:
    listed = AccessRefusal.objects.visible_to(request.user).select_related("user", "repeat", "action__indicator")
    rule = request.GET.get("rule", "")
    if rule in permissions.Rule.values:
        listed = listed.filter(rule=rule)
    person = request.GET.get("person", "")
    people = permissions.scope(User.objects.all(), request.user).order_by("first_name", "username")
    if person.isdigit():
        listed = listed.filter(user_id=int(person))
    page = Paginator(listed.order_by("-attempted_at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    rules = dict(permissions.Rule.choices)
    rows = [{"refusal": r, "rule": rules.get(r.rule, r.rule or "–")} for r in page]
    return render(
        request,
        "audit/refusals.html",
        {
            "page": page,
            "rows": rows,
            "rules": permissions.Rule.choices,
            "rule": rule,
            "people": people,
            "person": person,
            "section": "refusals",
        },
    )
