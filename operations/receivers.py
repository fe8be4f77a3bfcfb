"""What the operations app listens to: every verification of the hash chains, kept for the metrics."""

from __future__ import annotations

from typing import Any

from django.utils import timezone


def remember_verification(sender: Any, report: Any, **kwargs: Any) -> None:
    """Keep each verified chain's outcome (audit.seal.Report) as its last ChainCheck."""
    from operations.models import ChainCheck

    now = timezone.now()
    issues: dict[int, int] = {}
    for issue in report.issues:
        issues[issue.chain] = issues.get(issue.chain, 0) + 1
    for chain, (head_seq, _seal) in report.chains.items():
        ChainCheck.objects.update_or_create(
            chain=chain,
            defaults={
                "checked_at": now,
                "issues": issues.get(chain, 0),
                "head_seq": head_seq,
            },
        )


def connect() -> None:
    """Connected once, from OperationsConfig.ready()."""
    from audit.signals import chains_verified

    chains_verified.connect(remember_verification, dispatch_uid="operations.remember_verification")
