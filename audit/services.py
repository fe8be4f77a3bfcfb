"""Every change the audit app makes: checks (red-flag scans and history verifications) asked for, run and
recorded; findings raised by the rules and by the chain verifier; findings worked on by the internal
auditors (open -> under review -> closed). Domain data is never changed here."""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from approvals import permissions
from approvals.exceptions import InvalidTransition
from approvals.models import (
    AccessRefusal,
    Action,
    Agency,
    BudgetItem,
    Decision,
    Expenditure,
    Indicator,
    Plan,
    RoleAssignment,
    Submission,
    User,
)
from approvals.services import save_with_history
from approvals.transactions import agency_transaction
from audit import reasons, seal, signals
from audit.context import Reason
from audit.models import AuditRun, EvidencePack, Finding
from audit.rules import RULES, Rule
from audit.rules.base import CHAIN_BROKEN_TITLE, Hit
from notifications import outbox

logger = logging.getLogger(__name__)

CHAIN_BROKEN = "chain_broken"
PERFORM_CHECK_TASK = "audit.perform_check"

# Reasons the system writes on history rows (audit/reasons.py puts them into words).
REASON_RISK_SCAN = reasons.code(reasons.RISK_SCAN)
REASON_NIGHTLY_SCAN = reasons.code(reasons.RISK_SCAN, origin="nightly")
REASON_NIGHTLY_VERIFICATION = reasons.code(reasons.VERIFICATION, origin="nightly")
REASON_CHECK_REQUESTED = reasons.code(reasons.CHECK_REQUESTED)
REASON_CHECK_STARTED = reasons.code(reasons.CHECK_STARTED)
REASON_CHECK_PROGRESS = reasons.code(reasons.CHECK_PROGRESS)
REASON_CHECK_FINISHED = reasons.code(reasons.CHECK_FINISHED)
REASON_CHECK_FAILED = reasons.code(reasons.CHECK_FAILED)
REASON_SAMPLE_YEAR_SCAN = reasons.code(reasons.RISK_SCAN, origin="sample_year")
REASON_VERIFICATION = reasons.code(reasons.VERIFICATION)


def _finding_reason(run: AuditRun) -> Reason:
    """The reason written on the findings a check raises."""
    if run.kind == AuditRun.Kind.VERIFICATION:
        return REASON_NIGHTLY_VERIFICATION if run.origin == AuditRun.Origin.NIGHTLY else REASON_VERIFICATION
    by_origin: dict[str, Reason] = {
        AuditRun.Origin.NIGHTLY: REASON_NIGHTLY_SCAN,
        AuditRun.Origin.SAMPLE_YEAR: REASON_SAMPLE_YEAR_SCAN,
    }
    return by_origin.get(run.origin, REASON_RISK_SCAN)


def fingerprint(rule: str, agency_id: int | None, key: str) -> str:
    return hashlib.sha256(f"{rule}|{agency_id or 0}|{key}".encode()).hexdigest()


def record_finding(
    *,
    rule: str,
    severity: str,
    agency: Agency | None,
    hit: Hit,
    by: User | None,
    reason: Reason | str,
    run: AuditRun | None = None,
) -> Finding | None:
    """Record what a rule found, once: None when the same finding (same fingerprint) already exists."""
    key = fingerprint(rule, agency.pk if agency else None, hit.key)
    if Finding.objects.filter(fingerprint=key).exists():
        return None
    finding = Finding(
        agency=agency,
        rule=rule,
        severity=severity,
        summary=hit.summary[:500],
        evidence=hit.evidence,
        action_id=hit.action_id,
        fingerprint=key,
        run=run,
    )
    try:
        # The agency's chain lock first, before any row lock (the one lock order, docs/audit.md).
        with agency_transaction(agency.pk if agency else None):
            save_with_history(finding, by=by, reason=reason)
            signals.finding_raised.send(sender=Finding, finding=finding)
    except IntegrityError:
        return None  # a concurrent scan recorded it first
    return finding


def _scan_rule(
    rule: Rule,
    agency: Agency | None,
    now: datetime.datetime,
    *,
    by: User | None,
    reason: Reason | str,
    run: AuditRun | None,
) -> tuple[int, list[Finding]]:
    """Run one rule over one agency (or, with None, over the records of no agency, for the rules that look at
    those): how many things it found, and the findings among them that are new."""
    hits, new = 0, []
    if agency is None:
        found = rule.scan_platform(now) if rule.scan_platform else ()
    else:
        found = rule.scan(agency, now)
    for hit in found:
        hits += 1
        finding = record_finding(
            rule=rule.code, severity=rule.severity, agency=agency, hit=hit, by=by, reason=reason, run=run
        )
        if finding is not None:
            new.append(finding)
    return hits, new


