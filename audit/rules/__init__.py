"""Risk and anti-corruption red flags (สัญญาณเตือนความเสี่ยงการทุจริต), one module per rule.

Each rule module defines `RULE`: a `Rule` whose `scan(agency, now)` yields `Hit`s, each naming what it
found with a `key` that stays the same when a later scan finds the same thing again (the finding's
fingerprint is derived from it), the action concerned if any, and the evidence that raised it.
Thresholds come from the AUDIT_* settings. `audit.services.run_risk_scan` runs them all.
"""

from __future__ import annotations

from django.utils.functional import Promise

from audit.rules import (
    after_hours,
    approval_burst,
    changed_after_approval,
    late_role_grant,
    missed_due_date,
    no_evidence,
    oit_links,
    outside_division,
    overspending,
    quick_decision,
    repeated_returns,
    segregation,
    unattributed,
)
from audit.rules.base import Hit, Rule

RULES: list[Rule] = [
    segregation.RULE,
    changed_after_approval.RULE,
    no_evidence.RULE,
    quick_decision.RULE,
    approval_burst.RULE,
    late_role_grant.RULE,
    outside_division.RULE,
    missed_due_date.RULE,
    repeated_returns.RULE,
    overspending.RULE,
    after_hours.RULE,
    unattributed.RULE,
    oit_links.CHANGED,
    oit_links.DEAD,
]

__all__ = ["RULES", "Hit", "Rule", "get_rule", "rule_title"]


def get_rule(code: str) -> Rule | None:
    return next((rule for rule in RULES if rule.code == code), None)


def rule_title(code: str) -> str | Promise:
    from audit.rules.base import CHAIN_BROKEN_TITLE

    if code == "chain_broken":
        return CHAIN_BROKEN_TITLE
    rule = get_rule(code)
    return rule.title if rule else code
