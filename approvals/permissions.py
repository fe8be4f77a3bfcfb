"""Every access rule of the project, in one place.

The role model (สิทธิ์ตามบทบาท): a person holds dated role assignments in one agency. Division staff and
division heads belong to a division; the chief administrator (ปลัด), the mayor (นายก), internal auditors and
agency administrators act for the whole agency; an acting appointment (รักษาราชการแทน) gives the role of
the person stood in for, for a date range.

Rules are exposed three ways, all answering from the same functions:
- `check(user, perm, obj)` returns why a person may not do something, or None;
- `require(user, perm, obj)` raises `NotAllowed` and records the refused attempt for the auditors;
- `RoleBackend`, a Django authentication backend, so that `user.has_perm`, `{{ perms }}` in templates,
  the admin and viewflow's queues see the same answers.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from approvals.exceptions import NotAllowed
from approvals.models import (
    AccessRefusal,
    Action,
    Decision,
    Division,
    Evidence,
    Role,
    RoleAssignment,
    Submission,
    User,
)
from audit import context, reasons

VIEW_PLAN = "approvals.view_plan"
WORK_ON_ACTION = "approvals.work_on_action"
REASSIGN_TASK = "approvals.reassign_task"
REVIEW_SUBMISSION = "approvals.review_submission"
APPROVE_SUBMISSION = "approvals.approve_submission"
CANCEL_ACTION = "approvals.cancel_action"
IMPORT_PLAN = "approvals.import_plan"
VIEW_AUDIT_TRAIL = "approvals.view_audit_trail"
# Internal auditors mark red-flag findings reviewed (the audit app); nobody else changes them.
REVIEW_FINDING = "approvals.review_finding"
VIEW_EVIDENCE = "approvals.view_evidence"
VIEW_REPORTS = "approvals.view_reports"
# Rendering the official progress report and opening the executive dashboard.
RENDER_REPORT = "approvals.render_report"
VIEW_EXECUTIVE_DASHBOARD = "approvals.view_executive_dashboard"
# Erasing a person's personal data from the history (audit/personal.py).
ERASE_PERSONAL_DATA = "approvals.erase_personal_data"
DIVISION_QUEUE_PREFIX = "approvals.division_"

# Django admin permissions granted by role, so that the admin shows each role what it may see or edit.
_MASTER_DATA_MODELS = (
    "agency",
    "division",
    "roleassignment",
    "user",
    "plan",
    "measure",
    "indicator",
    "action",
    "responsibility",
    "budgetitem",
    "expenditure",
    "fiscalyear",
)
_RECORD_MODELS = ("submission", "evidence", "decision", "accessrefusal")
# Who renders the official report and sees the executive dashboard (ปลัด, นายก, agency administrator).
EXECUTIVE_ROLES = frozenset({Role.CHIEF_ADMINISTRATOR, Role.MAYOR, Role.AGENCY_ADMIN})


def division_permission(division: Division | int) -> str:
    """The virtual permission of a division's task queue, used by viewflow's `.Permission(...)`."""
    pk = division if isinstance(division, int) else division.pk
    return f"{DIVISION_QUEUE_PREFIX}{pk}"


@dataclass
class Standing:
    """What a person holds today: computed once per request and cached on the user object."""

    on: datetime.date
    roles: set[str] = field(default_factory=set)
    division_ids: set[int] = field(default_factory=set)
    head_of_division_ids: set[int] = field(default_factory=set)
    # role -> the person stood in for, for acting appointments
    acting_for: dict[str, User] = field(default_factory=dict)


def standing(user: User, on: datetime.date | None = None) -> Standing:
    on = on or timezone.localdate()
    cached = getattr(user, "_khunatham_standing", None)
    if cached is not None and cached.on == on:
        return cached
    result = Standing(on=on)
    if user.is_authenticated and user.is_active and user.agency_id:
        assignments = RoleAssignment.objects.filter(user=user, agency_id=user.agency_id).active(on)
        for assignment in assignments.select_related("acting_for"):
            result.roles.add(assignment.role)
            if assignment.division_id:
                result.division_ids.add(assignment.division_id)
                if assignment.role == Role.DIVISION_HEAD:
                    result.head_of_division_ids.add(assignment.division_id)
            if assignment.acting_for_id:
                result.acting_for[assignment.role] = assignment.acting_for
    user._khunatham_standing = result
    return result


def forget_standing(user: User) -> None:
    """Drop the cached standing, after the person's role assignments changed."""
    if hasattr(user, "_khunatham_standing"):
        del user._khunatham_standing
    for cache in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        if hasattr(user, cache):
            delattr(user, cache)


def has_role(user: User, role: str, on: datetime.date | None = None) -> bool:
    return role in standing(user, on).roles


def acting_for(user: User, role: str) -> User | None:
    """Whom `user` stands in for in `role` today, or None when they hold it in their own right."""
    return standing(user).acting_for.get(role)