def run_risk_scan(
    agency: Agency | None = None,
    *,
    by: User | None,
    reason: Reason | str = REASON_RISK_SCAN,
    rules: list[Rule] | None = None,
    now: datetime.datetime | None = None,
) -> list[Finding]:
    """Run every rule (or `rules`) over one agency, or over all and the records of no agency; returns the
    findings that are new."""
    now = now or timezone.now()
    agencies: list[Agency | None] = [agency] if agency is not None else [*Agency.objects.order_by("pk"), None]
    new: list[Finding] = []
    # Summaries are stored in the project's language (Thai), the language of the auditors' reports.
    with translation.override(settings.LANGUAGE_CODE):
        for current in agencies:
            for rule in rules or RULES:
                new += _scan_rule(rule, current, now, by=by, reason=reason, run=None)[1]
    return new


def _verify(chains: list[int] | None) -> seal.Report:
    """Verify some chains (or every chain) in one report; its outcome per chain is told to whoever listens
    (the operators' metrics)."""
    if chains is None:
        report = seal.verify()
    else:
        report = seal.Report()
        for chain in chains:
            part = seal.verify(chain=chain)
            report.chains.update(part.chains)
            report.rows_checked += part.rows_checked
            report.issues += part.issues
    signals.chains_verified.send(sender=None, report=report)
    return report


def _record_broken_chains(
    report: seal.Report, *, by: User | None, reason: Reason | str, run: AuditRun | None
) -> tuple[list[Finding], list[Finding]]:
    """One critical finding per broken chain, told to the auditors when new. Returns (new, every one)."""
    by_chain: dict[int, list[seal.Issue]] = {}
    for issue in report.issues:
        by_chain.setdefault(issue.chain, []).append(issue)
    new, every = [], []
    with translation.override(settings.LANGUAGE_CODE):
        for chain, issues in sorted(by_chain.items()):
            agency = Agency.objects.filter(pk=chain).first() if chain != seal.GLOBAL_CHAIN else None
            described = sorted(issue.describe() for issue in issues)
            hit = Hit(
                key=hashlib.sha256(json.dumps(described).encode()).hexdigest(),
                summary=_("%(title)s: %(count)s history rows of chain %(chain)s do not match their seals")
                % {"title": CHAIN_BROKEN_TITLE, "count": len(issues), "chain": chain},
                evidence={"chain": chain, "issues": [issue.as_dict() for issue in issues[:500]], "total": len(issues)},
            )
            finding = record_finding(
                rule=CHAIN_BROKEN,
                severity=Finding.Severity.CRITICAL,
                agency=agency,
                hit=hit,
                by=by,
                reason=reason,
                run=run,
            )
            if finding is not None:
                signals.chain_broken.send(sender=Finding, finding=finding, issues=hit.evidence["issues"])
                new.append(finding)
            else:
                key = fingerprint(CHAIN_BROKEN, agency.pk if agency else None, hit.key)
                finding = Finding.objects.get(fingerprint=key)
            every.append(finding)
    return new, every


def verify_chains(
    *, by: User | None, reason: Reason | str = REASON_NIGHTLY_VERIFICATION
) -> tuple[seal.Report, list[Finding]]:
    """Verify every hash chain; record one critical finding per broken chain and tell the auditors."""
    report = _verify(None)
    new, _every = _record_broken_chains(report, by=by, reason=reason, run=None)
    return report, new


# ---------------------------------------------------------------------------------------------------------------
# Checks (การตรวจสอบ): a scan or a verification asked for on the auditors' page runs as a background job
# (through the outbox, after commit) and is kept as a record, like the nightly runs and the sample year's.


def request_check(kind: str, agency: Agency, *, by: User, reason: Reason | str = REASON_CHECK_REQUESTED) -> AuditRun:
    """An internal auditor asks for a scan or a verification of their agency now. It runs in the
    background; while one of the same kind is waiting or running, asking again returns that one."""
    if kind not in AuditRun.Kind.values:
        raise InvalidTransition(f"ไม่รู้จักการตรวจ {kind} / Unknown kind of check {kind}.")
    run = AuditRun(agency=agency, kind=kind, origin=AuditRun.Origin.PAGE, requested_by=by)
    permissions.require(by, permissions.RUN_AUDIT_CHECK, run)
    unfinished = AuditRun.objects.filter(
        agency=agency,
        kind=kind,
        origin=AuditRun.Origin.PAGE,
        status__in=[AuditRun.Status.WAITING, AuditRun.Status.RUNNING],
    )
    try:
        with transaction.atomic():
            running = unfinished.first()
            if running is not None:
                return running
            save_with_history(run, by=by, reason=reason)
            # Through the transactional outbox: sent to Celery after commit; a broker that is down only
            # delays it, and a check run twice records nothing twice (findings have fingerprints).
            outbox.enqueue(PERFORM_CHECK_TASK, {"run_id": run.pk}, key=f"audit-check:{run.pk}", agency=agency)
    except IntegrityError:  # asked twice at the same moment: the other request's run is the one
        return unfinished.get()
    return run


