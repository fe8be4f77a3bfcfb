"""The SQL statements of one action's whole lifecycle, as fixed numbers (a regression test, not a timing:
bench/province.py times each step against the bare ORM writes of the same rows).

An action for every division of an onboarded agency (five): each division saves a draft and submits, the chief
administrator accepts, the mayor approves, all through the services. An increase here is an increase of what a
workflow step costs: say why in the commit. `LIFECYCLE_SQL=1` prints every statement with the project line
that ran it, grouped.
"""

from __future__ import annotations

import collections
import os
import sys
import traceback
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from approvals import services
from approvals.models import Action, Decision, Submission
from notifications.models import OutboxMessage
from tests.integration.province import onboard_province, people_of

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]

# Statements of each service call, for the first division and for the last (whose submit ends the round). Each
# count includes the SAVEPOINT and RELEASE of the service's transaction, nested in the test's (2 statements that
# an outermost transaction's BEGIN and COMMIT, as in bench/province.py, do not show).
# Before issue 16's work: 25, 29, 24, 47, 48, 53 and 389 for the lifecycle; then 12, 16, 11, 32, 29, 31 and 212.
EXPECTED = {
    "save_draft": 9,
    "submit": 7,
    "save_draft (last division)": 8,
    "submit (last division)": 16,
    "accept": 18,
    "approve": 17,
}
EXPECTED_LIFECYCLE = 120  # five divisions: 5 × (save_draft + submit) + accept + approve


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _origin() -> str:
    """The innermost project line (not the virtualenv, not this file) that ran the statement."""
    here = Path(__file__).resolve()
    lines = []
    for frame in reversed(traceback.extract_stack()[:-3]):
        path = Path(frame.filename).resolve()
        if ROOT in path.parents and ".venv" not in path.parts and path != here:
            lines.append(f"{path.relative_to(ROOT)}:{frame.lineno} {frame.name}")
    # LIFECYCLE_SQL=3: the three innermost project lines.
    return " < ".join(lines[: int(os.environ.get("LIFECYCLE_SQL", "1") or 1)]) or "?"


class _Origins:
    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    def __call__(self, execute, sql, params, many, context):
        self.seen.append((_origin(), sql))
        return execute(sql, params, many, context)


def _show(name: str, origins: _Origins) -> None:
    if not os.environ.get("LIFECYCLE_SQL"):
        return
    print(f"\n===== {name}: {len(origins.seen)}", file=sys.stderr)
    for (origin, _sql), n in collections.Counter((o, s[:140]) for o, s in origins.seen).items():
        print(f"{n:>3} {origin}\n      {_sql}", file=sys.stderr)


def _counted(counts: dict[str, int], name: str, work) -> None:
    origins = _Origins()
    with CaptureQueriesContext(connection) as queries, connection.execute_wrapper(origins):
        work()
    counts[name] = len(queries)
    _show(name, origins)


def test_one_lifecycle_runs_a_fixed_number_of_statements(tmp_path):
    (agency,) = onboard_province(tmp_path, 1)
    people = people_of(agency)
    action = (
        Action.objects.filter(agency=agency, status=Action.Status.PLANNED, all_divisions=True).order_by("pk").first()
    )
    drafts = list(Submission.objects.filter(action=action, status=Submission.Status.DRAFT).order_by("pk"))
    assert len(drafts) == 5
    outbox_before = set(OutboxMessage.objects.values_list("key", flat=True))

    counts: dict[str, int] = {}
    with CaptureQueriesContext(connection) as lifecycle:
        for number, draft in enumerate(drafts):
            staff = people["staff"][draft.division_id]
            last = " (last division)" if number == len(drafts) - 1 else ""
            step = number in (0, len(drafts) - 1)

            def save(d=draft, s=staff) -> None:
                services.save_draft(d, by=s, results="ดำเนินการแล้ว", outcome="สำเร็จ", progress=100)

            def submit(d=draft, s=staff) -> None:
                services.submit_result(d, by=s)

            if step:
                _counted(counts, f"save_draft{last}", save)
                _counted(counts, f"submit{last}", submit)
            else:
                save()
                submit()
        action.refresh_from_db()
        _counted(counts, "accept", lambda: services.accept_action(action, by=people["chief"]))
        action.refresh_from_db()
        _counted(counts, "approve", lambda: services.approve_action(action, by=people["mayor"]))

    # What a user would see: the action done, every division's results approved, both decisions recorded,
    # and the notifications of the round queued once each.
    action.refresh_from_db()
    assert action.status == Action.Status.DONE
    assert set(Submission.objects.filter(action=action).values_list("status", flat=True)) == {
        Submission.Status.APPROVED
    }
    assert list(Decision.objects.filter(action=action).order_by("pk").values_list("outcome", flat=True)) == [
        Decision.Outcome.ACCEPTED,
        Decision.Outcome.APPROVED,
    ]
    queued = sorted(set(OutboxMessage.objects.values_list("key", flat=True)) - outbox_before)
    # The round's three notifications, each queued once: the review asked for, the approval asked for, approved.
    assert [key.split(":")[1] for key in queued] == ["approval", "approved", "review"], queued

    # The two refresh_from_db() calls of the test itself are in the lifecycle's count.
    assert (counts, len(lifecycle) - 2) == (EXPECTED, EXPECTED_LIFECYCLE)
