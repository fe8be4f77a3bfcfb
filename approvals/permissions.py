"""Every access rule of the project, in one place.

The role model (สิทธิ์ตามบทบาท): a person holds dated role assignments in one agency. Division staff and
division heads belong to a division; the chief administrator (ปลัด), the mayor (นายก), internal auditors and
agency administrators act for the whole agency; an acting appointment (รักษาราชการแทน) gives the role of
the person stood in for, for a date range. Platform operators (superusers, no agency) run the platform: the
Django admin, shared records such as fiscal years, and confirmations nobody in the agency can give.

Rules of authority (อำนาจ): nobody grants, extends or ends a role for themselves; an executive role or an
acting appointment is proposed with its order and takes effect only when a second person confirms it
(`confirmers_of`); nobody reviews or approves a round they drafted, edited, added evidence to or submitted
(`contributors_of`), whatever roles they hold; executives', auditors' and administrators' passwords are
set only by their owners or a platform operator.

Rules are exposed three ways, all answering from the same functions:
- `check(user, perm, obj)` returns why a person may not do something (a `Refusal`, naming its rule), or None;
- `require(user, perm, obj)` raises `NotAllowed` and records the refused attempt for the auditors;
- `RoleBackend`, a Django authentication backend, so that `user.has_perm`, `{{ perms }}` in templates
  and viewflow's queues see the same answers.
Every refusal is recorded (`record_refusal`): those raised here, a 403 from any other page
(`approvals.middleware.RefusalMiddleware`) and a look-up of another agency's record (`refuse_outside_scope`).
"""

from __future__ import annotations

import contextvars
import datetime
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from approvals.exceptions import NotAllowed
from approvals.models import (
    ACTING_ROLES,
    AccessRefusal,
    Action,
    Agency,
    Decision,
    Division,
    Evidence,
    RefusalRepeat,
    Responsibility,
    Role,
    RoleAssignment,
    Submission,
    Substitution,
    User,
)
from approvals.thaidate import be_date
from audit import reasons

SYSTEM_USERNAME = "system"

VIEW_PLAN = "approvals.view_plan"
WORK_ON_ACTION = "approvals.work_on_action"
REASSIGN_TASK = "approvals.reassign_task"
REVIEW_SUBMISSION = "approvals.review_submission"
APPROVE_SUBMISSION = "approvals.approve_submission"
CANCEL_ACTION = "approvals.cancel_action"
IMPORT_PLAN = "approvals.import_plan"
# A plan drafted for the next fiscal year (approvals/next_year.py): reviewed and approved like a result.
REVIEW_PLAN_DRAFT = "approvals.review_plan_draft"
APPROVE_PLAN_DRAFT = "approvals.approve_plan_draft"
VIEW_AUDIT_TRAIL = "approvals.view_audit_trail"
# Internal auditors mark red-flag findings reviewed (the audit app); nobody else changes them.
REVIEW_FINDING = "approvals.review_finding"
# Internal auditors run the red-flag scan and the history verification from their page, and build
# evidence packs for external auditors (สตง., ป.ป.ช.) or a complaint.
RUN_AUDIT_CHECK = "approvals.run_audit_check"
BUILD_EVIDENCE_PACK = "approvals.build_evidence_pack"
VIEW_EVIDENCE = "approvals.view_evidence"
VIEW_REPORTS = "approvals.view_reports"
# Rendering the official progress report and opening the executive dashboard.
RENDER_REPORT = "approvals.render_report"
VIEW_EXECUTIVE_DASHBOARD = "approvals.view_executive_dashboard"
# Erasing a person's personal data from the history (audit/personal.py).
ERASE_PERSONAL_DATA = "approvals.erase_personal_data"
DIVISION_QUEUE_PREFIX = "approvals.division_"
# The agency administration pages: the agency administrator changes, the internal auditors read.
MANAGE_AGENCY = "approvals.manage_agency"
VIEW_ADMINISTRATION = "approvals.view_administration"
# Rules of authority: granting, extending and ending roles; confirming or declining a proposed grant.
GRANT_ROLE = "approvals.grant_role"
END_ROLE = "approvals.end_role"
CONFIRM_GRANT = "approvals.confirm_grant"
DECLINE_GRANT = "approvals.decline_grant"
# Setting someone else's (temporary) password; deactivating or unlocking an account.
SET_PASSWORD = "approvals.set_password"
MANAGE_PERSON = "approvals.manage_person"
# The finance division records spending against budget items (with its document and evidence).
RECORD_SPENDING = "approvals.record_spending"
# Budget items: the agency administrator and the finance division.
MANAGE_BUDGET = "approvals.manage_budget"
VIEW_SPENDING_EVIDENCE = "approvals.view_spending_evidence"
# Platform operators only: the Django admin and the records every agency shares (fiscal years).
OPERATE_PLATFORM = "approvals.operate_platform"
CHANGE_SHARED_RECORD = "approvals.change_shared_record"
# Substitutes during a leave: named by the person on leave (or their division head), confirmed by the head.
NAME_SUBSTITUTE = "approvals.name_substitute"
CONFIRM_SUBSTITUTE = "approvals.confirm_substitute"
# A refusal given by a page outside this module (viewflow's own pages): recorded with the page's name.
OPEN_PAGE_PREFIX = "page:"
# Province and district oversight (oversight/): read-only pages across the agencies of an area.
VIEW_OVERSIGHT = "approvals.view_oversight"
# Platform operators open oversight officers' accounts and propose, end and confirm their grants; a second
# operator confirms (or declines) each proposal (four eyes, as an agency's executive grants).
MANAGE_OVERSIGHT = "approvals.manage_oversight"
CONFIRM_OVERSIGHT = "approvals.confirm_oversight"
DECLINE_OVERSIGHT = "approvals.decline_oversight"
OVERSIGHT_GRANTS = (MANAGE_OVERSIGHT, CONFIRM_OVERSIGHT, DECLINE_OVERSIGHT)
# Personal API tokens (api/): creating and revoking one's own; reading an agency's figures through the API.
USE_API = "approvals.use_api"
READ_AGENCY_FIGURES = "approvals.read_agency_figures"
# Who in an agency may hold API tokens for its own systems, and read its figures and findings counts with them.
API_ROLES = frozenset({Role.CHIEF_ADMINISTRATOR, Role.MAYOR, Role.AGENCY_ADMIN, Role.AUDITOR})