def run_check_now(kind: str, agency: Agency | None, *, by: User, origin: str, reason: Reason | str) -> AuditRun:
    """Record a check and run it here and now (the nightly tasks, the sample year)."""
    run = AuditRun(agency=agency, kind=kind, origin=origin, requested_by=by)
    if origin != AuditRun.Origin.NIGHTLY:
        permissions.require(by, permissions.RUN_AUDIT_CHECK, run)
    save_with_history(run, by=by, reason=reason)
    return perform_check(run.pk)


def _save(run: AuditRun, reason: Reason | str, fields: list[str]) -> None:
    save_with_history(run, by=run.requested_by, reason=reason, update_fields=fields)


def perform_check(run_id: int) -> AuditRun:
    """Run a recorded check and keep what it checked and found. Running it again on a finished check does
    nothing; a check left running by a worker that died runs again (it records nothing twice)."""
    with transaction.atomic():
        run = AuditRun.objects.select_for_update(of=("self",)).select_related("agency", "requested_by").get(pk=run_id)
        if run.is_finished():
            return run
        run.status, run.progress, run.started_at = AuditRun.Status.RUNNING, 5, timezone.now()
        _save(run, REASON_CHECK_STARTED, ["status", "progress", "started_at"])
    try:
        if run.kind == AuditRun.Kind.SCAN:
            _perform_scan(run)
        else:
            _perform_verification(run)
    except Exception as exc:
        logger.exception("Audit check %s failed", run_id)
        run = AuditRun.objects.get(pk=run_id)
        run.status, run.error, run.finished_at = AuditRun.Status.FAILED, str(exc)[:2000], timezone.now()
        _save(run, REASON_CHECK_FAILED, ["status", "error", "finished_at"])
        return run
    run.status, run.progress, run.finished_at = AuditRun.Status.DONE, 100, timezone.now()
    _save(run, REASON_CHECK_FINISHED, ["status", "progress", "finished_at", "rows_checked", "checked", "problems"])
    return run


def _progress_saver(run: AuditRun) -> Callable[[int], None]:
    """Saves progress in steps of at least 20 points: each save is a sealed history row."""

    def advance(percent: int) -> None:
        if percent - run.progress >= 20:
            run.progress = percent
            _save(run, REASON_CHECK_PROGRESS, ["progress"])

    return advance


def rows_in_scope(agency: Agency | None) -> int:
    """The records the red-flag rules read for an agency: actions, submissions, decisions, roles,
    refused attempts, budget items and expenditures."""
    return sum(
        model.objects.filter(agency=agency).count()
        for model in (Action, Submission, Decision, RoleAssignment, AccessRefusal, BudgetItem, Expenditure)
    )


