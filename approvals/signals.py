"""Domain events, sent by `approvals.services` INSIDE the transaction that made the change.

Receivers that need a side effect (a notification, a report, a scan) must not perform it directly:
they write an outbox row in the same transaction (see the notifications app), so that the effect
happens exactly once, and only if the change was committed.

Every signal is sent with `sender=<the model class of the record>` and these keyword arguments:
- `action`: the `approvals.models.Action` concerned,
- `by`: the acting `User` (the system user for commands and background tasks),
plus the ones named below.
"""

from django.dispatch import Signal

# A division has work to do on an action: a new task, or a task given back by a return.
# Extra: `divisions` (list of Division), `round` (int), `returned` (bool), `reason` (str, "" unless returned).
task_assigned = Signal()

# Every responsible division has submitted; the chief administrator has something to review.
# Extra: `round` (int).
review_requested = Signal()

# The chief administrator accepted; the mayor has something to approve. Extra: `decision` (Decision).
approval_requested = Signal()

# The mayor approved: the action is done and its results are locked. Extra: `decision` (Decision).
action_approved = Signal()

# The reviewer or the mayor sent an action back. Extra: `decision` (Decision) with its reason.
action_returned = Signal()

# An agency administrator cancelled an action; its open tasks are ended. Extra: `reason` (str).
action_cancelled = Signal()

# Rules of authority. These carry no `action`: `assignment` (RoleAssignment) and `by` only.
# A role, membership or acting appointment took effect (granted at once, confirmed, or extended); the
# internal auditors are told of every grant.
role_granted = Signal()

# An executive role or an acting appointment was proposed and waits for a second person's confirmation.
grant_proposed = Signal()