def scope(queryset: models.QuerySet, user: User) -> models.QuerySet:
    """Limit an agency-owned queryset to the signed-in person's agency (none for outsiders)."""
    if not user.is_authenticated or not user.agency_id:
        return queryset.none()
    return queryset.filter(agency_id=user.agency_id)


def _same_agency(user: User, obj: object) -> bool:
    agency_id = getattr(obj, "agency_id", None)
    return agency_id is not None and agency_id == user.agency_id


def _action_of(obj: object) -> Action | None:
    if isinstance(obj, Action):
        return obj
    if isinstance(obj, Submission):
        return obj.action
    if isinstance(obj, Evidence):
        return obj.submission.action
    return None


def responsible_division_ids(action: Action) -> set[int]:
    if action.all_divisions:
        return set(Division.objects.filter(agency_id=action.agency_id, is_active=True).values_list("pk", flat=True))
    return {division.pk for division in action.divisions.all()}


def submitters_of(action: Action) -> set[int]:
    """Everyone who submitted results for the action, in any round."""
    return set(
        Submission.objects.filter(action=action, submitted_by__isnull=False).values_list("submitted_by", flat=True)
    )


def reviewers_of(action: Action) -> set[int]:
    return set(Decision.objects.filter(action=action, stage=Decision.Stage.REVIEW).values_list("decided_by", flat=True))


def check(user: User, perm: str, obj: object | None = None) -> str | None:
    """Why `user` may not do `perm` on `obj`, as a translated sentence; None when allowed."""
    if not user.is_authenticated or not user.is_active:
        return _("You need to sign in.")
    if obj is not None and not _same_agency(user, obj):
        return _("This record belongs to another agency.")
    me = standing(user)
    if not user.agency_id or not me.roles:
        return _("You hold no role in an agency.")

    if perm == VIEW_PLAN or perm == VIEW_REPORTS:
        return None
    if perm.startswith(DIVISION_QUEUE_PREFIX):
        division_id = int(perm.removeprefix(DIVISION_QUEUE_PREFIX))
        if division_id in me.division_ids:
            return None
        return _("You are not a member of this division.")
    if perm == WORK_ON_ACTION:
        action = _action_of(obj)
        division_id = obj.division_id if isinstance(obj, Submission) else None
        if action is None:
            return None if me.division_ids else _("You are not a member of any division.")
        allowed = responsible_division_ids(action) & me.division_ids
        if division_id is not None:
            allowed &= {division_id}
        if allowed:
            return None
        return _("Only staff of the responsible division can work on this action.")
    if perm == REASSIGN_TASK:
        division_id = obj.pk if isinstance(obj, Division) else getattr(obj, "division_id", None)
        if division_id in me.head_of_division_ids:
            return None
        return _("Only the head of this division can reassign its tasks.")
    if perm == REVIEW_SUBMISSION:
        if Role.CHIEF_ADMINISTRATOR not in me.roles:
            return _("Only the chief administrator (or an acting chief administrator) can review results.")
        action = _action_of(obj)
        if action is not None and user.pk in submitters_of(action):
            return _("You submitted results for this action, so you cannot review it (segregation of duties).")
        return None
    if perm == APPROVE_SUBMISSION:
        if Role.MAYOR not in me.roles:
            return _("Only the mayor (or an acting mayor) can approve results.")
        action = _action_of(obj)
        if action is not None and user.pk in submitters_of(action):
            return _("You submitted results for this action, so you cannot approve it (segregation of duties).")
        if action is not None and user.pk in reviewers_of(action):
            return _("You reviewed this action, so you cannot also approve it (segregation of duties).")
        return None
    if perm in (CANCEL_ACTION, IMPORT_PLAN):
        if Role.AGENCY_ADMIN in me.roles:
            return None
        return _("Only the agency administrator can do this.")
    if perm == ERASE_PERSONAL_DATA:
        if Role.AGENCY_ADMIN in me.roles:
            return None
        return _("Only the agency administrator can erase a person's personal data.")
    if perm in (RENDER_REPORT, VIEW_EXECUTIVE_DASHBOARD):
        if me.roles & EXECUTIVE_ROLES:
            return None
        return _("Only the chief administrator, the mayor and the agency administrator can do this.")
    if perm in (VIEW_AUDIT_TRAIL, REVIEW_FINDING):
        if Role.AUDITOR in me.roles:
            return None
        return _("Only internal auditors can inspect the change history.")
    if perm == VIEW_EVIDENCE:
        action = _action_of(obj)
        if me.roles & {Role.CHIEF_ADMINISTRATOR, Role.MAYOR, Role.AUDITOR, Role.AGENCY_ADMIN}:
            return None
        if action is not None and responsible_division_ids(action) & me.division_ids:
            return None
        return _("Only the responsible division, the executives and the auditors can open this evidence.")
    return _("Unknown permission %(perm)s.") % {"perm": perm}


