"""After the sample year, the audit trail holds: the hash chains verify, the red flags raised are the
ones the year's own facts explain, and an auditor can read an action's whole story in order."""

from __future__ import annotations

import html
import re
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone, translation
from django.utils.translation import gettext
from viewflow.workflow.models import Task

from approvals.models import Action, Decision, RoleAssignment, Submission, User
from approvals.services import SYSTEM_USERNAME
from audit import reasons
from audit.models import Finding
from audit.timeline import action_timeline
from workflows.sample_year import REVIEW_RETURN, SCRIPT


def run(command: str, *args: str) -> str:
    out = StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def scanned(sample_year):
    run("risk_scan")
    return sample_year


def found(rule: str) -> set[str]:
    return {str(key) for key in Finding.objects.filter(rule=rule).values_list("evidence__decision_id", flat=True)}


def test_the_hash_chains_of_the_sample_year_verify(sample_year):
    output = run("audit_verify")

    assert "no tampering found" in output


def test_red_flags_are_raised_only_by_rules_the_sample_year_explains(scanned):
    raised = set(Finding.objects.values_list("rule", flat=True))

    # The year is played in seconds by accounts created just before, against the seed report's due dates.
    assert raised <= {"quick_decision", "approval_burst", "late_role_grant", "missed_due_date", "after_hours_decision"}


def test_every_acceptance_and_approval_of_the_sample_year_is_flagged_as_quick(scanned):
    decisions = Decision.objects.filter(outcome__in=[Decision.Outcome.ACCEPTED, Decision.Outcome.APPROVED])

    assert found("quick_decision") == {str(pk) for pk in decisions.values_list("pk", flat=True)}


def test_after_hours_flags_are_exactly_the_decisions_made_outside_office_hours(scanned):
    outside = set()
    for decision in Decision.objects.all():
        moment = timezone.localtime(decision.decided_at)
        if (
            moment.weekday() >= 5
            or not settings.AUDIT_OFFICE_START_HOUR <= moment.hour < settings.AUDIT_OFFICE_END_HOUR
        ):
            outside.add(str(decision.pk))

    assert found("after_hours_decision") == outside


def test_the_demo_roles_granted_before_the_plan_was_activated_raise_no_late_role_grant(scanned):
    activated_at = Decision.objects.values_list("action__indicator__measure__plan__activated_at", flat=True).first()
    granted_first = RoleAssignment.history.filter(history_type="+", history_date__lte=activated_at)
    assert set(granted_first.values_list("granted_by__username", flat=True)) == {SYSTEM_USERNAME}

    assert not Finding.objects.filter(rule="late_role_grant").exists()


def test_missed_due_dates_are_the_actions_past_their_due_date(scanned):
    today = timezone.localdate()
    late_approvals = {
        action_id
        for action_id, due, at in Decision.objects.filter(
            stage=Decision.Stage.APPROVAL, outcome=Decision.Outcome.APPROVED
        ).values_list("action_id", "action__due_date", "decided_at")
        if timezone.localdate(at) > due
    }
    still_open = set(Action.objects.overdue(today).values_list("pk", flat=True))
    extended = Action.objects.filter(due_date__gt=today).exclude(status=Action.Status.DONE)

    assert set(Finding.objects.filter(rule="missed_due_date").values_list("action_id", flat=True)) == (
        late_approvals | still_open
    )
    assert extended.exists()
    assert not Finding.objects.filter(rule="missed_due_date", action__in=extended).exists()


def test_a_second_scan_raises_nothing_new(scanned):
    before = Finding.objects.count()

    output = run("risk_scan")

    assert Finding.objects.count() == before
    assert "0 new findings" in output


def timeline_page(client, action) -> str:
    client.force_login(User.objects.get(username="auditor"))
    page = client.get(f"/audit/actions/{action.pk}/")
    assert page.status_code == 200
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.content.decode())))


def action_of(state: str) -> Action:
    """The sample year's action played as `state` (its position in the plan follows SCRIPT)."""
    actions = Action.objects.order_by("indicator__measure__number", "indicator__number", "position")
    return actions[SCRIPT.index(state)]


def story(action) -> list[tuple[str, str, str]]:
    """(what, who, why) of the timeline's submissions, decisions and finished human tasks, in its order."""
    lines = []
    status_before: dict[tuple[str, int], str] = {}
    for event in action_timeline(action):
        who = event.user.username if event.user else ""
        status = getattr(event.row, "status", None)
        became = status != status_before.get((event.table, event.object_id))
        status_before[(event.table, event.object_id)] = status
        if event.table == Submission.history.model._meta.db_table:
            if became and status == Submission.Status.SUBMITTED:
                lines.append(("submitted", who, event.reason))
        elif event.table == Decision.history.model._meta.db_table:
            acting = f" for {event.on_behalf_of.username}" if event.on_behalf_of else ""
            lines.append((f"{event.row.outcome}{acting}", who, event.reason))
        elif event.table == Task.history.model._meta.db_table and event.row.flow_task_type == "HUMAN":
            if became and status == "DONE":
                lines.append((f"task {event.row.flow_task.name} done", who, event.reason))
    return lines


def test_the_timeline_of_an_action_returned_then_approved_tells_its_story_in_order_with_who_and_why(sample_year):
    action = action_of("done_after_return")

    lines = [line for line in story(action) if not line[0].startswith("task")]

    submitted_first = [line for line in lines[: lines.index(("returned", "palad", REVIEW_RETURN))]]
    assert submitted_first and {what for what, _who, _why in submitted_first} == {"submitted"}
    assert lines[len(submitted_first) :] == [
        ("returned", "palad", REVIEW_RETURN),
        ("submitted", "somchai", reasons.describe(reasons.SUBMITTED)),
        ("accepted", "palad", "ครบถ้วนตามมาตรการ"),
        ("approved", "nayok", "อนุมัติ"),
    ]


def test_the_timeline_shows_who_completed_each_workflow_task_in_order(sample_year):
    action = action_of("done_after_return")

    tasks = [(what, who) for what, who, _why in story(action) if what.startswith("task")]

    assert tasks[-3:] == [
        ("task perform_action done", "somchai"),
        ("task review_by_chief done", "palad"),
        ("task approve_by_mayor done", "nayok"),
    ]
    assert ("task review_by_chief done", "palad") in tasks[:-3]


def test_the_timeline_names_the_acting_mayor_and_the_mayor_they_stood_in_for(client, sample_year):
    action = action_of("done_by_acting_mayor")
    acting, mayor = User.objects.get(username="rongnayok"), User.objects.get(username="nayok")

    text = timeline_page(client, action)

    assert ("approved for nayok", "rongnayok", "อนุมัติ") in story(action)
    with translation.override("th"):
        assert f"{acting} ({gettext('acting for %(person)s') % {'person': mayor}})" in text


def test_the_timeline_page_shows_the_return_reason_after_the_submissions_and_before_the_approval(client, sample_year):
    text = timeline_page(client, action_of("done_after_return"))

    assert -1 < text.find(REVIEW_RETURN) < text.rfind("อนุมัติ")


def test_the_timeline_speaks_of_workflow_steps_in_thai_without_viewflows_own_words(client, sample_year):
    text = timeline_page(client, action_of("done_after_return"))

    assert "ดำเนินการตามแนวทางของแผน" in text  # the process, by its title
    assert "งานของเจ้าหน้าที่" in text  # a person's task
    for internal in ("ActionFlow", "HUMAN", "PARALLEL_GATEWAY", "start/", "Carry out"):
        assert internal not in text