# Who renders the official report and sees the executive dashboard (ปลัด, นายก, agency administrator).
EXECUTIVE_ROLES = frozenset({Role.CHIEF_ADMINISTRATOR, Role.MAYOR, Role.AGENCY_ADMIN})
# Whose password only its owner (or a platform operator) sets, and who signs in with a second factor.
PROTECTED_ROLES = frozenset({Role.CHIEF_ADMINISTRATOR, Role.MAYOR, Role.AUDITOR, Role.AGENCY_ADMIN})
SECOND_FACTOR_ROLES = PROTECTED_ROLES


class Rule(models.TextChoices):
    """The rule a refusal was given under, as the internal auditors' refusal list names it."""

    SIGN_IN = "sign_in", gettext_lazy("Signed-in people only")
    OTHER_AGENCY = "other_agency", gettext_lazy("Another agency's record")
    NO_ROLE = "no_role", gettext_lazy("No role in an agency")
    ROLE = "role", gettext_lazy("Role required")
    DIVISION = "division", gettext_lazy("Another division's work")
    SEGREGATION = "segregation", gettext_lazy("Segregation of duties")
    SELF = "self", gettext_lazy("No power over one's own role or account")
    FOUR_EYES = "four_eyes", gettext_lazy("Second person's confirmation (four eyes)")
    PROTECTED_PASSWORD = "protected_password", gettext_lazy("Executives' and auditors' passwords")
    OPERATOR_ONLY = "operator_only", gettext_lazy("Platform operators only")
    SHARED_RECORD = "shared_record", gettext_lazy("Shared records: platform operators only")
    PAGE = "page", gettext_lazy("Refused by the page")
    STOOD_IN_FOR = "stood_in_for", gettext_lazy("An acting official holds the post")


class Refusal(str):
    """Why something is not allowed: a translated sentence that also names its `rule`."""

    rule: str

    def __new__(cls, message: str, rule: str) -> Refusal:
        refusal = super().__new__(cls, message)
        refusal.rule = rule
        return refusal


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
    # Divisions that record spending (the finance division) the person belongs to.
    finance_division_ids: set[int] = field(default_factory=set)
    # role -> the person stood in for, for acting appointments
    acting_for: dict[str, User] = field(default_factory=dict)
    # role -> the kind of that appointment (RoleAssignment.Kind: acting in the post, or by delegation)
    acting_kind: dict[str, str] = field(default_factory=dict)
    # role -> the acting appointment in force for this person (someone else acts in their post today)
    stood_in_for: dict[str, RoleAssignment] = field(default_factory=dict)


def standing(user: User, on: datetime.date | None = None) -> Standing:
    on = on or timezone.localdate()
    cached = getattr(user, "_khunatham_standing", None)
    if cached is not None and cached.on == on:
        return cached
    result = Standing(on=on)
    if user.is_authenticated and user.is_active and user.agency_id:
        # One query: the person's own assignments, and the acting appointments made for them (someone else acts in
        # their post), which count below only for a post they hold in their own right.
        assignments = (
            RoleAssignment.objects.filter(
                models.Q(user=user, agency_id=user.agency_id)
                | models.Q(acting_for=user, role__in=ACTING_ROLES, kind=RoleAssignment.Kind.ACTING)
            )
            .active(on)
            .select_related("acting_for", "division", "user")
            .order_by("role", "valid_from", "pk")
        )
        own: list[RoleAssignment] = []
        made_for_them: list[RoleAssignment] = []
        for assignment in assignments:
            mine = assignment.user_id == user.pk and assignment.agency_id == user.agency_id
            (own if mine else made_for_them).append(assignment)
        for assignment in own:
            result.roles.add(assignment.role)
            division = assignment.division
            if division is not None:
                result.division_ids.add(division.pk)
                if assignment.role == Role.DIVISION_HEAD:
                    result.head_of_division_ids.add(division.pk)
                if division.keeps_accounts and division.is_active:
                    result.finance_division_ids.add(division.pk)
            if assignment.acting_for is not None:
                result.acting_for[assignment.role] = assignment.acting_for
                result.acting_kind[assignment.role] = assignment.kind
        own_posts = {role for role in result.roles if role in ACTING_ROLES and role not in result.acting_for}
        # A delegation (ปฏิบัติราชการแทน) leaves the holder in office: only an acting appointment counts.
        for assignment in made_for_them:
            if assignment.role in own_posts:
                result.stood_in_for.setdefault(assignment.role, assignment)
    user._khunatham_standing = result
    return result


def forget_standing(user: User) -> None:
    """Drop the cached standing, after the person's role assignments changed."""
    if hasattr(user, "_khunatham_standing"):
        del user._khunatham_standing
    if hasattr(user, "_khunatham_oversight"):
        del user._khunatham_oversight
    for cache in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        if hasattr(user, cache):
            delattr(user, cache)


def has_role(user: User, role: str, on: datetime.date | None = None) -> bool:
    return role in standing(user, on).roles


def acting_for(user: User, role: str) -> User | None:
    """Whom `user` stands in for in `role` today, or None when they hold it in their own right."""
    return standing(user).acting_for.get(role)


def is_platform_operator(user: Any) -> bool:
    """A platform operator (ผู้ดูแลแพลตฟอร์ม): a superuser, outside every agency."""
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_superuser)


def is_system_account(user: Any) -> bool:
    """The account commands and background tasks act as (`approvals.services.system_user`)."""
    return bool(
        user is not None
        and getattr(user, "pk", None) is not None
        and user.username == SYSTEM_USERNAME
        and user.agency_id is None
        and not user.is_active
    )


def holds_protected_role(user: User) -> bool:
    """Whether the person is an executive, an auditor or an administrator: today, later, or proposed as one
    (a proposal counts, so that nobody takes over an account between its proposal and its confirmation)."""
    if user.is_superuser:
        return True
    live = RoleAssignment.objects.filter(user=user, role__in=PROTECTED_ROLES)
    live = live.exclude(status__in=[RoleAssignment.Status.DECLINED, RoleAssignment.Status.ENDED])
    live = live.exclude(valid_until__lt=timezone.localdate())
    return live.exists()