def require(user: User, perm: str, obj: object | None = None) -> None:
    """Raise `NotAllowed` unless allowed, after recording the refused attempt for the auditors.

    The record is written in the current transaction and carried on the exception, so that
    `refusals_kept()` can write it again if that transaction is rolled back."""
    refusal = check(user, perm, obj)
    if refusal is None:
        return
    error = NotAllowed(refusal)
    if user.is_authenticated:
        error.refusal = record_refusal(user, perm, obj, refusal)
    raise error


def keep_refusal(error: NotAllowed) -> None:
    """Write the refusal carried by `error` again if a rollback took it away."""
    refusal = getattr(error, "refusal", None)
    if refusal is None or (refusal.pk is not None and AccessRefusal.objects.filter(pk=refusal.pk).exists()):
        return
    refusal.pk = None
    refusal._state.adding = True
    with context.acting(by=refusal.user, reason=reasons.code(reasons.REFUSAL)):
        refusal.save()


@contextmanager
def refusals_kept() -> Iterator[None]:
    """Wrap a transaction: a refusal recorded inside it survives its rollback."""
    try:
        yield
    except NotAllowed as error:
        keep_refusal(error)
        raise


def record_refusal(user: User, perm: str, obj: object | None, reason: str) -> AccessRefusal:
    refusal = AccessRefusal(
        agency_id=user.agency_id,
        user=user,
        permission=perm,
        action=_action_of(obj) if obj is not None and _same_agency(user, obj) else None,
        object_repr=str(obj)[:300] if obj is not None else "",
        reason=reason,
    )
    with context.acting(by=user, reason=reasons.code(reasons.REFUSAL)):
        refusal.save()
    return refusal


def role_permissions(user: User) -> set[str]:
    """Every permission a person holds without an object: roles, division queues and admin rights."""
    me = standing(user)
    perms: set[str] = set()
    if not me.roles:
        return perms
    perms |= {VIEW_PLAN, VIEW_REPORTS}
    perms |= {division_permission(pk) for pk in me.division_ids}
    if me.division_ids:
        perms.add(WORK_ON_ACTION)
    if me.head_of_division_ids:
        perms.add(REASSIGN_TASK)
    if Role.CHIEF_ADMINISTRATOR in me.roles:
        perms.add(REVIEW_SUBMISSION)
    if Role.MAYOR in me.roles:
        perms.add(APPROVE_SUBMISSION)
    if me.roles & EXECUTIVE_ROLES:
        perms |= {RENDER_REPORT, VIEW_EXECUTIVE_DASHBOARD}
    if Role.AUDITOR in me.roles:
        perms.add(VIEW_AUDIT_TRAIL)
        perms.add(REVIEW_FINDING)
        perms |= {f"approvals.view_{name}" for name in _MASTER_DATA_MODELS + _RECORD_MODELS}
    if Role.AGENCY_ADMIN in me.roles:
        perms |= {CANCEL_ACTION, IMPORT_PLAN, ERASE_PERSONAL_DATA}
        for name in _MASTER_DATA_MODELS:
            perms |= {f"approvals.view_{name}", f"approvals.add_{name}", f"approvals.change_{name}"}
        perms |= {f"approvals.view_{name}" for name in _RECORD_MODELS}
    if me.roles & {Role.CHIEF_ADMINISTRATOR, Role.MAYOR, Role.AUDITOR, Role.AGENCY_ADMIN}:
        perms.add(VIEW_EVIDENCE)
    return perms


def is_admin_user(user: User) -> bool:
    """May the person open the Django admin (agency administrators and auditors, read-only for auditors)."""
    return user.is_superuser or bool(standing(user).roles & {Role.AGENCY_ADMIN, Role.AUDITOR})


class RoleBackend:
    """Authentication backend that answers permission questions from role assignments.

    It authenticates nobody (ModelBackend does); it only grants permissions.
    """

    def authenticate(self, request, **credentials) -> None:
        return None

    def get_user(self, user_id: int) -> User | None:
        return None

    def get_all_permissions(self, user_obj: User, obj: object | None = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        return role_permissions(user_obj)

    def has_perm(self, user_obj: User, perm: str, obj: object | None = None) -> bool:
        if not user_obj.is_active or user_obj.is_anonymous:
            return False
        if obj is None:
            return perm in role_permissions(user_obj)
        if not perm.startswith("approvals."):
            return False
        return check(user_obj, perm, obj) is None

    def has_module_perms(self, user_obj: User, app_label: str) -> bool:
        return app_label == "approvals" and is_admin_user(user_obj)


def users_with_role(agency_id: int, role: str, division_ids: Iterable[int] | None = None) -> list[User]:
    """People who hold `role` today (directly or acting), e.g. to notify them."""
    assignments = RoleAssignment.objects.filter(agency_id=agency_id, role=role).active()
    if division_ids is not None:
        assignments = assignments.filter(division_id__in=list(division_ids))
    user_ids = assignments.values_list("user_id", flat=True)
    return list(User.objects.filter(pk__in=user_ids, is_active=True))
