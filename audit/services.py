"""Every change the audit app makes: findings raised by the rules and by the chain verifier, and
findings marked reviewed by an internal auditor. Domain data is never changed here."""

from __future__ import annotations

import datetime
import hashlib
import json

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from approvals import permissions
from approvals.exceptions import InvalidTransition
from approvals.models import Agency, User
from approvals.services import save_with_history
from audit import reasons, seal, signals
from audit.context import Reason
from audit.models import Finding
from audit.rules import RULES, Rule
from audit.rules.base import CHAIN_BROKEN_TITLE, Hit

CHAIN_BROKEN = "chain_broken"


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
    )
    try:
        with transaction.atomic():
            save_with_history(finding, by=by, reason=reason)
            signals.finding_raised.send(sender=Finding, finding=finding)
    except IntegrityError:
        return None  # a concurrent scan recorded it first
    return finding


def run_risk_scan(
    agency: Agency | None = None,
    *,
    by: User | None,
    reason: Reason | str | None = None,
    rules: list[Rule] | None = None,
    now: datetime.datetime | None = None,
) -> list[Finding]:
    """Run every rule (or `rules`) over one agency (or all); returns the findings that are new."""
    reason = reason or reasons.code(reasons.RISK_SCAN)
    now = now or timezone.now()
    agencies = [agency] if agency is not None else list(Agency.objects.order_by("pk"))
    new: list[Finding] = []
    # Summaries are stored in the project's language (Thai), the language of the auditors' reports.
    with translation.override(settings.LANGUAGE_CODE):
        for current in agencies:
            for rule in rules or RULES:
                for hit in rule.scan(current, now):
                    finding = record_finding(
                        rule=rule.code, severity=rule.severity, agency=current, hit=hit, by=by, reason=reason
                    )
                    if finding is not None:
                        new.append(finding)
        if agency is None:
            for rule in rules or RULES:
                for hit in rule.scan_platform(now) if rule.scan_platform else ():
                    finding = record_finding(
                        rule=rule.code, severity=rule.severity, agency=None, hit=hit, by=by, reason=reason
                    )
                    if finding is not None:
                        new.append(finding)
    return new


def verify_chains(*, by: User | None, reason: Reason | str | None = None) -> tuple[seal.Report, list[Finding]]:
    """Verify every hash chain; record one critical finding per broken chain and tell the auditors."""
    reason = reason or reasons.code(reasons.VERIFICATION)
    report = seal.verify()
    signals.chains_verified.send(sender=None, report=report)
    by_chain: dict[int, list[seal.Issue]] = {}
    for issue in report.issues:
        by_chain.setdefault(issue.chain, []).append(issue)
    findings = []
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
            )
            if finding is not None:
                signals.chain_broken.send(sender=Finding, finding=finding, issues=hit.evidence["issues"])
                findings.append(finding)
    return report, findings


def review_finding(finding: Finding, *, by: User, note: str) -> Finding:
    """An internal auditor marks a finding reviewed, with a note. Earlier notes stay in its history."""
    permissions.require(by, permissions.REVIEW_FINDING, finding if finding.agency_id else None)
    note = note.strip()
    if not note:
        raise InvalidTransition("กรุณาเขียนบันทึกการตรวจสอบ / Write a review note.")
    with transaction.atomic():
        finding = Finding.objects.select_for_update().get(pk=finding.pk)
        finding.status = Finding.Status.REVIEWED
        finding.reviewed_by = by
        finding.reviewed_at = timezone.now()
        finding.review_note = note
        save_with_history(
            finding, by=by, reason=note, update_fields=["status", "reviewed_by", "reviewed_at", "review_note"]
        )
    return finding
