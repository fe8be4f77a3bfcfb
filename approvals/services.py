"""Every state change of the domain. Views, commands and Celery tasks all call these functions.

Each takes the acting user (`by`) and, where the change needs a justification, a `reason`, and records
both on the history row it writes.
"""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from approvals import permissions
from approvals.exceptions import InvalidTransition
from approvals.models import Agency, Division, RoleAssignment, User

SYSTEM_USERNAME = "system"

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
    user, created = get_user_model().objects.get_or_create(
        username=SYSTEM_USERNAME,
        defaults={"first_name": "ระบบ", "last_name": "(system)", "is_active": False},
    )
    if created:
        user.set_unusable_password()
        user._change_reason = "system account"
        user.save(update_fields=["password"])
    return user


def save_with_history(
    obj: models.Model, *, by: User | None, reason: str, update_fields: list[str] | None = None
) -> models.Model:
    """Save a historised record with who changed it and why. The one way the domain saves rows."""
    obj._history_user = by
    obj._change_reason = reason
    obj.save(update_fields=update_fields)
    return obj


def create_agency(
    *,
    name: str,
    slug: str,
    kind: str = Agency.Kind.SAO,
    district: str = "",
    province: str = "",
    by: User | None,
    reason: str,
) -> Agency:
    """Create an agency; a Subdistrict Administrative Organization starts with the usual divisions."""
    with transaction.atomic():
        agency = save_with_history(
            Agency(name=name, slug=slug, kind=kind, district=district, province=province), by=by, reason=reason
        )
        if kind == Agency.Kind.SAO:
            for order, division_name in enumerate(DEFAULT_SAO_DIVISIONS, start=1):
                save_with_history(Division(agency=agency, name=division_name, sort_order=order), by=by, reason=reason)
    return agency


def grant_role(
    user: User,
    role: str,
    *,
    division: Division | None = None,
    acting_for: User | None = None,
    valid_from: datetime.date | None = None,
    valid_until: datetime.date | None = None,
    by: User | None,
    reason: str,
    note: str = "",
) -> RoleAssignment:
    """Give a person a role (or a division membership, or an acting appointment) for a period."""
    if not user.agency_id:
        raise InvalidTransition(_("%(user)s belongs to no agency.") % {"user": user})
    if division is not None and division.agency_id != user.agency_id:
        raise InvalidTransition(_("The division belongs to another agency."))
    if acting_for is not None and acting_for.agency_id != user.agency_id:
        raise InvalidTransition(_("The person stood in for belongs to another agency."))
    assignment = RoleAssignment(
        agency_id=user.agency_id,
        user=user,
        role=role,
        division=division,
        acting_for=acting_for,
        valid_from=valid_from or timezone.localdate(),
        valid_until=valid_until,
        granted_by=by,
        note=note,
    )
    assignment.full_clean()
    save_with_history(assignment, by=by, reason=reason)
    permissions.forget_standing(user)
    return assignment


def end_role(
    assignment: RoleAssignment, *, on: datetime.date | None = None, by: User | None, reason: str
) -> RoleAssignment:
    """End a role assignment (the record is kept: history shows who held what, when)."""
    on = on or timezone.localdate()
    with transaction.atomic():
        assignment = RoleAssignment.objects.select_for_update().get(pk=assignment.pk)
        if assignment.valid_until is not None and assignment.valid_until <= on:
            raise InvalidTransition(_("This role assignment has already ended."))
        assignment.valid_until = max(on, assignment.valid_from)
        save_with_history(assignment, by=by, reason=reason, update_fields=["valid_until"])
    permissions.forget_standing(assignment.user)
    return assignment
