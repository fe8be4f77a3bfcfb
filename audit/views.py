"""Pages of the internal auditors (หน่วยตรวจสอบภายใน): findings and their work (open, under review, closed),
checks (scans and verifications) asked for now and their results, the change log and its exports, and
each action's timeline. Domain data is read-only here: every POST calls one audit service."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from functools import reduce, wraps
from operator import or_

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from approvals import permissions, spreadsheets
from approvals.exceptions import InvalidTransition
from approvals.models import Action, Agency
from approvals.thaidate import be_datetime
from approvals.types import AgencyHttpRequest
from audit import changes, rules, services
from audit.forms import ChangeLogFilterForm, CloseFindingForm, EvidencePackForm, FindingFilterForm, ReasonForm
from audit.models import Anchor, AuditRun, EvidencePack, Finding
from audit.timeline import action_timeline as build_timeline
from notifications.models import Notification

XLSX_MAX_ROWS = 1_000_000


def auditors_only(view):
    """Internal auditors of an agency only; anyone else gets the refusal page (and it is recorded)."""

    @wraps(view)
    def wrapper(request: AgencyHttpRequest, *args, **kwargs) -> HttpResponse:
        # A refusal (NotAllowed is a PermissionDenied) is shown by templates/403.html with its reason.
        permissions.require(request.user, permissions.VIEW_AUDIT_TRAIL)
        return view(request, *args, **kwargs)

    return wrapper


def _findings_of(request: AgencyHttpRequest):
    # An agency's auditors see its findings and those of the global chain (shared records).
    return Finding.objects.filter(Q(agency_id=request.user.agency_id) | Q(agency__isnull=True))


def _rule_choices() -> list[tuple[str, str]]:
    return [(r.code, str(r.title)) for r in rules.RULES] + [
        (services.CHAIN_BROKEN, str(rules.rule_title(services.CHAIN_BROKEN)))
    ]


def finding_counts(visible) -> dict:
    """How many findings are in each status, and how many of the open ones in each severity."""
    by_status = {row["status"]: row["n"] for row in visible.values("status").annotate(n=Count("id"))}
    open_by_severity = {
        row["severity"]: row["n"]
        for row in visible.filter(status=Finding.Status.OPEN).values("severity").annotate(n=Count("id"))
    }
    return {
        "statuses": [(value, label, by_status.get(value, 0)) for value, label in Finding.Status.choices],
        "severities": [(value, label, open_by_severity.get(value, 0)) for value, label in Finding.Severity.choices],
    }


@require_GET
@auditors_only
def findings(request: AgencyHttpRequest) -> HttpResponse:
    visible = _findings_of(request)
    # With no filter chosen, the list is the work still to do: the open findings.
    form = FindingFilterForm(
        request.GET or {"status": Finding.Status.OPEN}, agency_id=request.user.agency_id, rules=_rule_choices()
    )
    chosen = form.cleaned_data if form.is_valid() else {}
    listed = visible.select_related("action__indicator", "reviewed_by", "corrective_action__indicator")
    if chosen.get("status"):
        listed = listed.filter(status=chosen["status"])
    if chosen.get("severity"):
        listed = listed.filter(severity=chosen["severity"])
    if chosen.get("rule"):
        listed = listed.filter(rule=chosen["rule"])
    if chosen.get("division"):
        # A finding concerns a division through its action: named responsible, or every division.
        listed = listed.filter(Q(action__divisions=chosen["division"]) | Q(action__all_divisions=True)).distinct()
    page = Paginator(listed.order_by("-detected_at", "-id"), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    chain = request.user.agency_id
    return render(
        request,
        "audit/findings.html",
        {
            "page": page,
            "form": form,
            "query": query.urlencode(),
            **finding_counts(visible),
            "section": "findings",
            "head": changes.head_seq(chain),
            "anchor": Anchor.objects.filter(chain=chain).order_by("-seq").first(),
            "last_verification": _runs_of(request).filter(kind=AuditRun.Kind.VERIFICATION).first(),
        },
    )


def _finding_page(
    request: AgencyHttpRequest, finding: Finding, forms: dict | None = None, status: int = 200
) -> HttpResponse:
    history = finding.history.select_related("history_user").order_by("-history_id")
    rule = rules.get_rule(finding.rule)
    forms = forms or {}
    return render(
        request,
        "audit/finding_detail.html",
        {
            "finding": finding,
            "title": rules.rule_title(finding.rule),
            "rationale": rule.rationale if rule else "",
            "history": history,
            "close_form": forms.get("close") or CloseFindingForm(agency_id=request.user.agency_id),
            "review_form": forms.get("review") or ReasonForm(),
            "reopen_form": forms.get("reopen") or ReasonForm(),
            "section": "findings",
        },
        status=status,
    )


def _finding_of(request: AgencyHttpRequest, pk: int) -> Finding:
    # Another agency's finding is a 404, and the attempt is recorded (by kind and id, never its content).
    return permissions.get_or_404(
        _findings_of(request).select_related(
            "action__indicator", "agency", "corrective_action__indicator", "run", "reviewed_by"
        ),
        request.user,
        pk=pk,
    )


@require_GET
@auditors_only
def finding_detail(request: AgencyHttpRequest, pk: int) -> HttpResponse:
    return _finding_page(request, _finding_of(request, pk))


@require_POST
@auditors_only
def finding_review(request: AgencyHttpRequest, pk: int) -> HttpResponse:
    """Close the finding with the auditor's note (and the corrective action, where one applies)."""
    finding = _finding_of(request, pk)
    form = CloseFindingForm(request.POST, agency_id=request.user.agency_id)
    if not form.is_valid():
        return _finding_page(request, finding, {"close": form}, status=400)
    try:
        services.close_finding(
            finding,
            by=request.user,
            note=form.cleaned_data["note"],
            corrective_action=form.cleaned_data["corrective_action"],
        )
    except InvalidTransition as exc:
        form.add_error("note", str(exc))
        return _finding_page(request, finding, {"close": form}, status=400)
    messages.success(request, _("The finding was closed."))
    return redirect("audit:finding-detail", pk=finding.pk)