def _perform_scan(run: AuditRun) -> None:
    advance = _progress_saver(run)
    now = timezone.now()
    results: list[dict[str, Any]] = []
    with translation.override(settings.LANGUAGE_CODE):
        for index, rule in enumerate(RULES, start=1):
            hits, new = _scan_rule(rule, run.agency, now, by=run.requested_by, reason=_finding_reason(run), run=run)
            results.append({"rule": rule.code, "hits": hits, "new": len(new)})
            advance(5 + 90 * index // len(RULES))
    run.checked = {"rules": results, "as_of": now}
    run.rows_checked = rows_in_scope(run.agency)
    run.problems = sum(result["hits"] for result in results)


def _perform_verification(run: AuditRun) -> None:
    # An agency's check covers its own chain and the global chain of shared records; the nightly run
    # (no agency) covers every chain.
    chains = [run.agency_id, seal.GLOBAL_CHAIN] if run.agency_id else None
    report = _verify(chains)
    _progress_saver(run)(80)
    _new, every = _record_broken_chains(report, by=run.requested_by, reason=_finding_reason(run), run=run)
    problems: dict[int, int] = {}
    for issue in report.issues:
        problems[issue.chain] = problems.get(issue.chain, 0) + 1
    run.checked = {
        "chains": [
            {"chain": chain, "head": head, "seal": value.hex(), "problems": problems.get(chain, 0)}
            for chain, (head, value) in sorted(report.chains.items())
        ],
        "findings": [finding.pk for finding in every],
    }
    run.rows_checked = report.rows_checked
    run.problems = len(report.issues)


# ---------------------------------------------------------------------------------------------------------------
# Findings as work: open -> under review -> closed (with the auditor's note and, where one applies, the
# corrective action). Never deleted; a closed finding can be reopened, with a reason.


def _note(text: str, message: str) -> str:
    text = (text or "").strip()
    if not text:
        raise InvalidTransition(message)
    return text


def _move(finding: Finding, *, by: User, note: str, to: str, allowed_from: tuple[str, ...], **fields) -> Finding:
    permissions.require(by, permissions.REVIEW_FINDING, finding if finding.agency_id else None)
    with agency_transaction(finding.agency_id):
        finding = Finding.objects.select_for_update().get(pk=finding.pk)
        if finding.status not in allowed_from:
            raise InvalidTransition(
                _("This finding is %(status)s; it cannot move to %(target)s.")
                % {"status": finding.get_status_display(), "target": Finding.Status(to).label}
            )
        finding.status = to
        finding.reviewed_by = by
        finding.reviewed_at = timezone.now()
        finding.review_note = note
        for name, value in fields.items():
            setattr(finding, name, value)
        save_with_history(
            finding,
            by=by,
            reason=note,
            update_fields=["status", "reviewed_by", "reviewed_at", "review_note", *fields],
        )
    return finding


def start_review(finding: Finding, *, by: User, reason: str) -> Finding:
    """An internal auditor takes up an open finding (กำลังตรวจสอบ), saying what they will look into."""
    reason = _note(reason, _("Write what you are going to look into."))
    return _move(finding, by=by, note=reason, to=Finding.Status.UNDER_REVIEW, allowed_from=(Finding.Status.OPEN,))


def close_finding(finding: Finding, *, by: User, note: str, corrective_action: Action | None = None) -> Finding:
    """An internal auditor closes a finding with a note of what was checked and concluded and, where one
    applies, the action the agency takes to put it right."""
    note = _note(note, "กรุณาเขียนบันทึกการตรวจสอบ / Write a review note.")
    agency_id = finding.agency_id or by.agency_id
    if corrective_action is not None and corrective_action.agency_id != agency_id:
        raise InvalidTransition(_("The corrective action must be one of your agency's actions."))
    return _move(
        finding,
        by=by,
        note=note,
        to=Finding.Status.CLOSED,
        allowed_from=(Finding.Status.OPEN, Finding.Status.UNDER_REVIEW),
        corrective_action=corrective_action,
    )


def reopen_finding(finding: Finding, *, by: User, reason: str) -> Finding:
    """A closed finding is taken up again (new facts, a wrong conclusion), with the reason why."""
    reason = _note(reason, _("Write why the finding is reopened."))
    return _move(finding, by=by, note=reason, to=Finding.Status.UNDER_REVIEW, allowed_from=(Finding.Status.CLOSED,))


def review_finding(finding: Finding, *, by: User, note: str) -> Finding:
    """Mark a finding reviewed with a note: closes it (kept for the callers of the first version)."""
    return close_finding(finding, by=by, note=note)


# ---------------------------------------------------------------------------------------------------------------
# Evidence packs for external auditors (สตง., ป.ป.ช.) or a complaint (see audit.evidence_pack).


def build_evidence_pack(
    subject: Action | Indicator | Plan, *, by: User, reason: str, mode: str = EvidencePack.Mode.ROWS
) -> EvidencePack:
    """An internal auditor builds an evidence pack for one action, one indicator or a whole plan, saying
    why and for whom. The pack is kept (file and SHA-256) with who built it and when."""
    from audit import evidence_pack

    reason = _note(reason, _("Write why the pack is made and for whom (a letter's number, a complaint)."))
    if mode not in EvidencePack.Mode.values:
        raise InvalidTransition(f"ไม่รู้จักรูปแบบ {mode} / Unknown kind of pack {mode}.")
    scope = evidence_pack.scope_of(subject)
    pack = EvidencePack(
        agency=scope.agency,
        scope=scope.kind,
        action=scope.action,
        indicator=scope.indicator,
        plan=scope.plan,
        mode=mode,
        reason=reason,
        built_by=by,
    )
    permissions.require(by, permissions.BUILD_EVIDENCE_PACK, pack)
    pack.built_at = timezone.now()
    built = evidence_pack.build(scope, mode=mode, by=by, reason=reason, moment=pack.built_at)
    pack.head_seq, pack.head_seal, pack.rows, pack.files = built.head_seq, built.head_seal, built.rows, built.files
    pack.size, pack.sha256 = len(built.content), built.sha256
    with transaction.atomic():
        pack.file.save("pack.zip", ContentFile(built.content), save=False)
        save_with_history(pack, by=by, reason=reason)
    return pack