def needs_second_factor(user: Any) -> bool:
    """Executives, auditors and administrators (and platform operators) sign in with a second factor."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.is_superuser or bool(standing(user).roles & SECOND_FACTOR_ROLES)


@dataclass(frozen=True)
class Area:
    """The province (and district, if one) a person oversees today."""

    province: str
    district: str = ""

    def covers(self, agency: Agency) -> bool:
        return agency.province == self.province and (not self.district or agency.district == self.district)


def oversight_area(user: Any) -> Area | None:
    """The area a person oversees today (ท้องถิ่นจังหวัด / ท้องถิ่นอำเภอ), or None; cached per request. A person
    of an agency oversees nothing; several assignments in effect: the widest."""
    if not getattr(user, "is_authenticated", False) or not user.is_active or user.agency_id:
        return None
    today = timezone.localdate()
    cached = getattr(user, "_khunatham_oversight", None)
    if cached is not None and cached[0] == today:
        return cached[1]
    from oversight.models import OversightAssignment

    areas = [
        Area(province, district)
        for province, district in OversightAssignment.objects.filter(user=user)
        .active(today)
        .order_by("district", "province")
        .values_list("province", "district")
    ]
    area = areas[0] if areas else None
    user._khunatham_oversight = (today, area)
    return area


def overseen_agencies(user: Any) -> models.QuerySet:
    """The agencies a person oversees: none unless they hold an oversight assignment today."""
    area = oversight_area(user)
    if area is None:
        return Agency.objects.none()
    agencies = Agency.objects.filter(province=area.province)
    return agencies.filter(district=area.district) if area.district else agencies


def _oversight_rule(user: User, perm: str, obj: object | None) -> Refusal | None:
    """Oversight and the API: the area's officers, and an agency's executives and auditors for their own."""
    area = oversight_area(user)
    if perm == VIEW_OVERSIGHT:
        if area is None:
            return Refusal(_("Only the province's and districts' oversight officers can open this page."), Rule.ROLE)
        if isinstance(obj, Agency) and not area.covers(obj):
            return Refusal(_("This agency is outside the area you oversee."), Rule.OTHER_AGENCY)
        return None
    if perm == USE_API and obj is not None and getattr(obj, "user_id", None) != user.pk:
        return Refusal(_("Only its owner can revoke an API token."), Rule.SELF)
    if area is not None:
        if isinstance(obj, Agency) and not area.covers(obj):
            return Refusal(_("This agency is outside the area you oversee."), Rule.OTHER_AGENCY)
        return None
    if isinstance(obj, Agency) and obj.pk != user.agency_id:
        return Refusal(_("This record belongs to another agency."), Rule.OTHER_AGENCY)
    if standing(user).roles & API_ROLES:
        return None
    return Refusal(
        _("Only the executives, the administrator and the auditors of an agency, or oversight officers, use the API."),
        Rule.ROLE,
    )


_Scoped = TypeVar("_Scoped", bound=models.QuerySet)


def scope(queryset: _Scoped, user: User) -> _Scoped:
    """Limit an agency-owned queryset to the signed-in person's agency (none for outsiders)."""
    if not user.is_authenticated or not user.agency_id:
        return queryset.none()
    return queryset.filter(agency_id=user.agency_id)


def _same_agency(user: User, obj: object) -> bool:
    agency_id = obj.pk if isinstance(obj, Agency) else getattr(obj, "agency_id", None)
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


def _responsible(action: str, division: Any, agency: str, all_divisions: str) -> models.Q:
    """The division is one of the action's responsible divisions (`responsible_division_ids`), as a condition over
    the references of the query it is part of."""
    active_in_agency = Division.objects.filter(pk=division, agency_id=models.OuterRef(agency), is_active=True)
    named = Responsibility.objects.filter(action_id=models.OuterRef(action), division_id=division)
    return (models.Q(**{all_divisions: True}) & models.Exists(active_in_agency)) | (
        models.Q(**{all_divisions: False}) & models.Exists(named)
    )


def is_responsible(action_id: int, division_id: int) -> bool:
    """Whether the division is one of the action's responsible divisions, in one query that does not read the
    action itself."""
    return (
        Action.objects.filter(pk=action_id)
        .filter(_responsible("pk", division_id, "agency_id", "all_divisions"))
        .exists()
    )


def with_responsibility(submissions: models.QuerySet[Submission]) -> models.QuerySet[Submission]:
    """Submissions read with whether their division is responsible for their action (`division_is_responsible`),
    so that `check(user, WORK_ON_ACTION, submission)` asks nothing more: a service reads it with the row it locks."""
    responsible = _responsible(
        "action_id", models.OuterRef("division_id"), "action__agency_id", "action__all_divisions"
    )
    return submissions.annotate(
        division_is_responsible=models.ExpressionWrapper(responsible, output_field=models.BooleanField())
    )


def submitters_of(action: Action) -> set[int]:
    """Everyone who submitted results for the action, in any round."""
    return set(
        Submission.objects.filter(action=action, submitted_by__isnull=False).values_list("submitted_by", flat=True)
    )


def drafters(action_ref: Any) -> models.QuerySet:
    """History rows of the action's submissions saved as drafts: the people who drafted or edited results.

    Only a division's own save writes a draft over a draft (a new round's draft, written by a return, is an
    insert); status changes by reviewers, approvers and administrators never leave the status at draft."""
    return Submission.history.model.objects.filter(
        action_id=action_ref, history_type="~", status=Submission.Status.DRAFT, history_user_id__isnull=False
    )


# What `read_once` keeps for the block it wraps: {key: answer}; None outside one.
_read_once: contextvars.ContextVar[dict[tuple[Any, ...], Any] | None] = contextvars.ContextVar(
    "approvals_read_once", default=None
)


@contextmanager
def read_once() -> Iterator[None]:
    """Inside the block, who took part in an action's results (`contributors_of`) and who holds a post
    (`users_with_role` without divisions) are read once each. A workflow service wraps in it the part of one
    transaction that asks twice and writes nothing that changes the answer in between: a decision checks segregation
    of duties for its maker, then finds who takes the next step (the same contributors) and tells them (the same
    holders). Nothing is kept past the block: never across transactions or requests."""
    token = _read_once.set({})
    try:
        yield
    finally:
        _read_once.reset(token)


_T = TypeVar("_T")


def _once(key: tuple[Any, ...], read: Callable[[], _T]) -> _T:
    kept = _read_once.get()
    if kept is None:
        return read()
    if key not in kept:
        kept[key] = read()
    answer: _T = kept[key]
    return answer


