"""Granting and ending a province or district oversight role: platform operators only, with a reason."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from approvals import permissions
from approvals.exceptions import InvalidTransition
from approvals.models import User
from approvals.services import save_with_history
from audit import context
from oversight.models import OversightAssignment


def grant_oversight(
    person: User, *, province: str, district: str = "", by: User, reason: str, valid_from: datetime.date | None = None
) -> OversightAssignment:
    """Make `person` (who belongs to no agency) an oversight officer of `province`, or of one of its districts."""
    permissions.require(by, permissions.OPERATE_PLATFORM)
    province, district = (province or "").strip(), (district or "").strip()
    if not province:
        raise InvalidTransition(_("Name the province overseen."))
    if person.agency_id:
        raise InvalidTransition(_("An oversight officer belongs to no agency."))
    if not (reason or "").strip():
        raise InvalidTransition(_("Write why the oversight role is granted."))
    assignment = OversightAssignment(
        user=person,
        province=province,
        district=district,
        valid_from=valid_from or timezone.localdate(),
        granted_by=by,
    )
    with transaction.atomic():
        save_with_history(assignment, by=by, reason=context.typed(reason))
    permissions.forget_standing(person)
    return assignment


def end_oversight(assignment: OversightAssignment, *, by: User, reason: str) -> OversightAssignment:
    permissions.require(by, permissions.OPERATE_PLATFORM)
    if not (reason or "").strip():
        raise InvalidTransition(_("Write why the oversight role ends."))
    with transaction.atomic():
        assignment = OversightAssignment.objects.select_for_update().get(pk=assignment.pk)
        assignment.valid_until = timezone.localdate() - datetime.timedelta(days=1)
        save_with_history(assignment, by=by, reason=context.typed(reason), update_fields=["valid_until"])
    return assignment
