"""Pages of the internal auditors (หน่วยตรวจสอบภายใน): findings, the change log and its exports, and
each action's timeline. Read-only: the one POST marks a finding reviewed, through a service."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from functools import wraps

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from approvals import permissions, spreadsheets
from approvals.exceptions import InvalidTransition
from approvals.models import Action
from approvals.thaidate import be_datetime
from audit import changes, rules, services
from audit.forms import ChangeLogFilterForm, ReviewForm
from audit.models import Anchor, Finding
from audit.timeline import action_timeline as build_timeline

XLSX_MAX_ROWS = 1_000_000


def auditors_only(view):
    """Internal auditors of an agency only; anyone else gets the refusal page (and it is recorded)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        # A refusal (NotAllowed is a PermissionDenied) is shown by templates/403.html with its reason.
        permissions.require(request.user, permissions.VIEW_AUDIT_TRAIL)
        return view(request, *args, **kwargs)

    return wrapper


def _findings_of(request: HttpRequest):
    # An agency's auditors see its findings and those of the global chain (shared records).
    return Finding.objects.filter(Q(agency_id=request.user.agency_id) | Q(agency__isnull=True))


@require_GET
@auditors_only
def findings(request: HttpRequest) -> HttpResponse:
    visible = _findings_of(request)
    status = request.GET.get("status", Finding.Status.OPEN)
    severity = request.GET.get("severity", "")
    rule = request.GET.get("rule", "")
    listed = visible.select_related("action__indicator", "reviewed_by")
    if status in Finding.Status.values:
        listed = listed.filter(status=status)
    if severity in Finding.Severity.values:
        listed = listed.filter(severity=severity)
    if rule:
        listed = listed.filter(rule=rule)
    page = Paginator(listed.order_by("-detected_at", "-id"), 50).get_page(request.GET.get("page"))
    counts = {
        row["severity"]: row["n"]
        for row in visible.filter(status=Finding.Status.OPEN).values("severity").annotate(n=Count("id"))
    }
    chain = request.user.agency_id
    return render(
        request,
        "audit/findings.html",
        {
            "page": page,
            "status": status,
            "severity": severity,
            "rule": rule,
            "severities": [(value, label, counts.get(value, 0)) for value, label in Finding.Severity.choices],
            "statuses": Finding.Status.choices,
            "rules": [(r.code, r.title) for r in rules.RULES] + [("chain_broken", rules.rule_title("chain_broken"))],
            "section": "findings",
            "head": changes.head_seq(chain),
            "anchor": Anchor.objects.filter(chain=chain).order_by("-seq").first(),
        },
    )


def _finding_page(request: HttpRequest, finding: Finding, form: ReviewForm, status: int = 200) -> HttpResponse:
    history = finding.history.select_related("history_user").order_by("-history_id")
    rule = rules.get_rule(finding.rule)
    return render(
        request,
        "audit/finding_detail.html",
        {
            "finding": finding,
            "title": rules.rule_title(finding.rule),
            "rationale": rule.rationale if rule else "",
            "history": history,
            "form": form,
            "section": "findings",
        },
        status=status,
    )


@require_GET
@auditors_only
def finding_detail(request: HttpRequest, pk: int) -> HttpResponse:
    finding = permissions.get_or_404(
        _findings_of(request).select_related("action__indicator", "agency"), request.user, pk=pk
    )
    return _finding_page(request, finding, ReviewForm())


@require_POST
@auditors_only
def finding_review(request: HttpRequest, pk: int) -> HttpResponse:
    finding = permissions.get_or_404(_findings_of(request), request.user, pk=pk)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        return _finding_page(request, finding, form, status=400)
    try:
        services.review_finding(finding, by=request.user, note=form.cleaned_data["note"])
    except InvalidTransition as exc:
        form.add_error("note", str(exc))
        return _finding_page(request, finding, form, status=400)
    messages.success(request, _("The finding was marked reviewed."))
    return redirect("audit:finding-detail", pk=finding.pk)


def _before(request: HttpRequest) -> int | None:
    raw = request.GET.get("before", "")
    return int(raw) if raw.isdigit() and int(raw) > 0 else None


@require_GET
@auditors_only
def change_log(request: HttpRequest) -> HttpResponse:
    chain = request.user.agency_id
    form = ChangeLogFilterForm(request.GET or None, agency_id=chain)
    filters = form.filters()
    page = changes.change_log_page(chain, filters, before=_before(request))
    query = request.GET.copy()
    query.pop("before", None)
    return render(
        request,
        "audit/change_log.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "newest": _before(request) is None,
            "section": "changes",
        },
    )


def _export_rows(chain: int, filters: changes.Filters) -> Iterator[list[str]]:
    yield [
        _("Sequence"),
        _("Date and time"),
        _("Changed by"),
        _("Kind of record"),
        _("Record"),
        _("Change"),
        _("What changed"),
        _("Reason"),
        _("Action"),
    ]
    for change in changes.all_changes(chain, filters):
        details = "; ".join(f"{item.label}: {item.old} → {item.new}" for item in change.changes)
        yield [
            str(change.seq),
            be_datetime(change.when),
            str(change.user or ""),
            change.kind,
            str(change.object_id or ""),
            change.type_label,
            details,
            change.reason,
            str(change.action_id or ""),
        ]


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv(rows: Iterator[list[str]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"  # a byte-order mark, so that spreadsheet programs read the Thai text as UTF-8
    for row in rows:
        # Formula-like text (a reason typed as =HYPERLINK(...)) is neutralised in every export.
        yield writer.writerow(spreadsheets.csv_row(row))


@require_GET
@auditors_only
def change_log_export(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx"):
        raise Http404
    chain = request.user.agency_id
    form = ChangeLogFilterForm(request.GET or None, agency_id=chain)
    rows = _export_rows(chain, form.filters())
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "csv":
        response = StreamingHttpResponse(_csv(rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="change-log-{stamp}.csv"'
        return response
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Change log")[:31])
    for index, row in enumerate(rows):
        if index > XLSX_MAX_ROWS:
            break
        sheet.append(spreadsheets.xlsx_row(sheet, row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="change-log-{stamp}.xlsx"'
    return response


@require_GET
@auditors_only
def actions(request: HttpRequest) -> HttpResponse:
    listed = (
        Action.objects.visible_to(request.user)
        .select_related("indicator__measure__plan__fiscal_year")
        .order_by("-indicator__measure__plan__fiscal_year__year", "indicator__measure__number", "indicator__number")
    )
    query = request.GET.get("q", "").strip()
    if query:
        listed = listed.filter(text__icontains=query)
    page = Paginator(listed.order_by("-indicator__measure__plan__fiscal_year__year", "pk"), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "audit/actions.html", {"page": page, "q": query, "section": "actions"})


@require_GET
@auditors_only
def action_timeline(request: HttpRequest, pk: int) -> HttpResponse:
    action = get_object_or_404(
        Action.objects.visible_to(request.user).select_related("indicator__measure__plan__fiscal_year"), pk=pk
    )
    return render(
        request,
        "audit/action_timeline.html",
        {"action": action, "events": build_timeline(action), "section": "actions"},
    )