def contributors_of(action: Action) -> set[int]:
    """Everyone who took part in the action's results, in any round: drafted or edited them, added or
    withdrew evidence, or submitted them. None of them may review or approve the action. One query."""
    return set(_once(("contributors", action.pk), lambda: _contributors_of(action)))


def _contributors_of(action: Action) -> set[int]:
    parts = [part.values_list(column) for part, column in _contribution_parts(action)]
    return {pk for (pk,) in parts[0].union(*parts[1:])}


def _contribution_parts(action: Action) -> list[tuple[models.QuerySet, str]]:
    """The parts of `contributors_of`'s UNION: each query, and its column naming the person."""
    submitted = Submission.objects.filter(action=action, submitted_by__isnull=False)
    uploaded = Evidence.objects.filter(submission__action=action)
    # Withdrawing evidence is an edit too (a copy made by a return is an insert, by the system: not counted).
    withdrew = Evidence.history.model.objects.filter(
        submission__action_id=action.pk, history_type="~", history_user_id__isnull=False
    )
    drafted = drafters(action.pk)
    # Each part without its model's ordering: a compound query (UNION) takes none of its own (SQLite).
    return [
        (submitted.order_by(), "submitted_by"),
        (uploaded.order_by(), "uploaded_by"),
        (withdrew.order_by(), "history_user_id"),
        (drafted.order_by(), "history_user_id"),
    ]


def contributors_and_reviewers(action: Action) -> tuple[set[int], set[int]]:
    """`contributors_of` and `reviewers_of`, which an approval asks both: in one query (each person tagged with
    how they took part), or only the reviewers when the contributors were read already (`read_once`). The
    reviewers are never kept: a decision changes them."""
    kept = _read_once.get()
    if kept is not None and ("contributors", action.pk) in kept:
        return contributors_of(action), reviewers_of(action)
    parts = [
        part.annotate(took_part_as=models.Value("contributor")).values_list(column, "took_part_as")
        for part, column in _contribution_parts(action)
    ]
    reviewed = (
        Decision.objects.filter(action=action, stage=Decision.Stage.REVIEW)
        .order_by()
        .annotate(took_part_as=models.Value("reviewer"))
        .values_list("decided_by", "took_part_as")
    )
    contributors: set[int] = set()
    reviewers: set[int] = set()
    for pk, took_part_as in parts[0].union(*parts[1:], reviewed):
        (contributors if took_part_as == "contributor" else reviewers).add(pk)
    if kept is not None:
        kept[("contributors", action.pk)] = contributors
    return set(contributors), reviewers


def took_part(action_ref: Any, user: User) -> dict[str, models.Exists]:
    """The same test as `contributors_of`, as subqueries for a list of tasks (queues hide what segregation
    of duties keeps from the person): {name: Exists(...)}, true when the person took part that way."""
    return {
        "sod_submitted": models.Exists(Submission.objects.filter(action_id=action_ref, submitted_by=user)),
        "sod_uploaded": models.Exists(Evidence.objects.filter(submission__action_id=action_ref, uploaded_by=user)),
        "sod_withdrew": models.Exists(
            Evidence.history.model.objects.filter(
                submission__action_id=action_ref, history_type="~", history_user_id=user.pk
            )
        ),
        "sod_drafted": models.Exists(drafters(action_ref).filter(history_user_id=user.pk)),
    }


def reviewers_of(action: Action) -> set[int]:
    return set(Decision.objects.filter(action=action, stage=Decision.Stage.REVIEW).values_list("decided_by", flat=True))


def _segregation(
    user: User,
    action: Action | None,
    *,
    approving: bool,
    contributors: set[int] | None = None,
    reviewers: set[int] | None = None,
) -> Refusal | None:
    if action is None:
        return None
    if approving and contributors is None and reviewers is None:
        contributors, reviewers = contributors_and_reviewers(action)
    if user.pk in (contributors if contributors is not None else contributors_of(action)):
        message = (
            _("You took part in this action's results, so you cannot approve it (segregation of duties).")
            if approving
            else _("You took part in this action's results, so you cannot review it (segregation of duties).")
        )
        return Refusal(message, Rule.SEGREGATION)
    if approving and user.pk in (reviewers if reviewers is not None else reviewers_of(action)):
        return Refusal(
            _("You reviewed this action, so you cannot also approve it (segregation of duties)."), Rule.SEGREGATION
        )
    return None


def _stood_in_for(me: Standing, role: str) -> Refusal | None:
    """While an acting appointment (รักษาราชการแทน) is in force, the post's decisions are the acting
    official's: the office holder sees them and may end the appointment on returning to office."""
    acting = me.stood_in_for.get(role)
    if acting is None:
        return None
    return Refusal(
        _("%(person)s acts in your post until %(until)s; end the acting appointment to decide again.")
        % {"person": acting.user, "until": be_date(acting.valid_until) if acting.valid_until else "–"},
        Rule.STOOD_IN_FOR,
    )


def acting_appointment_for(user: User, role: str) -> RoleAssignment | None:
    """The acting appointment in force in `user`'s own post `role` (someone else acts for them), if any."""
    return standing(user).stood_in_for.get(role)


@dataclass(frozen=True)
class Deciders:
    """Who may take the step an action waits for: `allowed` people, and those whom a rule keeps out."""

    role: str
    allowed: list[User]
    kept_out: list[tuple[User, str]]
    # Who can unblock a step nobody may take: the agency administrators, by proposing an acting appointment.
    administrators: list[User] = field(default_factory=list)

    @property
    def nobody(self) -> bool:
        return not self.allowed

    @property
    def approving(self) -> bool:
        return self.role == Role.MAYOR


def deciders_of(action: Action) -> Deciders | None:
    """Who can review (or approve) the action now; None when it waits for no executive."""
    if action.status == Action.Status.AWAITING_REVIEW:
        role, approving = Role.CHIEF_ADMINISTRATOR, False
    elif action.status == Action.Status.AWAITING_APPROVAL:
        role, approving = Role.MAYOR, True
    else:
        return None
    allowed: list[User] = []
    kept_out: list[tuple[User, str]] = []
    holders = users_with_role(action.agency_id, role)
    contributors: set[int] = set()
    reviewers: set[int] = set()
    if holders and approving:
        contributors, reviewers = contributors_and_reviewers(action)
    elif holders:
        contributors = contributors_of(action)
    for person in holders:
        refusal = _stood_in_for(standing(person), role) or _segregation(
            person, action, approving=approving, contributors=contributors, reviewers=reviewers
        )
        if refusal is None:
            allowed.append(person)
        else:
            kept_out.append((person, str(refusal)))
    administrators = users_with_role(action.agency_id, Role.AGENCY_ADMIN) if not allowed else []
    return Deciders(role=role, allowed=allowed, kept_out=kept_out, administrators=administrators)


