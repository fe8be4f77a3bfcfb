"""Signals of the audit trail, for the notifications outbox (another app hooks them).

Both are sent INSIDE the transaction that recorded the finding, like `approvals.signals`: a receiver
writes an outbox row in that transaction rather than sending anything itself.
"""

from django.dispatch import Signal

# A new finding was recorded (a risk rule fired, or the chain verifier found tampering).
# sender=Finding; extra: `finding` (audit.models.Finding).
finding_raised = Signal()

# The nightly verification (or `audit_verify` through the task) found the history altered: a critical
# finding was recorded; the internal auditors of the agency (or every auditor for the global chain)
# should be told. sender=Finding; extra: `finding` (Finding), `issues` (list of dicts: kind, chain,
# table, history_id, seq, detail).
chain_broken = Signal()

# A verification of the hash chains ran (the nightly task, `audit_verify`, `upgrade`, `restore`), whatever it
# found: the operations app keeps each chain's last outcome for the metrics. sender=None; extra: `report`
# (audit.seal.Report). Sent after the verification, outside any transaction of its own.
chains_verified = Signal()
