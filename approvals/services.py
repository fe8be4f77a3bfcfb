"""Every state change of the domain. Views, commands and Celery tasks all call these functions.

Each takes the acting user (`by`) and, where the change needs a justification, a `reason`: the words a
person typed, or a code the system writes (audit/reasons.py). The rows it saves are written inside that
acting context (audit/context.py), and the database records both on the history row of each.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypeVar

from django.contrib.auth import get_user_model
from django.core.files import File
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from approvals import limits, permissions, signals
from approvals.evidence import check_file as check_evidence_file
from approvals.exceptions import InvalidTransition
from approvals.grants import GrantByOrder
from approvals.models import (
    ACTING_ROLES,
    DIVISION_ROLES,
    Action,
    Agency,
    Decision,
    Division,
    Evidence,
    FiscalYear,
    Plan,
    PlanReview,
    Role,
    RoleAssignment,
    Submission,
    User,
    evidence_upload_to,
    needs_confirmation,
)
from approvals.thaidate import be_date, be_datetime
from approvals.transactions import agency_transaction
from audit import context, reasons
from audit.context import Reason

if TYPE_CHECKING:
    from viewflow.workflow.models import Task

_Saved = TypeVar("_Saved", bound=models.Model)
_Grant = TypeVar("_Grant", bound=GrantByOrder)

# The workflow services (activate_plan ... cancel_action) are at the end of this module.
# Every service that changes an agency's records runs in `agency_transaction`: its transaction takes the agency's
# hash-chain lock before any row lock (the one lock order, docs/audit.md) and is run once more if PostgreSQL
# still cancels it as a deadlock victim. Its transaction (or savepoint) is the service's: the workflow services open
# theirs with `transaction.atomic(savepoint=False)`, since a savepoint inside it would roll back just as far.

SYSTEM_USERNAME = permissions.SYSTEM_USERNAME

# The division of a new Subdistrict Administrative Organization that records spending (editable afterwards).
FINANCE_DIVISION = "กองคลัง"
# Divisions every new Subdistrict Administrative Organization starts with (editable afterwards).
DEFAULT_SAO_DIVISIONS = (
    "สำนักปลัด",
    "กองคลัง",
    "กองช่าง",
    "กองการศึกษา ศาสนาและวัฒนธรรม",
    "หน่วยตรวจสอบภายใน",
)


def system_user() -> User:
    """The account that commands and background tasks act as when no person started them."""
    user = get_user_model().objects.filter(username=SYSTEM_USERNAME).first()
    if user is not None:
        return user
    user = get_user_model()(username=SYSTEM_USERNAME, first_name="ระบบ", last_name="(system)", is_active=False)
    user.set_unusable_password()
    try:
        with transaction.atomic():
            # The account's own creation is its first act: its history row names it.
            return save_with_history(user, by=context.SELF, reason=reasons.code(reasons.SYSTEM_ACCOUNT))
    except IntegrityError:  # created meanwhile by a concurrent command or task
        return get_user_model().objects.get(username=SYSTEM_USERNAME)


def save_with_history(
    obj: _Saved,
    *,
    by: User | str | None,
    reason: Reason | str,
    update_fields: list[str] | None = None,
) -> _Saved:
    """Save a historised record inside the acting context of `by` and `reason` (a `Reason`, or text a
    person typed): the database writes its history row, with both, in the same statement. The one way
    the domain saves rows."""
    with context.acting(by=by, reason=reason):
        obj.save(update_fields=update_fields)
    return obj


def create_all_with_history(objs: list[_Saved], *, by: User | str | None, reason: Reason | str) -> list[_Saved]:
    """Insert new historised records of one model in one statement, inside the acting context of `by` and
    `reason`. The capture and seal triggers fire for each row of a multi-row INSERT, so every record gets its
    history row and its seal, exactly as `save_with_history` gives them one at a time (an importer or a plan's
    activation writes dozens of rows at once). The records get their primary keys."""
    if not objs:
        return objs
    with context.acting(by=by, reason=reason):
        return type(objs[0])._default_manager.bulk_create(objs)


def update_with_history(queryset: models.QuerySet, *, by: User | None, reason: Reason | str, **values: Any) -> int:
    """Set the same values on several historised records in one UPDATE inside the acting context of `by` and
    `reason`: the database writes (and seals) each row's history row, with both, in that statement, as
    `save_with_history` does for one record. Returns the number of rows changed."""
    with context.acting(by=by, reason=reason):
        return queryset.update(**values)


def delete_with_history(obj: models.Model, *, by: User | None, reason: Reason | str) -> None:
    """Delete a link record (a responsibility) with who and why on its last history row. Records an audit
    trail points at are never deleted (PROTECT)."""
    with context.acting(by=by, reason=reason):
        obj.delete()


def create_agency(
    *,
    name: str,
    slug: str,
    kind: str = Agency.Kind.SAO,
    district: str = "",
    province: str = "",
    by: User | None,
    reason: Reason | str,
) -> Agency:
    """Create an agency; a Subdistrict Administrative Organization starts with the usual divisions."""
    with transaction.atomic():
        agency = save_with_history(
            Agency(name=name, slug=slug, kind=kind, district=district, province=province), by=by, reason=reason
        )
        if kind == Agency.Kind.SAO:
            divisions = [
                Division(
                    agency=agency,
                    name=division_name,
                    sort_order=order,
                    keeps_accounts=division_name == FINANCE_DIVISION,
                )
                for order, division_name in enumerate(DEFAULT_SAO_DIVISIONS, start=1)
            ]
            create_all_with_history(divisions, by=by, reason=reason)
    return agency


# --- rules of authority: roles, memberships and acting appointments -------------------------------------------

# System reasons (audit/reasons.py puts them into words).
CONFIRMED_REASON = reasons.code(reasons.GRANT_CONFIRMED)


def _check_grant(
    user: User, role: str, division: Division | None, acting_for: User | None, valid_from, valid_until
) -> None:
    if not user.agency_id:
        raise InvalidTransition(_("%(user)s belongs to no agency.") % {"user": user})
    if role not in Role.values:
        raise InvalidTransition(_("Choose a role."))
    if role in DIVISION_ROLES and division is None:
        raise InvalidTransition(_("Choose the division of this membership."))
    if role not in DIVISION_ROLES and division is not None:
        raise InvalidTransition(_("Only division staff and division heads belong to a division."))
    if division is not None and division.agency_id != user.agency_id:
        raise InvalidTransition(_("The division belongs to another agency."))
    if acting_for is not None:
        if acting_for.agency_id != user.agency_id:
            raise InvalidTransition(_("The person stood in for belongs to another agency."))
        if role not in ACTING_ROLES:
            raise InvalidTransition(_("Only the chief administrator and the mayor can be stood in for."))
        if acting_for.pk == user.pk:
            raise InvalidTransition(_("Nobody stands in for themselves."))
    if valid_until is not None and valid_until < valid_from:
        raise InvalidTransition(_("The end date is before the start date."))


@agency_transaction()
def grant_role(
    user: User,
    role: str,
    *,
    division: Division | None = None,
    acting_for: User | None = None,
    valid_from: datetime.date | None = None,
    valid_until: datetime.date | None = None,
    by: User,
    reason: Reason | str,
    note: str = "",
    order_number: str = "",
    order_date: datetime.date | None = None,
    kind: str = RoleAssignment.Kind.ACTING,
) -> RoleAssignment:
    """Give a person a role (or a division membership, or an acting appointment) for a period
    (แต่งตั้ง/มอบหมาย). Nobody grants a role to themselves. The chief administrator's or the mayor's role
    and every acting appointment are only proposed, with the order that makes them (เลขที่คำสั่ง, ลงวันที่),
    and take effect once a second person confirms them (`confirm_grant`). The system account, loading the
    roles an agency starts with, confirms its own grants at once."""
    permissions.require(by, permissions.GRANT_ROLE, user)
    valid_from = valid_from or timezone.localdate()
    # Words a person typed, or a code the system writes (the roles a sample agency starts with).
    reason = context.as_reason(reason or "")
    if not (reason.code or reason.text):
        raise InvalidTransition(_("Write why the role is granted."))
    _check_grant(user, role, division, acting_for, valid_from, valid_until)
    if kind not in RoleAssignment.Kind.values:
        raise InvalidTransition(_("Choose the kind of appointment."))
    if kind == RoleAssignment.Kind.DELEGATION and acting_for is None:
        raise InvalidTransition(_("A delegation by order (ปฏิบัติราชการแทน) names the person who delegates: choose them."))
    proposal = needs_confirmation(role, acting_for)
    order_number = (order_number or "").strip()
    if proposal and not permissions.is_system_account(by) and (not order_number or order_date is None):
        raise InvalidTransition(
            _("An executive role or an acting appointment needs the number and the date of its order.")
        )
    assert user.agency_id is not None  # _check_grant refused a person of no agency
    with permissions.refusals_kept(), transaction.atomic():
        assignment = RoleAssignment(
            agency_id=user.agency_id,
            user=user,
            role=role,
            division=division,
            acting_for=acting_for,
            kind=kind if acting_for is not None else RoleAssignment.Kind.ACTING,
            valid_from=valid_from,
            valid_until=valid_until,
            granted_by=by,
            note=note,
            order_number=order_number,
            order_date=order_date,
            status=RoleAssignment.Status.PROPOSED if proposal else RoleAssignment.Status.IN_EFFECT,
        )
        if proposal and permissions.is_system_account(by):
            assignment.status = RoleAssignment.Status.IN_EFFECT
            assignment.confirmed_by = by
            assignment.confirmed_at = timezone.now()
        assignment.full_clean()
        save_with_history(assignment, by=by, reason=reason)
        if assignment.status == RoleAssignment.Status.PROPOSED:
            signals.grant_proposed.send(sender=RoleAssignment, assignment=assignment, by=by)
        else:
            signals.role_granted.send(sender=RoleAssignment, assignment=assignment, by=by)
    permissions.forget_standing(user)
    return assignment


def _settle_proposal(grant: _Grant, *, by: User, reason: Reason, refusal: str, **values: Any) -> _Grant:
    """Lock the grant, check it is still proposed (else `refusal`, naming its status), set `values` and save them
    with its history."""
    with permissions.refusals_kept(), transaction.atomic():
        grant = type(grant)._default_manager.select_for_update().get(pk=grant.pk)
        if grant.status != GrantByOrder.Status.PROPOSED:
            raise InvalidTransition(refusal % {"status": grant.get_status_display()})
        for name, value in values.items():
            setattr(grant, name, value)
        save_with_history(grant, by=by, reason=reason, update_fields=list(values))
    return grant


def confirm_proposal(grant: _Grant, *, permission: str, by: User, reason: Reason | str) -> _Grant:
    """The four eyes' second pair (ยืนยันคำสั่ง) for every grant by order (`GrantByOrder`): `by` may confirm it
    (`permission`, asked of the permissions module), and the grant, locked, is still proposed; it then takes
    effect with who confirmed it and when, saved with its history. What differs stays with the caller: the
    transaction around it (an agency's grant takes its hash-chain lock first) and what it announces."""
    permissions.require(by, permission, grant)
    # Words the confirmer typed, or a code (a platform operator's confirmation), or the default code.
    reason = context.as_reason(reason if isinstance(reason, Reason) else (reason or "").strip() or CONFIRMED_REASON)
    grant = _settle_proposal(
        grant,
        by=by,
        reason=reason,
        refusal=_("This grant is %(status)s; there is nothing to confirm."),
        status=GrantByOrder.Status.IN_EFFECT,
        confirmed_by=by,
        confirmed_at=timezone.now(),
    )
    permissions.forget_standing(grant.user)
    return grant


def decline_proposal(grant: _Grant, *, permission: str, by: User, reason: Reason | str) -> _Grant:
    """A confirmer declines a proposed grant by order (`GrantByOrder`), or its proposer withdraws it, with the
    reason: the proposal is kept, declined. The caller opens the transaction it needs, as for `confirm_proposal`."""
    permissions.require(by, permission, grant)
    reason = context.as_reason(reason or "")
    if not (reason.code or reason.text):
        raise InvalidTransition(_("Write why the grant is declined."))
    return _settle_proposal(
        grant,
        by=by,
        reason=reason,
        refusal=_("This grant is %(status)s; there is nothing to decline."),
        status=GrantByOrder.Status.DECLINED,
    )


@agency_transaction()
def confirm_grant(assignment: RoleAssignment, *, by: User, reason: Reason | str) -> RoleAssignment:
    """A second person confirms a proposed grant (ยืนยันคำสั่ง), which then takes effect: the chief
    administrator for an acting-mayor appointment, the mayor for the others (`permissions.confirmers_of`);
    a platform operator when nobody in the agency can. In the agency's chain lock; the grant in effect is
    announced (an acting appointment's steps go to the acting official at once)."""
    assignment = confirm_proposal(assignment, permission=permissions.CONFIRM_GRANT, by=by, reason=reason)
    signals.role_granted.send(sender=RoleAssignment, assignment=assignment, by=by)
    return assignment


@agency_transaction()
def decline_grant(assignment: RoleAssignment, *, by: User, reason: Reason | str) -> RoleAssignment:
    """A confirmer declines a proposed grant, or its proposer withdraws it; the proposal is kept, declined.
    In the agency's chain lock; nothing is announced."""
    return decline_proposal(assignment, permission=permissions.DECLINE_GRANT, by=by, reason=reason)


@agency_transaction()
def end_role(assignment: RoleAssignment, *, on: datetime.date | None = None, by: User, reason: str) -> RoleAssignment:
    """End a role assignment (the record is kept: history shows who held what, when), `on` being its last
    day in force; without `on` it ends now (its last day in force was yesterday), as an office holder back in
    office ends an acting appointment. Nobody ends their own role; a proposal is declined rather than ended.
    Ended before the day it began (on the very day it began, or before it began) it is out of force at once:
    its status says so, since its dates cannot (the end would fall before the start)."""
    permissions.require(by, permissions.END_ROLE, assignment)
    today = timezone.localdate()
    on = on or today - datetime.timedelta(days=1)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidTransition(_("Write why the role ends."))
    with permissions.refusals_kept(), transaction.atomic():
        assignment = RoleAssignment.objects.select_for_update().get(pk=assignment.pk)
        if assignment.status == RoleAssignment.Status.ENDED or (
            assignment.valid_until is not None and assignment.valid_until < today
        ):
            raise InvalidTransition(_("This role assignment has already ended."))
        if assignment.status != RoleAssignment.Status.IN_EFFECT:
            raise InvalidTransition(_("Only a grant in effect can end; decline a proposal instead."))
        if assignment.valid_until is not None and assignment.valid_until <= on:
            # Still in force (its last day is today or later), but no earlier than the last day asked for.
            raise InvalidTransition(
                _("Its last day is already %(day)s; choose an earlier day, or leave the day empty to end it now.")
                % {"day": be_date(assignment.valid_until)}
            )
        if on < assignment.valid_from:
            assignment.status = RoleAssignment.Status.ENDED
            save_with_history(assignment, by=by, reason=reason, update_fields=["status"])
        else:
            assignment.valid_until = on
            save_with_history(assignment, by=by, reason=reason, update_fields=["valid_until"])
    permissions.forget_standing(assignment.user)
    return assignment


def extend_role(
    assignment: RoleAssignment,
    *,
    until: datetime.date | None,
    by: User,
    reason: str,
    order_number: str = "",
    order_date: datetime.date | None = None,
) -> RoleAssignment:
    """Extend a role to a later end date (or none). A division membership or an auditor's or administrator's
    role is extended at once. An executive role or an acting appointment is extended by a new proposal that
    continues it from the day after it ends, with its order, confirmed like any grant: returns that proposal."""
    permissions.require(by, permissions.GRANT_ROLE, assignment)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidTransition(_("Write why the role is extended."))
    if assignment.status != RoleAssignment.Status.IN_EFFECT or assignment.valid_until is None:
        raise InvalidTransition(_("Only a grant in effect with an end date can be extended."))
    if until is not None and until <= assignment.valid_until:
        raise InvalidTransition(_("The new end date must be after the current one."))
    if assignment.needs_confirmation():
        return grant_role(
            assignment.user,
            assignment.role,
            division=assignment.division,
            acting_for=assignment.acting_for,
            kind=assignment.kind,
            valid_from=assignment.valid_until + datetime.timedelta(days=1),
            valid_until=until,
            by=by,
            reason=reason,
            note=assignment.note,
            order_number=order_number,
            order_date=order_date,
        )
    with permissions.refusals_kept(), transaction.atomic():
        assignment = RoleAssignment.objects.select_for_update().get(pk=assignment.pk)
        assignment.valid_until = until
        save_with_history(assignment, by=by, reason=reason, update_fields=["valid_until"])
        signals.role_granted.send(sender=RoleAssignment, assignment=assignment, by=by)
    permissions.forget_standing(assignment.user)
    return assignment


def save_fiscal_year(fiscal_year: FiscalYear, *, by: User, reason: str) -> FiscalYear:
    """Create or change a fiscal year. Every agency shares it: platform operators only."""
    permissions.require(by, permissions.CHANGE_SHARED_RECORD, fiscal_year)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidTransition(_("Write why the fiscal year changes."))
    with permissions.refusals_kept(), transaction.atomic():
        return save_with_history(fiscal_year, by=by, reason=reason)


# ---------------------------------------------------------------------------------------------------------------
# The workflow (ขั้นตอนการดำเนินงานตามมาตรการ): a plan's activation, the divisions' results, the chief
# administrator's review, the mayor's approval, returns, cancellation. Each service locks the action's process
# (the flow lock) first and the domain rows second, then moves the flow on in the same transaction.


def _flow() -> ModuleType:
    # The flow lives in the workflows app, which depends on approvals: import it when first needed.
    from workflows import engine

    return engine


def _starting() -> ModuleType:
    from workflows import starting

    return starting


def default_due_date(fiscal_year: FiscalYear, today: datetime.date | None = None) -> datetime.date:
    """The next reporting round of the fiscal year: the 6-month round (31 March) while it is still ahead,
    otherwise the 12-month round (30 September)."""
    today = today or timezone.localdate()
    return fiscal_year.six_month_date if today <= fiscal_year.six_month_date else fiscal_year.end_date


def responsible_divisions(action: Action) -> list[Division]:
    if action.all_divisions:
        return list(Division.objects.filter(agency_id=action.agency_id, is_active=True))
    return list(action.divisions.order_by("sort_order", "name"))


def current_submissions(action: Action) -> list[Submission]:
    """Each division's latest submission: the results that count for the action now."""
    latest: dict[int, Submission] = {}
    for submission in Submission.objects.filter(action_id=action.pk).select_related("division").order_by("round"):
        latest[submission.division_id] = submission
    return sorted(latest.values(), key=lambda s: (s.division.sort_order, s.division.name))


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidTransition(_("Write the reason for returning the action, so the division knows what to fix."))
    return reason


def _locked_action(action: Action | int) -> Action:
    pk = action if isinstance(action, int) else action.pk
    return Action.objects.select_for_update().get(pk=pk)


def _locked_submission(submission: Submission, *, others_drafting: bool = False) -> Submission:
    """The submission and its action, locked in that one statement (`FOR UPDATE` locks the rows of both tables)
    under the flow lock the service holds, which orders every transaction of the action before either row.
    It comes with whether its division is responsible for the action (`permissions.with_responsibility`), so that
    the permission to work on it is checked on the locked rows without reading them again. `others_drafting` also
    reads whether another division still drafts in the action's current round (`submission.others_drafting`): a
    submission ends the round when none does."""
    submissions = permissions.with_responsibility(Submission.objects.select_for_update().select_related("action"))
    if others_drafting:
        submissions = submissions.annotate(
            others_drafting=models.Exists(
                Submission.objects.filter(
                    action_id=models.OuterRef("action_id"),
                    round=models.OuterRef("action__current_round"),
                    status=Submission.Status.DRAFT,
                ).exclude(pk=models.OuterRef("pk"))
            )
        )
    return submissions.get(pk=submission.pk)


def _division_step(submission: Submission) -> tuple[Any, int]:
    """The flow node and division of a submission's task (`engine.locked_task`)."""
    return _flow().ActionFlow.perform_action, submission.division_id


def _check_editable(action: Action, submission: Submission) -> None:
    if action.status == Action.Status.DONE:
        raise InvalidTransition(_("The mayor approved this action: its results can no longer be changed."))
    if action.status == Action.Status.CANCELLED:
        raise InvalidTransition(_("This action was cancelled: its results can no longer be changed."))
    if submission.status == Submission.Status.DRAFT and submission.round == action.current_round:
        return
    if submission.submitted_by_id:
        raise InvalidTransition(
            _("%(person)s already submitted these results on %(when)s; they can no longer be changed.")
            % {"person": submission.submitted_by, "when": be_datetime(submission.submitted_at)}
        )
    raise InvalidTransition(_("These results belong to an earlier round and can no longer be changed."))


def _set_action_status(action: Action, status: str, *, by: User, reason: Reason | str, **fields: object) -> None:
    action.status = status
    for name, value in fields.items():
        setattr(action, name, value)
    save_with_history(action, by=by, reason=reason, update_fields=["status", *fields])


def waits_for_draft_review(plan: Plan) -> bool:
    """Whether `plan` is next year's draft (ร่างแผนปีถัดไป) that the mayor has not approved yet."""
    state = PlanReview.objects.filter(plan=plan).values_list("state", flat=True).first()
    return state is not None and state not in (PlanReview.State.APPROVED, PlanReview.State.ACTIVATED)


@agency_transaction()
def activate_plan(plan: Plan, *, by: User, reason: Reason | str | None = None) -> Plan:
    """Activate a plan (เริ่มดำเนินการตามแผน): every action gets a draft per responsible division and a
    process whose split puts one task in each division's queue. Actions added by a later import are started
    when the plan is activated again."""
    reason = reason or reasons.code(reasons.PLAN_ACTIVATED)
    permissions.require(by, permissions.IMPORT_PLAN, plan)
    flow = _flow()
    with permissions.refusals_kept(), transaction.atomic():
        # `of=("self",)`: the plan's row only. A bare FOR UPDATE with the join would lock the fiscal year too, a
        # row every agency shares, and make two agencies' activations queue behind each other (docs/audit.md).
        plan = Plan.objects.select_for_update(of=("self",)).select_related("fiscal_year").get(pk=plan.pk)
        if plan.status == Plan.Status.CLOSED:
            raise InvalidTransition(_("This plan is closed and cannot be activated."))
        # A plan drafted for next year goes through its own review (approvals/next_year.py): activating it
        # here before the mayor approved it would skip the chief administrator's and the mayor's decisions.
        if waits_for_draft_review(plan):
            raise InvalidTransition(
                _("This is next year's draft plan: it can be activated only after the mayor approves it.")
            )
        actions = list(
            Action.objects.filter(indicator__measure__plan=plan, process__isnull=True)
            .exclude(status=Action.Status.CANCELLED)
            .select_related("indicator")
            .prefetch_related("divisions")
            .order_by("indicator__measure__number", "indicator__number", "position")
        )
        if not actions and plan.status == Plan.Status.ACTIVE:
            raise InvalidTransition(_("This plan is already active and every action has its tasks."))
        active_divisions = list(Division.objects.filter(agency_id=plan.agency_id, is_active=True))
        nobody = [str(a) for a in actions if not (active_divisions if a.all_divisions else list(a.divisions.all()))]
        if nobody:
            raise InvalidTransition(
                _("These actions have no responsible division; name one before activating the plan: %(actions)s")
                % {"actions": "; ".join(nobody)}
            )
        divisions_of = {a.pk: active_divisions if a.all_divisions else list(a.divisions.all()) for a in actions}
        for action in actions:
            if action.due_date is None:
                action.due_date = default_due_date(plan.fiscal_year)
                save_with_history(action, by=by, reason=reason, update_fields=["due_date"])
        # Every action's drafts in one statement (each with its history row and seal), before any process starts:
        # a process's split hands a task to each division with a draft.
        drafts = [
            Submission(agency_id=action.agency_id, action=action, division=division, round=action.current_round)
            for action in actions
            for division in divisions_of[action.pk]
        ]
        create_all_with_history(drafts, by=by, reason=reason)
        # Every process at once (workflows/starting.py); a later round (never the case of an action without a
        # process today) through viewflow, one at a time.
        first_rounds = [action for action in actions if action.current_round == 1]
        _starting().start_all(first_rounds, by=by, reason=reason)
        for action in actions:
            if action.current_round != 1:
                flow.start(action, by=by, reason=reason)
        for action in actions:
            signals.task_assigned.send(
                sender=Submission,
                action=action,
                by=by,
                divisions=divisions_of[action.pk],
                round=action.current_round,
                returned=False,
                reason="",
            )
        if plan.status != Plan.Status.ACTIVE:
            plan.status = Plan.Status.ACTIVE
            plan.activated_at = timezone.now()
            save_with_history(plan, by=by, reason=reason, update_fields=["status", "activated_at"])
    return plan


@agency_transaction()
def save_draft(
    submission: Submission,
    *,
    by: User,
    results: str,
    outcome: str,
    progress: int,
    reason: Reason | str | None = None,
) -> Submission:
    """Save a division's results as a draft (บันทึกร่าง); the person takes the division's task if nobody has."""
    reason = reason or reasons.code(reasons.DRAFT_SAVED)
    flow = _flow()
    with (
        permissions.refusals_kept(),
        transaction.atomic(savepoint=False),
        flow.locked_task(submission.action_id, submission.agency_id, *_division_step(submission)) as task,
    ):
        # The permission first, on the rows just locked (they carry what it needs), then the input.
        submission = _locked_submission(submission)
        permissions.require(by, permissions.WORK_ON_ACTION, submission)
        if not isinstance(progress, int) or isinstance(progress, bool) or not 0 <= progress <= 100:
            raise InvalidTransition(_("Progress must be a whole number from 0 to 100."))
        limits.check_result_lengths(results=results, outcome=outcome)
        action = submission.action
        _check_editable(action, submission)
        flow.claim(flow.activate(flow.required(task, flow.ActionFlow.perform_action), current=True), by, reason=reason)
        values = {"results": (results or "").strip(), "outcome": (outcome or "").strip(), "progress": progress}
        changed = [name for name, value in values.items() if getattr(submission, name) != value]
        for name in changed:
            setattr(submission, name, values[name])
        if changed:
            save_with_history(submission, by=by, reason=reason, update_fields=changed)
        if action.status in (Action.Status.PLANNED, Action.Status.RETURNED):
            _set_action_status(action, Action.Status.IN_PROGRESS, by=by, reason=reason)
    return submission


@agency_transaction()
def add_evidence(
    submission: Submission,
    *,
    by: User,
    uploaded_file: File,
    is_internal: bool = False,
    reason: Reason | str | None = None,
) -> Evidence:
    """Attach an evidence file (หลักฐาน) to a draft, after checking its name, size and content. The file
    is stored under its SHA-256 through Django's storage API, never under the name it came with."""
    reason = reason or reasons.code(reasons.EVIDENCE_ADDED)
    permissions.require(by, permissions.WORK_ON_ACTION, submission)
    checked = check_evidence_file(uploaded_file)
    flow = _flow()
    with (
        permissions.refusals_kept(),
        transaction.atomic(savepoint=False),
        flow.locked_task(submission.action_id, submission.agency_id, *_division_step(submission)) as task,
    ):
        submission = _locked_submission(submission)
        action = submission.action
        _check_editable(action, submission)
        flow.claim(flow.activate(flow.required(task, flow.ActionFlow.perform_action), current=True), by, reason=reason)
        evidence = Evidence(
            agency_id=submission.agency_id,
            submission=submission,
            original_name=checked.name,
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
            is_internal=is_internal,
            uploaded_by=by,
        )
        stored_name = evidence_upload_to(evidence, checked.name)
        storage = Evidence._meta.get_field("file").storage
        # Content-addressed: the same content uploaded twice is stored once.
        if not storage.exists(stored_name):
            uploaded_file.seek(0)
            stored_name = storage.save(stored_name, uploaded_file)
        evidence.file.name = stored_name
        save_with_history(evidence, by=by, reason=reason)
        if action.status in (Action.Status.PLANNED, Action.Status.RETURNED):
            _set_action_status(action, Action.Status.IN_PROGRESS, by=by, reason=reason)
    return evidence


@agency_transaction()
def remove_evidence(evidence: Evidence, *, by: User, reason: str) -> Evidence:
    """Withdraw an evidence file from a draft. The file and its record are kept, marked removed."""
    permissions.require(by, permissions.WORK_ON_ACTION, evidence.submission)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidTransition(_("Write why the evidence file is withdrawn."))
    flow = _flow()
    with permissions.refusals_kept(), transaction.atomic(savepoint=False), flow.locked(evidence.submission.action):
        action = _locked_action(evidence.submission.action_id)
        evidence = Evidence.objects.select_for_update().select_related("submission").get(pk=evidence.pk)
        _check_editable(action, evidence.submission)
        if evidence.is_removed:
            raise InvalidTransition(_("This evidence file was already withdrawn."))
        evidence.is_removed = True
        save_with_history(evidence, by=by, reason=reason, update_fields=["is_removed"])
    return evidence


@agency_transaction()
def submit_result(submission: Submission, *, by: User, reason: Reason | str | None = None) -> Submission:
    """Submit a division's results (ส่งผลการดำเนินการ). When every division of the round has submitted,
    the action waits for the chief administrator's review."""
    reason = reason or reasons.code(reasons.SUBMITTED)
    flow = _flow()
    with (
        permissions.refusals_kept(),
        transaction.atomic(savepoint=False),
        flow.locked_task(submission.action_id, submission.agency_id, *_division_step(submission)) as task,
    ):
        submission = _locked_submission(submission, others_drafting=True)
        permissions.require(by, permissions.WORK_ON_ACTION, submission)
        action = submission.action
        _check_editable(action, submission)
        if not submission.results:
            raise InvalidTransition(_("Write what was done before submitting."))
        step = flow.claim(
            flow.activate(flow.required(task, flow.ActionFlow.perform_action), current=True), by, reason=reason
        )
        submission.status = Submission.Status.SUBMITTED
        submission.submitted_by = by
        submission.submitted_at = timezone.now()
        save_with_history(submission, by=by, reason=reason, update_fields=["status", "submitted_by", "submitted_at"])
        # Read with the locked row (the others' drafts, under the same locks): the last division to submit ends the
        # round, and the join moves on to the review without asking the database again.
        round_complete = not submission.others_drafting  # type: ignore[attr-defined]  # _locked_submission's annotation
        if not round_complete:
            if action.status != Action.Status.IN_PROGRESS:
                _set_action_status(action, Action.Status.IN_PROGRESS, by=by, reason=reason)
        else:
            _set_action_status(action, Action.Status.AWAITING_REVIEW, by=by, reason=reason)
        # The review's holder, found when the review task is created, is the one told of it: read once.
        with permissions.read_once():
            flow.complete(step, by, reason=reason, checked=True, action=action, round_complete=round_complete)
            if action.status == Action.Status.AWAITING_REVIEW:
                signals.review_requested.send(sender=Submission, action=action, by=by, round=action.current_round)
    return submission


def _decide(
    action: Action, *, by: User, stage: str, outcome: str, reason: str, on_behalf_of: User | None, **fields: object
) -> Decision:
    """Record a decision (the words its maker typed are its history row's reason)."""
    default: dict[str, str] = {Decision.Outcome.ACCEPTED: reasons.ACCEPTED, Decision.Outcome.APPROVED: reasons.APPROVED}
    return save_with_history(
        Decision(
            agency_id=action.agency_id,
            action=action,
            round=action.current_round,
            stage=stage,
            outcome=outcome,
            reason=reason,
            decided_by=by,
            on_behalf_of=on_behalf_of,
            **fields,
        ),
        by=by,
        reason=reason or reasons.code(default.get(outcome, outcome)),
    )


def _set_submission_status(submissions: list[Submission], status: str, *, by: User, reason: Reason | str) -> None:
    """The divisions' submissions to `status`, in one UPDATE (a history row for each)."""
    changed = [submission for submission in submissions if submission.status != status]
    if changed:
        update_with_history(
            Submission.objects.filter(pk__in=[s.pk for s in changed]), by=by, reason=reason, status=status
        )
    for submission in changed:
        submission.status = status


@dataclass(frozen=True)
class _Conclusion:
    """What concluding a step changes: the review's acceptance or the mayor's approval."""

    permission: str
    role: str
    awaiting: str
    stage: str
    outcome: str
    reason_code: str
    submissions_from: str
    submissions_to: str
    next_status: str
    signal: Any

    def node(self, flow: ModuleType) -> Any:
        """The flow node of the step's task."""
        nodes = flow.ActionFlow
        return nodes.review_by_chief if self.stage == Decision.Stage.REVIEW else nodes.approve_by_mayor


ACCEPTANCE = _Conclusion(
    permission=permissions.REVIEW_SUBMISSION,
    role=Role.CHIEF_ADMINISTRATOR,
    awaiting=Action.Status.AWAITING_REVIEW,
    stage=Decision.Stage.REVIEW,
    outcome=Decision.Outcome.ACCEPTED,
    reason_code=reasons.ACCEPTED,
    submissions_from=Submission.Status.SUBMITTED,
    submissions_to=Submission.Status.ACCEPTED,
    next_status=Action.Status.AWAITING_APPROVAL,
    signal=signals.approval_requested,
)
APPROVAL = _Conclusion(
    permission=permissions.APPROVE_SUBMISSION,
    role=Role.MAYOR,
    awaiting=Action.Status.AWAITING_APPROVAL,
    stage=Decision.Stage.APPROVAL,
    outcome=Decision.Outcome.APPROVED,
    reason_code=reasons.APPROVED,
    submissions_from=Submission.Status.ACCEPTED,
    submissions_to=Submission.Status.APPROVED,
    next_status=Action.Status.DONE,
    signal=signals.action_approved,
)


def _conclude(action: Action, step: _Conclusion, *, by: User, reason: str = "") -> Decision:
    """The one skeleton of an acceptance and an approval: the permission once, the flow lock once, the
    decision, the submissions' and the action's new status, and the task's one activation completed.

    Who took part in the results and who holds the next post are read once (`permissions.read_once`): the step
    checks its maker against them, then gives the next step to its holder and tells them; it writes nothing that
    changes either (a decision, the submissions' status and the action's are no part in the results)."""
    flow = _flow()
    with permissions.read_once():
        permissions.require(by, step.permission, action)
        on_behalf_of = permissions.acting_for(by, step.role)
        with (
            permissions.refusals_kept(),
            transaction.atomic(savepoint=False),
            flow.locked_task(action.pk, action.agency_id, step.node(flow), with_action=True) as task,
            context.acting(by=by, on_behalf_of=on_behalf_of),
        ):
            # Locked with the task in one statement (no task: locked alone, and the checks below refuse).
            action = flow.locked_action(task) if task is not None else _locked_action(action)
            _check_stage(action, step.awaiting)
            activation = flow.claim(
                flow.activate(flow.required(task, step.node(flow)), current=True),
                by,
                reason=reasons.code(step.reason_code),
            )
            decision = _decide(
                action,
                by=by,
                stage=step.stage,
                outcome=step.outcome,
                reason=(reason or "").strip(),
                on_behalf_of=on_behalf_of,
            )
            done = reasons.code(step.reason_code, decision=decision.pk)
            # Each division's latest submission (`current_submissions`) that is in the step's status, in the one
            # UPDATE that changes them (it was a read of them all, then the UPDATE).
            update_with_history(
                Submission.objects.filter(action_id=action.pk, status=step.submissions_from).exclude(
                    models.Exists(
                        Submission.objects.filter(
                            action_id=models.OuterRef("action_id"),
                            division_id=models.OuterRef("division_id"),
                            round__gt=models.OuterRef("round"),
                        )
                    )
                ),
                by=by,
                reason=done,
                status=step.submissions_to,
            )
            _set_action_status(action, step.next_status, by=by, reason=done)
            flow.complete(activation, by, reason=done, checked=True, action=action, decision=decision)
            step.signal.send(sender=Decision, action=action, by=by, decision=decision)
    return decision


@agency_transaction()
def accept_action(action: Action, *, by: User, reason: str = "") -> Decision:
    """The chief administrator accepts every division's results (ปลัดเห็นชอบ); the mayor approves next."""
    return _conclude(action, ACCEPTANCE, by=by, reason=reason)


@agency_transaction()
def approve_action(action: Action, *, by: User, reason: str = "") -> Decision:
    """The mayor approves (นายกอนุมัติ): the action is done and its results are locked."""
    return _conclude(action, APPROVAL, by=by, reason=reason)


@agency_transaction()
def return_action(
    action: Action,
    *,
    by: User,
    reason: str,
    to_divisions: list[Division] | list[int] | None = None,
    to_review: bool = False,
) -> Decision:
    """Send an action back with a written reason (ส่งกลับแก้ไข): the chief administrator returns it to the
    divisions they choose (all by default); the mayor returns it to the review or to the divisions. A return
    to divisions opens a new round with a new draft for each, pre-filled with what they submitted."""
    # Whether the mayor or the reviewer is returning depends on where the action is now, not on a stale copy.
    awaiting_approval = (
        Action.objects.values_list("status", flat=True).get(pk=action.pk) == Action.Status.AWAITING_APPROVAL
    )
    permission = permissions.APPROVE_SUBMISSION if awaiting_approval else permissions.REVIEW_SUBMISSION
    permissions.require(by, permission, action)
    reason = _require_reason(reason)
    flow = _flow()
    on_behalf_of = permissions.acting_for(by, Role.MAYOR if awaiting_approval else Role.CHIEF_ADMINISTRATOR)
    with (
        permissions.refusals_kept(),
        transaction.atomic(savepoint=False),
        flow.locked(action),
        context.acting(by=by, reason=reason, on_behalf_of=on_behalf_of),
    ):
        action = _locked_action(action)
        if action.status not in (Action.Status.AWAITING_REVIEW, Action.Status.AWAITING_APPROVAL):
            _check_stage(action, Action.Status.AWAITING_REVIEW)
        if (action.status == Action.Status.AWAITING_APPROVAL) != awaiting_approval:
            raise InvalidTransition(_("The action moved on while you were deciding. Open it again."))
        if to_review and not awaiting_approval:
            raise InvalidTransition(_("Only the mayor can return an action to the review."))
        stage = Decision.Stage.APPROVAL if awaiting_approval else Decision.Stage.REVIEW
        activation = flow.claim(
            flow.activate(flow.approval_task(action) if awaiting_approval else flow.review_task(action), current=True),
            by,
            reason=reason,
        )
        current = current_submissions(action)
        chosen: list[Submission] = []
        if not to_review:
            wanted = {d if isinstance(d, int) else d.pk for d in to_divisions or []} or {s.division_id for s in current}
            chosen = [s for s in current if s.division_id in wanted]
            if len(chosen) != len(wanted):
                raise InvalidTransition(_("Choose divisions that are responsible for this action."))
        decision = _decide(
            action,
            by=by,
            stage=stage,
            outcome=Decision.Outcome.RETURNED,
            reason=reason,
            on_behalf_of=on_behalf_of,
            return_target=Decision.ReturnTarget.REVIEW if to_review else Decision.ReturnTarget.DIVISIONS,
            returned_divisions=[s.division_id for s in chosen],
        )
        # Whatever is not sent back waits, as submitted, for the next review.
        accepted = [s for s in current if s.status == Submission.Status.ACCEPTED and s not in chosen]
        _set_submission_status(accepted, Submission.Status.SUBMITTED, by=by, reason=reason)
        if to_review:
            _set_action_status(action, Action.Status.AWAITING_REVIEW, by=by, reason=reason)
        else:
            _set_submission_status(chosen, Submission.Status.RETURNED, by=by, reason=reason)
            new_round = action.current_round + 1
            # The new round's drafts, pre-filled with what each division submitted, and the evidence carried into
            # them are the system's bookkeeping of the return, not anything the returner wrote: the history says
            # so (a code naming the round and the return), and keeps each file's uploader in the file's own row.
            carried = context.code(reasons.CARRIED_INTO_ROUND, round=new_round, decision=decision.pk)
            for old in chosen:
                draft = save_with_history(
                    Submission(
                        agency_id=action.agency_id,
                        action=action,
                        division_id=old.division_id,
                        round=new_round,
                        results=old.results,
                        outcome=old.outcome,
                        progress=old.progress,
                    ),
                    by=system_user(),
                    reason=carried,
                )
                for evidence in old.evidence.filter(is_removed=False):
                    evidence.pk = None
                    evidence._state.adding = True
                    evidence.submission = draft
                    save_with_history(evidence, by=system_user(), reason=carried)
            _set_action_status(action, Action.Status.RETURNED, by=by, reason=reason, current_round=new_round)
        flow.complete(activation, by, reason=reason, checked=True, decision=decision)
        signals.action_returned.send(sender=Decision, action=action, by=by, decision=decision)
        if to_review:
            signals.review_requested.send(sender=Submission, action=action, by=by, round=action.current_round)
        else:
            signals.task_assigned.send(
                sender=Submission,
                action=action,
                by=by,
                divisions=[s.division for s in chosen],
                round=action.current_round,
                returned=True,
                reason=reason,
            )
    return decision


def _check_stage(action: Action, expected: str) -> None:
    if action.status == expected:
        return
    last = Decision.objects.filter(action=action).select_related("decided_by").order_by("-decided_at", "-pk").first()
    if last is not None and action.status in (
        Action.Status.AWAITING_APPROVAL,
        Action.Status.DONE,
        Action.Status.RETURNED,
        Action.Status.AWAITING_REVIEW,
    ):
        raise InvalidTransition(
            _("%(person)s already decided on this action (%(outcome)s) on %(when)s; nothing is left to do here.")
            % {"person": last.decided_by, "outcome": last.get_outcome_display(), "when": be_datetime(last.decided_at)}
        )
    raise InvalidTransition(
        _("The action is %(status)s, so this step is not possible now.") % {"status": action.get_status_display()}
    )


@agency_transaction()
def cancel_action(action: Action, *, by: User, reason: str) -> Action:
    """Cancel an action (ยกเลิกแนวทาง), agency administrators only: its open tasks end and its open
    drafts and submissions are marked cancelled."""
    permissions.require(by, permissions.CANCEL_ACTION, action)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidTransition(_("Write why the action is cancelled."))
    flow = _flow()
    with permissions.refusals_kept(), transaction.atomic(savepoint=False), flow.locked(action):
        action = _locked_action(action)
        if action.is_locked():
            raise InvalidTransition(
                _("The action is %(status)s and cannot be cancelled.") % {"status": action.get_status_display()}
            )
        still_open = Submission.objects.filter(action=action).exclude(
            status__in=[Submission.Status.RETURNED, Submission.Status.APPROVED, Submission.Status.CANCELLED]
        )
        _set_submission_status(list(still_open), Submission.Status.CANCELLED, by=by, reason=reason)
        _set_action_status(action, Action.Status.CANCELLED, by=by, reason=reason)
        flow.cancel(action, by=by, reason=reason)
        signals.action_cancelled.send(sender=Action, action=action, by=by, reason=reason)
    return action


@agency_transaction()
def set_due_date(action: Action, *, by: User, due_date: datetime.date, reason: str) -> Action:
    """Set or extend an action's due date (กำหนดเวลา), agency administrators only, with a reason."""
    permissions.require(by, permissions.CANCEL_ACTION, action)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidTransition(_("Write why the due date changes."))
    with permissions.refusals_kept(), transaction.atomic():
        action = _locked_action(action)
        if action.is_locked():
            raise InvalidTransition(
                _("The action is %(status)s; its due date can no longer change.")
                % {"status": action.get_status_display()}
            )
        action.due_date = due_date
        save_with_history(action, by=by, reason=reason, update_fields=["due_date"])
    return action


def _agency_of_task(task: Task, **kwargs: object) -> int | None:
    return Action.objects.filter(process__pk=task.process_id).values_list("agency_id", flat=True).first()


@agency_transaction(agency_of=_agency_of_task)
def reassign_task(task: Task, *, by: User, to: User, reason: Reason | str | None = None) -> Task:
    """A division head gives a division's task to another member of the division (มอบหมายงาน)."""
    reason = reason or reasons.code(reasons.TASK_REASSIGNED)
    division = Division.objects.get(pk=task.data["division"])
    permissions.require(by, permissions.REASSIGN_TASK, division)
    flow = _flow()
    with permissions.refusals_kept(), transaction.atomic():
        action = Action.objects.get(process__pk=task.process_id)
        with flow.locked(action):
            if permissions.check(to, permissions.division_permission(division), action) is not None:
                raise InvalidTransition(
                    _("%(person)s is not a member of %(division)s.") % {"person": to, "division": division}
                )
            activation = flow.activate(task)
            if activation.task.status not in flow.OPEN_STATUSES:
                raise InvalidTransition(_("This task is finished and can no longer be reassigned."))
            task = flow.hand_over(activation, to, by=by, reason=reason)
    return task