def step_holder(action: Action) -> User | None:
    """Whose the step the action waits for is without anyone taking it: the one person who may review (or
    approve) it now in their own right, or else the only one who may (an acting official while their
    appointment is in force); None when several may."""
    deciders = deciders_of(action)
    if deciders is None:
        return None
    # Beside someone deciding by delegation (ปฏิบัติราชการแทน), the holder of the post is the step's holder.
    in_own_right = [person for person in deciders.allowed if acting_for(person, deciders.role) is None]
    if len(in_own_right) == 1:
        return in_own_right[0]
    return deciders.allowed[0] if len(deciders.allowed) == 1 else None


def confirmers_of(assignment: RoleAssignment) -> list[User]:
    """Who may confirm a proposed grant: the chief administrator for an acting-mayor appointment, the
    mayor for the others; when nobody but the grantee or the proposer holds that post, the other executive.
    Never the grantee, never the proposer. An empty list means the post is empty: a platform operator
    confirms."""
    excluded = {assignment.user_id, assignment.granted_by_id}
    acting_mayor = assignment.role == Role.MAYOR and assignment.acting_for_id is not None
    order = (Role.CHIEF_ADMINISTRATOR, Role.MAYOR) if acting_mayor else (Role.MAYOR, Role.CHIEF_ADMINISTRATOR)
    for role in order:
        people = [p for p in users_with_role(assignment.agency_id, role) if p.pk not in excluded]
        if people:
            return people
    return []


def _grant_rule(user: User, perm: str, obj: object | None, me: Standing) -> Refusal | None:
    """Granting, extending, ending, confirming and declining roles."""
    grantee_id = obj.pk if isinstance(obj, User) else getattr(obj, "user_id", None)
    if perm in (GRANT_ROLE, END_ROLE):
        if grantee_id is not None and grantee_id == user.pk:
            return Refusal(_("Nobody grants, extends or ends a role for themselves."), Rule.SELF)
        if perm == END_ROLE and isinstance(obj, RoleAssignment) and obj.acting_for_id == user.pk:
            return None  # the office holder, back in office, ends the acting appointment made for them
        if is_platform_operator(user) or Role.AGENCY_ADMIN in me.roles:
            return None
        return Refusal(_("Only the agency administrator grants and ends roles."), Rule.ROLE)
    if not isinstance(obj, RoleAssignment):
        # Without a grant in hand: may the person confirm grants at all (the chief administrator, the mayor)?
        if is_platform_operator(user) or me.roles & {Role.CHIEF_ADMINISTRATOR, Role.MAYOR}:
            return None
        return Refusal(_("Only the chief administrator and the mayor confirm grants."), Rule.ROLE)
    if user.pk == obj.user_id:
        return Refusal(_("Nobody confirms or declines a grant to themselves."), Rule.FOUR_EYES)
    if perm == DECLINE_GRANT and user.pk == obj.granted_by_id:
        return None  # the proposer withdraws their own proposal
    if user.pk == obj.granted_by_id:
        return Refusal(_("The person who proposed a grant cannot also confirm it."), Rule.FOUR_EYES)
    confirmers = confirmers_of(obj)
    if any(person.pk == user.pk for person in confirmers):
        return None
    if is_platform_operator(user):
        if not confirmers:
            return None
        names = ", ".join(str(person) for person in confirmers)
        return Refusal(
            _("%(people)s can confirm this grant; a platform operator confirms only when nobody can.")
            % {"people": names},
            Rule.FOUR_EYES,
        )
    if confirmers:
        names = ", ".join(str(person) for person in confirmers)
        return Refusal(_("Only %(people)s can confirm or decline this grant.") % {"people": names}, Rule.FOUR_EYES)
    return Refusal(
        _("Nobody in the agency can confirm this grant now; a platform operator confirms it."), Rule.FOUR_EYES
    )


def _substitute_rule(user: User, perm: str, obj: object | None, me: Standing) -> Refusal | None:
    """A member of a division names their substitute for a leave (or the head names one for them); the head
    of the division, neither of the two, confirms it."""
    if not isinstance(obj, Substitution):
        if me.division_ids:
            return None
        return Refusal(_("You are not a member of any division."), Rule.DIVISION)
    if perm == NAME_SUBSTITUTE:
        if obj.person_id == user.pk and obj.division_id in me.division_ids:
            return None
        if obj.division_id in me.head_of_division_ids:
            return None
        return Refusal(
            _("Only the person going on leave or the head of the division names a substitute."), Rule.DIVISION
        )
    if user.pk in (obj.person_id, obj.substitute_id):
        return Refusal(_("Neither the person on leave nor the substitute confirms a substitution."), Rule.FOUR_EYES)
    if obj.division_id in me.head_of_division_ids:
        return None
    return Refusal(_("Only the head of the division confirms a substitute."), Rule.DIVISION)


def _oversight_grant_rule(user: User, perm: str, obj: object | None) -> Refusal | None:
    """Oversight officers' accounts and grants: platform operators only; nobody acts on their own grant, and
    the operator who proposed a grant does not confirm it (they may withdraw it)."""
    if not is_platform_operator(user):
        return Refusal(
            _("Only platform operators open oversight officers' accounts and grant their roles."), Rule.OPERATOR_ONLY
        )
    grantee_id = obj.pk if isinstance(obj, User) else getattr(obj, "user_id", None)
    if grantee_id is not None and grantee_id == user.pk:
        return Refusal(_("Nobody grants, confirms or ends a role for themselves."), Rule.SELF)
    if perm == CONFIRM_OVERSIGHT and obj is not None and getattr(obj, "granted_by_id", None) == user.pk:
        return Refusal(_("The person who proposed a grant cannot also confirm it."), Rule.FOUR_EYES)
    return None


def _operator_rule(user: User, perm: str, obj: object | None) -> Refusal | None:
    if is_platform_operator(user):
        return None
    if perm == CHANGE_SHARED_RECORD:
        return Refusal(
            _("Fiscal years are shared by every agency: only a platform operator changes them."), Rule.SHARED_RECORD
        )
    return Refusal(_("The administration site is for platform operators only."), Rule.OPERATOR_ONLY)


