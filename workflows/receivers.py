"""When an acting appointment takes effect, the steps of the post go to the acting official at once."""

from __future__ import annotations

from typing import Any

from approvals import signals, steps
from approvals.models import RoleAssignment, User


def on_role_granted(sender: Any, *, assignment: RoleAssignment, by: User, **kwargs: Any) -> None:
    if assignment.acting_for_id is not None and assignment.is_active():
        steps.settle_steps(assignment.agency_id, by=by)


def connect() -> None:
    signals.role_granted.connect(on_role_granted, dispatch_uid="workflows.settle_steps")
