"""The reasons the system writes on history rows (เหตุผลที่ระบบบันทึก), by code, and how each reads.

History rows are sealed and never rewritten, so they keep a code and its parameters (audit/context.py)
and the words are chosen when a row is shown, in the reader's language. Reasons people type are kept as
typed and shown as typed. A code missing here is shown as itself, so a new code never hides a row.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _

from audit.context import code

# Root contexts: a change nobody refined.
REQUEST = "request"
JOB = "job"
COMMAND = "command"
MIGRATION = "migration"

# The Django admin, for a form that asks no reason.
ADMIN = "admin.saved"

# Accounts and the system.
SYSTEM_ACCOUNT = "system.account_created"
SIGN_IN = "auth.sign_in"
PASSWORD_CHANGED = "auth.password_changed"

# The sample agency of the demo and of the tests (approvals/sample.py).
SAMPLE_AGENCY = "sample.agency_loaded"

# Authority: grants of roles and appointments.
GRANT_CONFIRMED = "authority.grant_confirmed"
OPERATOR_CONFIRMED = "authority.confirmed_by_operator"

# The plan and the workflow.
PLAN_IMPORTED = "plan.imported"
PLAN_ACTIVATED = "plan.activated"
AGENCY_ONBOARDED = "province.agency_onboarded"
# Planning the next year from this year's ITA scores (approvals/scores.py, approvals/next_year.py).
ITA_RESULT_SAVED = "plan.ita_result_saved"
NEXT_YEAR_DRAFTED = "plan.next_year_drafted"
PLAN_DRAFT_EDITED = "plan.draft_edited"
PLAN_DRAFT_SUBMITTED = "plan.draft_submitted"
PLAN_DRAFT_ACCEPTED = "plan.draft_accepted"
PLAN_DRAFT_APPROVED = "plan.draft_approved"
DRAFT_SAVED = "workflow.draft_saved"
EVIDENCE_ADDED = "workflow.evidence_added"
SUBMITTED = "workflow.submitted"
ACCEPTED = "workflow.accepted"
APPROVED = "workflow.approved"
CARRIED_INTO_ROUND = "workflow.carried_into_round"
TASK_TAKEN = "task.taken"
TASK_RELEASED = "task.released"
TASK_REASSIGNED = "task.reassigned"
TASK_TAKEN_OVER = "task.taken_over"
TASK_HANDED_TO_ACTING = "task.handed_to_acting"
TASK_HANDED_BACK = "task.handed_back"
TASK_HANDED_TO_SUBSTITUTE = "task.handed_to_substitute"
ACTING_ENDED = "authority.acting_ended"
BATCH_DECIDED = "workflow.batch_decided"
SUBSTITUTE_CONFIRMED = "authority.substitute_confirmed"

# Notifications.
NOTIFIED = "notification.created"
DELIVERY_QUEUED = "notification.delivery_queued"
DELIVERY_ATTEMPTED = "notification.delivery_attempted"
NOTIFICATION_READ = "notification.read"
NOTIFICATIONS_ALL_READ = "notification.all_read"
PREFERENCES_CHANGED = "notification.preferences_changed"
DIGEST_BUILT = "notification.digest_built"

# Reports.
REPORT_REQUESTED = "report.requested"
REPORT_RENDERING = "report.rendering"
REPORT_RENDERED = "report.rendered"
REPORT_FAILED = "report.failed"
REPORT_PUBLISHED = "report.published"

# The audit trail itself.
RISK_SCAN = "audit.risk_scan"
VERIFICATION = "audit.verification"
REFUSAL = "audit.refusal_recorded"
CHECK_REQUESTED = "audit.check_requested"
CHECK_STARTED = "audit.check_started"
CHECK_PROGRESS = "audit.check_progress"
CHECK_FINISHED = "audit.check_finished"
CHECK_FAILED = "audit.check_failed"
EVIDENCE_PACK_BUILT = "audit.evidence_pack_built"
PERSONAL_DATA_ERASED = "privacy.personal_data_erased"

# OIT disclosure items.
OIT_CATALOGUE_ADOPTED = "oit.catalogue_adopted"
OIT_LINK_RECORDED = "oit.link_recorded"
OIT_LINK_CHECKED = "oit.link_checked"
OIT_LINK_FINDING = "oit.link_finding"
# Personal API tokens (api/).
API_TOKEN_CREATED = "api.token_created"
API_TOKEN_REVOKED = "api.token_revoked"

SENTENCES: Mapping[str, Any] = {
    REQUEST: _("changed through the page %(name)s"),
    JOB: _("changed by the background job %(name)s"),
    COMMAND: _("changed by the command %(name)s"),
    MIGRATION: _("changed by the database migration %(name)s"),
    ADMIN: _("changed in the administration site"),
    SYSTEM_ACCOUNT: _("the system account was created"),
    SIGN_IN: _("signing in"),
    PASSWORD_CHANGED: _("the password was changed"),
    SAMPLE_AGENCY: _("the sample agency was loaded"),
    GRANT_CONFIRMED: _("the grant was confirmed"),
    OPERATOR_CONFIRMED: _("the grant was confirmed by a platform operator"),
    PLAN_IMPORTED: _("the measures report was imported"),
    PLAN_ACTIVATED: _("the plan was activated"),
    AGENCY_ONBOARDED: _("the agency was onboarded with the province's reports (%(source)s)"),
    ITA_RESULT_SAVED: _("the ITA result of the assessed year was entered"),
    NEXT_YEAR_DRAFTED: _("the next year's plan was drafted from this year's plan and scores"),
    PLAN_DRAFT_EDITED: _("the draft plan was edited"),
    PLAN_DRAFT_SUBMITTED: _("the draft plan was sent for review"),
    PLAN_DRAFT_ACCEPTED: _("the draft plan was accepted by the chief administrator"),
    PLAN_DRAFT_APPROVED: _("the draft plan was approved by the mayor"),
    DRAFT_SAVED: _("results saved as a draft"),
    EVIDENCE_ADDED: _("an evidence file was added"),
    SUBMITTED: _("results submitted"),
    ACCEPTED: _("accepted by the chief administrator"),
    APPROVED: _("approved by the mayor"),
    CARRIED_INTO_ROUND: _("carried into round %(round)s when the action was returned"),
    TASK_TAKEN: _("the task was taken"),
    TASK_RELEASED: _("the task was released to the queue"),
    TASK_REASSIGNED: _("the task was reassigned"),
    TASK_TAKEN_OVER: _("the task was taken over from %(person)s"),
    TASK_HANDED_TO_ACTING: _("the task went to the acting official %(person)s"),
    TASK_HANDED_BACK: _("the task went back to %(person)s"),
    TASK_HANDED_TO_SUBSTITUTE: _("the task went to %(person)s, the substitute during a leave"),
    ACTING_ENDED: _("the acting appointment ended: the office holder is back in office"),
    BATCH_DECIDED: _("decided in a batch of %(count)s actions"),
    SUBSTITUTE_CONFIRMED: _("the substitute during a leave was confirmed by the division head"),
    NOTIFIED: _("a notification was made"),
    DELIVERY_QUEUED: _("a notification was queued for sending"),
    DELIVERY_ATTEMPTED: _("sending a notification was attempted"),
    NOTIFICATION_READ: _("a notification was read"),
    NOTIFICATIONS_ALL_READ: _("all notifications were marked read"),
    PREFERENCES_CHANGED: _("notification settings were changed"),
    DIGEST_BUILT: _("the daily digest email of %(date)s was prepared"),
    REPORT_REQUESTED: _("a report was requested"),
    REPORT_RENDERING: _("a report is being prepared"),
    REPORT_RENDERED: _("a report was prepared"),
    REPORT_FAILED: _("preparing a report failed"),
    REPORT_PUBLISHED: _("a report was published"),
    RISK_SCAN: _("a risk scan"),
    VERIFICATION: _("a verification of the history"),
    REFUSAL: _("a refused attempt was recorded"),
    CHECK_REQUESTED: _("a check was asked for"),
    CHECK_STARTED: _("a check started"),
    CHECK_PROGRESS: _("a check moved on"),
    CHECK_FINISHED: _("a check finished"),
    CHECK_FAILED: _("a check failed"),
    EVIDENCE_PACK_BUILT: _("an evidence pack was built"),
    PERSONAL_DATA_ERASED: _("personal data erased (redaction %(redaction)s)"),
    OIT_CATALOGUE_ADOPTED: _("the OIT catalogue of %(year)s was adopted"),
    OIT_LINK_RECORDED: _("the address where an OIT item is published was recorded"),
    OIT_LINK_CHECKED: _("the link checker visited a published OIT link"),
    OIT_LINK_FINDING: _("the link checker found a changed or dead OIT link"),
    API_TOKEN_CREATED: _("a personal API token was created"),
    API_TOKEN_REVOKED: _("a personal API token was revoked"),
}


def describe(reason_code: str | None, params: Mapping[str, Any] | None = None, typed: str | None = None) -> str:
    """The reason of a history row in words: the typed text, or the code's sentence in the active language."""
    if typed:
        return typed
    if not reason_code:
        return ""
    sentence = SENTENCES.get(reason_code)
    if sentence is None:
        return reason_code
    try:
        return str(sentence) % dict(params or {})
    except (KeyError, TypeError, ValueError):
        return str(sentence)


__all__ = ["SENTENCES", "code", "describe"]