def check(user: User, perm: str, obj: object | None = None) -> Refusal | None:
    """Why `user` may not do `perm` on `obj`, as a translated sentence naming its rule; None when allowed."""
    if perm in (GRANT_ROLE, END_ROLE, CONFIRM_GRANT, DECLINE_GRANT) and is_system_account(user):
        # The sample agency and commands give the roles an agency starts with, as the system account.
        return None
    if perm in OVERSIGHT_GRANTS and is_system_account(user):
        # The sample data's province officer, granted and confirmed by the system account at load.
        return None
    if perm in (MANAGE_AGENCY, IMPORT_PLAN) and is_system_account(user):
        # `onboard_agencies` opens an agency's first administrator account and imports and activates its plan,
        # as the system account, before anybody of the agency can sign in.
        return None
    if not user.is_authenticated or not user.is_active:
        return Refusal(_("You need to sign in."), Rule.SIGN_IN)
    if perm in (OPERATE_PLATFORM, CHANGE_SHARED_RECORD):
        return _operator_rule(user, perm, obj)
    if perm in OVERSIGHT_GRANTS:
        return _oversight_grant_rule(user, perm, obj)
    if perm in (VIEW_OVERSIGHT, USE_API, READ_AGENCY_FIGURES):
        return _oversight_rule(user, perm, obj)
    if is_platform_operator(user) and perm in (GRANT_ROLE, END_ROLE, CONFIRM_GRANT, DECLINE_GRANT, SET_PASSWORD):
        # Operators act in every agency; their own rules (self, four eyes) still apply.
        if perm == SET_PASSWORD:
            return None
        return _grant_rule(user, perm, obj, Standing(on=timezone.localdate()))
    if obj is not None and not _same_agency(user, obj):
        return Refusal(_("This record belongs to another agency."), Rule.OTHER_AGENCY)
    me = standing(user)
    if not user.agency_id or not me.roles:
        return Refusal(_("You hold no role in an agency."), Rule.NO_ROLE)

    if perm == VIEW_PLAN or perm == VIEW_REPORTS:
        return None
    if perm.startswith(DIVISION_QUEUE_PREFIX):
        division_id: int | None = int(perm.removeprefix(DIVISION_QUEUE_PREFIX))
        if division_id in me.division_ids:
            return None
        return Refusal(_("You are not a member of this division."), Rule.DIVISION)
    if perm == WORK_ON_ACTION:
        if isinstance(obj, Submission):
            # A division's own results: its staff, if the division is responsible for the action (read with the
            # submission, `with_responsibility`, or else in one query that does not read the action).
            if obj.division_id in me.division_ids:
                responsible = getattr(obj, "division_is_responsible", None)
                if responsible is None:
                    responsible = is_responsible(obj.action_id, obj.division_id)
                if responsible:
                    return None
            return Refusal(_("Only staff of the responsible division can work on this action."), Rule.DIVISION)
        action = _action_of(obj)
        division_id = None
        if action is None:
            return None if me.division_ids else Refusal(_("You are not a member of any division."), Rule.DIVISION)
        allowed = responsible_division_ids(action) & me.division_ids
        if division_id is not None:
            allowed &= {division_id}
        if allowed:
            return None
        return Refusal(_("Only staff of the responsible division can work on this action."), Rule.DIVISION)
    if perm in (NAME_SUBSTITUTE, CONFIRM_SUBSTITUTE):
        return _substitute_rule(user, perm, obj, me)
    if perm == REASSIGN_TASK:
        division_id = obj.pk if isinstance(obj, Division) else getattr(obj, "division_id", None)
        if division_id in me.head_of_division_ids:
            return None
        return Refusal(_("Only the head of this division can reassign its tasks."), Rule.DIVISION)
    if perm == REVIEW_SUBMISSION:
        if Role.CHIEF_ADMINISTRATOR not in me.roles:
            return Refusal(
                _("Only the chief administrator (or an acting chief administrator) can review results."), Rule.ROLE
            )
        return _stood_in_for(me, Role.CHIEF_ADMINISTRATOR) or _segregation(user, _action_of(obj), approving=False)
    if perm == APPROVE_SUBMISSION:
        if Role.MAYOR not in me.roles:
            return Refusal(_("Only the mayor (or an acting mayor) can approve results."), Rule.ROLE)
        return _stood_in_for(me, Role.MAYOR) or _segregation(user, _action_of(obj), approving=True)
    if perm == REVIEW_PLAN_DRAFT:
        if Role.CHIEF_ADMINISTRATOR not in me.roles:
            return Refusal(
                _("Only the chief administrator (or an acting chief administrator) can review a draft plan."), Rule.ROLE
            )
        stood_in_for = _stood_in_for(me, Role.CHIEF_ADMINISTRATOR)
        if stood_in_for is not None:
            return stood_in_for
        if obj is not None and getattr(obj, "submitted_by_id", None) == user.pk:
            return Refusal(
                _("You sent this draft plan for review, so you cannot review it (segregation of duties)."),
                Rule.SEGREGATION,
            )
        return None
    if perm == APPROVE_PLAN_DRAFT:
        if Role.MAYOR not in me.roles:
            return Refusal(_("Only the mayor (or an acting mayor) can approve a draft plan."), Rule.ROLE)
        stood_in_for = _stood_in_for(me, Role.MAYOR)
        if stood_in_for is not None:
            return stood_in_for
        if obj is not None and user.pk in (getattr(obj, "submitted_by_id", None), getattr(obj, "reviewed_by_id", None)):
            return Refusal(
                _("You sent or reviewed this draft plan, so you cannot also approve it (segregation of duties)."),
                Rule.SEGREGATION,
            )
        return None
    if perm in (CANCEL_ACTION, IMPORT_PLAN, MANAGE_AGENCY):
        if Role.AGENCY_ADMIN in me.roles:
            return None
        return Refusal(_("Only the agency administrator can do this."), Rule.ROLE)
    if perm == ERASE_PERSONAL_DATA:
        if Role.AGENCY_ADMIN in me.roles:
            return None
        return Refusal(_("Only the agency administrator can erase a person's personal data."), Rule.ROLE)
    if perm == MANAGE_PERSON:
        if Role.AGENCY_ADMIN not in me.roles:
            return Refusal(_("Only the agency administrator can do this."), Rule.ROLE)
        if isinstance(obj, User) and obj.pk == user.pk:
            return Refusal(_("Nobody deactivates or unlocks their own account."), Rule.SELF)
        return None
    if perm == SET_PASSWORD:
        if isinstance(obj, User) and obj.pk == user.pk:
            return Refusal(_("Change your own password on your account page."), Rule.SELF)
        if Role.AGENCY_ADMIN not in me.roles:
            return Refusal(_("Only the agency administrator can do this."), Rule.ROLE)
        if isinstance(obj, User) and holds_protected_role(obj):
            return Refusal(
                _(
                    "Only %(person)s (or a platform operator) sets the password of an executive, an auditor or an "
                    "administrator."
                )
                % {"person": obj},
                Rule.PROTECTED_PASSWORD,
            )
        return None
    if perm in (GRANT_ROLE, END_ROLE, CONFIRM_GRANT, DECLINE_GRANT):
        return _grant_rule(user, perm, obj, me)
    if perm == VIEW_ADMINISTRATION:
        if me.roles & {Role.AGENCY_ADMIN, Role.AUDITOR}:
            return None
        return Refusal(_("Only the agency administrator and the internal auditors can open this page."), Rule.ROLE)
    if perm == RECORD_SPENDING:
        if me.finance_division_ids:
            return None
        return Refusal(_("Only staff of the finance division record spending."), Rule.DIVISION)
    if perm == MANAGE_BUDGET:
        if me.finance_division_ids or Role.AGENCY_ADMIN in me.roles:
            return None
        return Refusal(_("Only the agency administrator and the finance division change the budget."), Rule.ROLE)
    if perm == VIEW_SPENDING_EVIDENCE:
        if me.finance_division_ids or me.roles & PROTECTED_ROLES:
            return None
        return Refusal(
            _("Only the finance division, the executives and the auditors can open spending documents."), Rule.ROLE
        )
    if perm in (RENDER_REPORT, VIEW_EXECUTIVE_DASHBOARD):
        if me.roles & EXECUTIVE_ROLES:
            return None
        return Refusal(
            _("Only the chief administrator, the mayor and the agency administrator can do this."), Rule.ROLE
        )
    if perm in (VIEW_AUDIT_TRAIL, REVIEW_FINDING, RUN_AUDIT_CHECK, BUILD_EVIDENCE_PACK):
        if Role.AUDITOR in me.roles:
            return None
        return Refusal(_("Only internal auditors can inspect the change history."), Rule.ROLE)
    if perm == VIEW_EVIDENCE:
        action = _action_of(obj)
        if me.roles & {Role.CHIEF_ADMINISTRATOR, Role.MAYOR, Role.AUDITOR, Role.AGENCY_ADMIN}:
            return None
        if action is not None and responsible_division_ids(action) & me.division_ids:
            return None
        return Refusal(
            _("Only the responsible division, the executives and the auditors can open this evidence."), Rule.DIVISION
        )
    return Refusal(_("Unknown permission %(perm)s.") % {"perm": perm}, Rule.ROLE)


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
        error.record_again = lambda: record_refusal(user, perm, obj, refusal)
    raise error