def _move_finding(request: AgencyHttpRequest, pk: int, service, form_name: str, done: str) -> HttpResponse:
    finding = _finding_of(request, pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        return _finding_page(request, finding, {form_name: form}, status=400)
    try:
        service(finding, by=request.user, reason=form.cleaned_data["reason"])
    except InvalidTransition as exc:
        form.add_error("reason", str(exc))
        return _finding_page(request, finding, {form_name: form}, status=400)
    messages.success(request, done)
    return redirect("audit:finding-detail", pk=finding.pk)


@require_POST
@auditors_only
def finding_start_review(request: AgencyHttpRequest, pk: int) -> HttpResponse:
    return _move_finding(request, pk, services.start_review, "review", _("The finding is now under review."))


@require_POST
@auditors_only
def finding_reopen(request: AgencyHttpRequest, pk: int) -> HttpResponse:
    return _move_finding(request, pk, services.reopen_finding, "reopen", _("The finding was reopened."))


# --- checks: scans and verifications asked for now, and the nightly ones -------------------------------------


def _runs_of(request: AgencyHttpRequest):
    # An agency's auditors see its own checks and the nightly verification of every chain.
    return AuditRun.objects.filter(Q(agency_id=request.user.agency_id) | Q(agency__isnull=True)).select_related(
        "requested_by"
    )


@require_GET
@auditors_only
def checks(request: AgencyHttpRequest) -> HttpResponse:
    page = Paginator(_runs_of(request).order_by("-requested_at", "-id"), 30).get_page(request.GET.get("page"))
    return render(request, "audit/checks.html", {"page": page, "kinds": AuditRun.Kind.choices, "section": "checks"})


@require_POST
@auditors_only
def check_request(request: AgencyHttpRequest, kind: str) -> HttpResponse:
    if kind not in AuditRun.Kind.values:
        raise Http404
    try:
        run = services.request_check(kind, request.user.agency, by=request.user)
    except InvalidTransition as exc:
        messages.error(request, str(exc))
        return redirect("audit:checks")
    messages.success(request, _("The check has started. Its result appears here when it is done."))
    return redirect("audit:check-detail", pk=run.pk)


@require_GET
@auditors_only
def check_detail(request: AgencyHttpRequest, pk: int) -> HttpResponse:
    run = permissions.get_or_404(_runs_of(request).select_related("agency"), request.user, pk=pk)
    return render(request, "audit/check_detail.html", {"run": run, **check_result(run, request.user.agency_id)})


@require_GET
@auditors_only
def check_status(request: AgencyHttpRequest, pk: int) -> JsonResponse:
    run = permissions.get_or_404(_runs_of(request), request.user, pk=pk)
    return JsonResponse(
        {
            "id": run.pk,
            "status": run.status,
            "status_label": run.get_status_display(),
            "progress": run.progress,
            "finished": run.is_finished(),
        }
    )


def check_result(run: AuditRun, agency_id: int) -> dict:
    """What a check page shows: the rules run or the chains verified (only this agency's and the shared
    chain, for the nightly verification of every chain), and the findings it raised or met again."""
    visible = Q(agency_id=agency_id) | Q(agency__isnull=True)
    rule_rows = [{**row, "title": rules.rule_title(row["rule"])} for row in (run.checked or {}).get("rules", [])]
    names = {agency_id: str(Agency.objects.get(pk=agency_id)), 0: _("Shared records")}
    chains = [{**c, "label": names[c["chain"]]} for c in (run.checked or {}).get("chains", []) if c["chain"] in names]
    other_chains = len((run.checked or {}).get("chains", [])) - len(chains)
    ids = set(run.findings.values_list("pk", flat=True)) | set((run.checked or {}).get("findings", []))
    findings = list(
        Finding.objects.filter(visible, pk__in=ids).select_related("action__indicator").order_by("-severity", "pk")
    )
    critical = [f for f in findings if f.rule == services.CHAIN_BROKEN]
    told = list(
        Notification.objects.filter(
            reduce(or_, [Q(key__startswith=f"history-altered:finding:{f.pk}:") for f in critical])
        ).select_related("recipient")
        if critical
        else []
    )
    return {
        "rule_rows": rule_rows,
        "chains": chains,
        "other_chains": other_chains,
        "findings": findings,
        "new_ids": set(run.findings.values_list("pk", flat=True)),
        "critical": critical,
        "notified": told,
        "section": "checks",
    }


# --- evidence packs for external auditors ----------------------------------------------------------------------


def _packs_of(request: AgencyHttpRequest):
    return EvidencePack.objects.filter(agency_id=request.user.agency_id).select_related(
        "built_by", "action__indicator", "indicator", "plan__fiscal_year"
    )


def _packs_page(request: AgencyHttpRequest, form: EvidencePackForm, status: int = 200) -> HttpResponse:
    page = Paginator(_packs_of(request).order_by("-built_at", "-id"), 30).get_page(request.GET.get("page"))
    return render(request, "audit/packs.html", {"page": page, "form": form, "section": "packs"}, status=status)


@require_GET
@auditors_only
def packs(request: AgencyHttpRequest) -> HttpResponse:
    initial = {"subject": request.GET["subject"]} if request.GET.get("subject") else None
    return _packs_page(request, EvidencePackForm(initial=initial, agency_id=request.user.agency_id))


@require_POST
@auditors_only
def pack_build(request: AgencyHttpRequest) -> HttpResponse:
    form = EvidencePackForm(request.POST, agency_id=request.user.agency_id)
    if not form.is_valid():
        return _packs_page(request, form, status=400)
    try:
        pack = services.build_evidence_pack(
            form.subject_object(), by=request.user, reason=form.cleaned_data["reason"], mode=form.cleaned_data["mode"]
        )
    except InvalidTransition as exc:
        form.add_error("reason", str(exc))
        return _packs_page(request, form, status=400)
    messages.success(request, _("The evidence pack is ready to download."))
    return redirect(f"{reverse('audit:packs')}#pack-{pack.pk}")


@require_GET
@auditors_only
def pack_download(request: AgencyHttpRequest, pk: int) -> FileResponse:
    pack = permissions.get_or_404(_packs_of(request), request.user, pk=pk)
    if not pack.file:  # a pack whose building did not finish has no file to give
        raise Http404(_("This evidence pack has no file."))
    response = FileResponse(
        pack.file.open("rb"), as_attachment=True, filename=pack.download_name(), content_type="application/zip"
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _before(request: AgencyHttpRequest) -> int | None:
    raw = request.GET.get("before", "")
    return int(raw) if raw.isdigit() and int(raw) > 0 else None


@require_GET
@auditors_only
def change_log(request: AgencyHttpRequest) -> HttpResponse:
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
    """The change log as rows, in the same words as the page, with the action's number and title, its
    indicator and the division: never a database id."""
    yield [
        _("Sequence"),
        _("Date and time"),
        _("Changed by"),
        _("On behalf of"),
        _("Kind of record"),
        _("Record"),
        _("Change"),
        _("What changed"),
        _("Reason"),
        _("Action"),
        _("Indicator"),
        _("Division"),
    ]
    for change in changes.all_changes(chain, filters):
        details = "; ".join(
            f"{item.label}: {item.old} → {item.new}" if item.old else f"{item.label}: {item.new}"
            for item in change.changes
        )
        yield [
            str(change.seq),
            be_datetime(change.when),
            str(change.user or ""),
            str(change.on_behalf_of or ""),
            change.kind,
            change.record,
            change.type_label,
            details,
            change.reason,
            change.action_label,
            change.indicator_label,
            change.division_label,
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
def change_log_export(request: AgencyHttpRequest, fmt: str) -> HttpResponseBase:
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
    workbook_response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    workbook_response["Content-Disposition"] = f'attachment; filename="change-log-{stamp}.xlsx"'
    return workbook_response


@require_GET
@auditors_only
def actions(request: AgencyHttpRequest) -> HttpResponse:
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
def action_timeline(request: AgencyHttpRequest, pk: int) -> HttpResponse:
    action = permissions.get_or_404(
        Action.objects.visible_to(request.user).select_related("indicator__measure__plan__fiscal_year"),
        request.user,
        pk=pk,
    )
    return render(
        request,
        "audit/action_timeline.html",
        {"action": action, "events": build_timeline(action), "section": "actions"},
    )