def keep_refusal(error: NotAllowed) -> None:
    """Record the refusal carried by `error` again if a rollback took it away."""
    refusal = getattr(error, "refusal", None)
    again = getattr(error, "record_again", None)
    if refusal is None or again is None:
        return
    if transaction.get_connection().needs_rollback:
        # Still inside the transaction that rolls back (a block without a savepoint of its own, such as a service
        # checking on the rows it locked): the `refusals_kept` around that transaction records it once it has.
        return
    counted = getattr(refusal, "_counted_repeats", None)
    if counted is None:
        if refusal.pk is not None and AccessRefusal.objects.filter(pk=refusal.pk).exists():
            return
    elif RefusalRepeat.objects.filter(refusal_id=refusal.pk, count__gte=counted).exists():
        return
    error.refusal = again()


@contextmanager
def refusals_kept() -> Iterator[None]:
    """Wrap a transaction: a refusal recorded inside it survives its rollback."""
    try:
        yield
    except NotAllowed as error:
        keep_refusal(error)
        raise


# --- recording refusals -------------------------------------------------------------------------------------------


@dataclass
class _Page:
    path: str
    method: str
    recorded: int = 0


_page: contextvars.ContextVar[_Page | None] = contextvars.ContextVar("approvals_refusal_page", default=None)


@contextmanager
def on_page(path: str, method: str) -> Iterator[_Page]:
    """Refusals recorded inside name this page (set by RefusalMiddleware for each request)."""
    page = _Page(path=path[:300], method=method[:10])
    token = _page.set(page)
    try:
        yield page
    finally:
        _page.reset(token)


def _record_label(obj: object | None) -> tuple[str, int | None]:
    """The kind of record and its id: never its content, which may belong to another agency."""
    if isinstance(obj, models.Model):
        return obj._meta.label_lower, obj.pk
    return "", None


# The same refusal by the same person within this many minutes is counted on the first record.
def _repeat_window() -> datetime.timedelta:
    return datetime.timedelta(minutes=getattr(settings, "REFUSAL_REPEAT_MINUTES", 10))


def record_refusal(
    user: User,
    perm: str,
    obj: object | None,
    reason: str,
    *,
    rule: str | None = None,
    kind: str = "",
    record_id: int | None = None,
) -> AccessRefusal:
    """Record a refused attempt, or count it on the same refusal recorded minutes ago.

    "The same refusal": the same person, rule and permission, on the same kind of record (and, inside the
    person's own agency, the same record; another agency's ids count together, so that trying id after id
    adds nothing to the chain). Returns the record the attempt is on."""
    from approvals.services import save_with_history

    if obj is not None:
        kind, record_id = _record_label(obj)
    rule = rule or getattr(reason, "rule", "") or Rule.PAGE
    page = _page.get()
    if page is not None:
        page.recorded += 1
    own_record = obj is not None and _same_agency(user, obj)
    now = timezone.now()
    with transaction.atomic():
        earlier = AccessRefusal.objects.filter(
            user=user,
            rule=rule,
            permission=perm[:100],
            record_kind=kind,
            attempted_at__gte=now - _repeat_window(),
        )
        if own_record:
            earlier = earlier.filter(record_id=record_id)
        first = earlier.order_by("attempted_at", "pk").first()
        if first is not None:
            repeat, _created = RefusalRepeat.objects.select_for_update().get_or_create(refusal=first)
            repeat.count += 1
            repeat.last_attempted_at = now
            repeat.last_path = page.path if page else ""
            repeat.last_record_id = record_id
            repeat.save()
            first._counted_repeats = repeat.count
            return first
        refusal = AccessRefusal(
            agency_id=user.agency_id,
            user=user,
            permission=perm[:100],
            action=_action_of(obj) if own_record else None,
            object_repr=f"{kind} #{record_id}" if kind else "",
            reason=str(reason),
            rule=rule,
            path=page.path if page else "",
            method=page.method if page else "",
            record_kind=kind,
            record_id=record_id,
            attempted_at=now,
        )
        # System reason: one constant, converted to a code when history reasons become codes (issue 10).
        return save_with_history(refusal, by=user, reason=REFUSED_REASON)


REFUSED_REASON = reasons.code(reasons.REFUSAL)


def refuse_outside_scope(model: type[models.Model], user: User, lookup: dict[str, Any]) -> None:
    """A look-up by id that found nothing in the person's scope: when the record exists in another agency,
    record the attempt (kind and id only). Called by scoped querysets and `get_or_404` before their 404."""
    if not getattr(user, "is_authenticated", False) or is_platform_operator(user):
        return
    if not any(key.split("__")[-1] in ("pk", "id") or key.endswith("_id") for key in lookup):
        return  # a look-up by year or name: nothing was aimed at another agency's record
    unscoped = model._base_manager.filter(**lookup)
    agency_of = _AGENCY_OF.get(model)
    for obj in unscoped[:1]:
        agency_id = agency_of(obj) if agency_of else getattr(obj, "agency_id", None)
        if agency_id is not None and agency_id != user.agency_id:
            record_refusal(
                user,
                f"view {model._meta.label_lower}",
                None,
                Refusal(_("This record belongs to another agency."), Rule.OTHER_AGENCY),
                kind=model._meta.label_lower,
                record_id=obj.pk,
            )


# How to find the agency of a record that carries no `agency_id` (viewflow's tasks and processes).
_AGENCY_OF: dict[type, Callable[[Any], int | None]] = {}


def agency_of_model(model: type[models.Model], resolve: Callable[[Any], int | None]) -> None:
    _AGENCY_OF[model] = resolve


def get_or_404(queryset: models.QuerySet, user: User, **lookup: Any) -> Any:
    """`get_object_or_404` for a queryset already limited to what the person may see: a miss on another
    agency's record is recorded as a refusal before the 404."""
    from django.http import Http404

    try:
        return queryset.get(**lookup)
    except queryset.model.DoesNotExist:
        refuse_outside_scope(queryset.model, user, lookup)
        raise Http404(_("Not found.")) from None


def role_permissions(user: User) -> set[str]:
    """Every permission a person holds without an object: roles, division queues and page rights."""
    me = standing(user)
    perms: set[str] = set()
    if oversight_area(user) is not None:
        perms |= {VIEW_OVERSIGHT, USE_API, READ_AGENCY_FIGURES}
    if not me.roles:
        return perms
    perms |= {VIEW_PLAN, VIEW_REPORTS}
    if me.roles & API_ROLES:
        perms |= {USE_API, READ_AGENCY_FIGURES}
    perms |= {division_permission(pk) for pk in me.division_ids}
    if me.division_ids:
        perms.add(WORK_ON_ACTION)
    if me.head_of_division_ids:
        perms |= {REASSIGN_TASK, CONFIRM_SUBSTITUTE}
    if me.division_ids:
        perms.add(NAME_SUBSTITUTE)
    if me.finance_division_ids:
        perms |= {RECORD_SPENDING, VIEW_SPENDING_EVIDENCE, MANAGE_BUDGET}
    if Role.CHIEF_ADMINISTRATOR in me.roles:
        perms |= {REVIEW_SUBMISSION, REVIEW_PLAN_DRAFT}
    if Role.MAYOR in me.roles:
        perms |= {APPROVE_SUBMISSION, APPROVE_PLAN_DRAFT}
    if me.roles & EXECUTIVE_ROLES:
        perms |= {RENDER_REPORT, VIEW_EXECUTIVE_DASHBOARD}
    if Role.AUDITOR in me.roles:
        perms |= {VIEW_AUDIT_TRAIL, REVIEW_FINDING, VIEW_ADMINISTRATION}
        perms |= {RUN_AUDIT_CHECK, BUILD_EVIDENCE_PACK}
    if Role.AGENCY_ADMIN in me.roles:
        perms |= {CANCEL_ACTION, IMPORT_PLAN, MANAGE_AGENCY, MANAGE_PERSON, VIEW_ADMINISTRATION, GRANT_ROLE, END_ROLE}
        perms |= {SET_PASSWORD, MANAGE_BUDGET, ERASE_PERSONAL_DATA}
    if me.roles & {Role.CHIEF_ADMINISTRATOR, Role.MAYOR, Role.AUDITOR, Role.AGENCY_ADMIN}:
        perms |= {VIEW_EVIDENCE, VIEW_SPENDING_EVIDENCE}
    if me.roles & {Role.CHIEF_ADMINISTRATOR, Role.MAYOR}:
        perms.add(CONFIRM_GRANT)
    return perms


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
        # The Django admin is for platform operators (superusers), whom ModelBackend already answers.
        return False


def users_with_role(
    agency_id: int, role: str | tuple[str, ...], division_ids: Iterable[int] | None = None
) -> list[User]:
    """People who hold `role` (or one of several roles) today (directly or acting), e.g. to notify them."""
    roles = (role,) if isinstance(role, str) else role
    if division_ids is None:
        return list(_once(("holders", agency_id, roles), lambda: _users_with_role(agency_id, roles, None)))
    return _users_with_role(agency_id, roles, division_ids)


def _users_with_role(agency_id: int, roles: tuple[str, ...], division_ids: Iterable[int] | None) -> list[User]:
    assignments = RoleAssignment.objects.filter(agency_id=agency_id, role__in=roles).active()
    if division_ids is not None:
        assignments = assignments.filter(division_id__in=list(division_ids))
    user_ids = assignments.values_list("user_id", flat=True)
    return list(User.objects.filter(pk__in=user_ids, is_active=True))
