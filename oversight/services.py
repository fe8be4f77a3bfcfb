"""Oversight officers (ท้องถิ่นจังหวัด / ท้องถิ่นอำเภอ): their accounts and their grants, by platform operators.

An operator opens the officer's account (no agency, a temporary password to change at first sign-in) and
proposes the grant with the order that appoints the person; a second operator confirms it, and only then does
it take effect (four eyes, as `approvals.services.grant_role` for an agency's executives). The system account,
loading the sample data, confirms its own grant at once. Every change is historised with its reason.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from approvals import administration, permissions
from approvals.exceptions import InvalidTransition
from approvals.models import Agency, User
from approvals.services import confirm_proposal, decline_proposal, save_with_history
from audit import context
from audit.context import Reason
from oversight.models import OversightAssignment


def _reason(reason: Reason | str, missing: str) -> Reason:
    reason = context.as_reason(reason or "")
    if not (reason.code or reason.text):
        raise InvalidTransition(missing)
    return reason


def open_officer_account(
    *,
    by: User,
    reason: Reason | str,
    username: str,
    first_name: str,
    last_name: str = "",
    position: str = "",
    email: str = "",
    password: str,
) -> User:
    """Open the account of an oversight officer: a person of no agency, with a temporary password to change at
    first sign-in. The role is granted separately (`grant_oversight`)."""
    person = User(
        username=(username or "").strip(),
        first_name=(first_name or "").strip(),
        last_name=(last_name or "").strip(),
        position=(position or "").strip(),
        email=(email or "").strip(),
        agency=None,
    )
    permissions.require(by, permissions.MANAGE_OVERSIGHT)
    return administration.open_account(
        person, by=by, reason=_reason(reason, _("Write why the account is opened.")), password=password
    )


def _check_area(province: str, district: str) -> None:
    if not province:
        raise InvalidTransition(_("Name the province overseen."))
    agencies = Agency.objects.filter(province=province)
    if not agencies.exists():
        raise InvalidTransition(
            _("No agency on this installation is in the province %(province)s: check how it is spelled.")
            % {"province": province}
        )
    if district and not agencies.filter(district=district).exists():
        raise InvalidTransition(
            _("No agency of the province %(province)s is in the district %(district)s: check how it is spelled.")
            % {"province": province, "district": district}
        )


def grant_oversight(
    person: User,
    *,
    province: str,
    district: str = "",
    by: User,
    reason: Reason | str,
    order_number: str = "",
    order_date: datetime.date | None = None,
    valid_from: datetime.date | None = None,
    valid_until: datetime.date | None = None,
) -> OversightAssignment:
    """Propose that `person` (who belongs to no agency) oversee `province`, or one of its districts, with the
    order that appoints them (เลขที่คำสั่ง, ลงวันที่). It takes effect once a second platform operator confirms
    it (`confirm_oversight`); a grant by the system account (the sample data) is confirmed at once."""
    permissions.require(by, permissions.MANAGE_OVERSIGHT, person)
    reason = _reason(reason, _("Write why the oversight role is granted."))
    province, district = (province or "").strip(), (district or "").strip()
    order_number = (order_number or "").strip()
    valid_from = valid_from or timezone.localdate()
    if person.agency_id:
        raise InvalidTransition(_("An oversight officer belongs to no agency."))
    if person.is_superuser:
        raise InvalidTransition(_("A platform operator cannot also be an oversight officer."))
    _check_area(province, district)
    system = permissions.is_system_account(by)
    if not system and (not order_number or order_date is None):
        raise InvalidTransition(
            _("An oversight role needs the number and the date of the order that appoints the person.")
        )
    if valid_until is not None and valid_until < valid_from:
        raise InvalidTransition(_("The end date is before the start date."))
    with transaction.atomic():
        # One person, one area at a time: a second grant while one is proposed or in effect is a mistake.
        User.objects.select_for_update().get(pk=person.pk)
        live = (
            OversightAssignment.objects.filter(user=person)
            .exclude(status=OversightAssignment.Status.DECLINED)
            .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=timezone.localdate()))
        )
        if live.exists():
            raise InvalidTransition(
                _("%(person)s already holds or awaits an oversight role; end or decline it first.") % {"person": person}
            )
        assignment = OversightAssignment(
            user=person,
            province=province,
            district=district,
            valid_from=valid_from,
            valid_until=valid_until,
            granted_by=by,
            order_number=order_number,
            order_date=order_date,
            status=OversightAssignment.Status.IN_EFFECT if system else OversightAssignment.Status.PROPOSED,
        )
        if system:
            assignment.confirmed_by = by
            assignment.confirmed_at = timezone.now()
        save_with_history(assignment, by=by, reason=reason)
    permissions.forget_standing(person)
    return assignment


def appoint_officer(
    *,
    by: User,
    reason: Reason | str,
    username: str,
    first_name: str,
    last_name: str = "",
    position: str = "",
    email: str = "",
    password: str,
    province: str,
    district: str = "",
    order_number: str = "",
    order_date: datetime.date | None = None,
    valid_from: datetime.date | None = None,
) -> OversightAssignment:
    """Open an oversight officer's account and propose their grant, both or neither."""
    with transaction.atomic():
        person = open_officer_account(
            by=by,
            reason=reason,
            username=username,
            first_name=first_name,
            last_name=last_name,
            position=position,
            email=email,
            password=password,
        )
        return grant_oversight(
            person,
            province=province,
            district=district,
            by=by,
            reason=reason,
            order_number=order_number,
            order_date=order_date,
            valid_from=valid_from,
        )


def confirm_oversight(assignment: OversightAssignment, *, by: User, reason: Reason | str = "") -> OversightAssignment:
    """A second platform operator confirms a proposed oversight grant, which then takes effect. No agency's
    chain lock (the grant belongs to no agency) and nothing announced: the officer sees their area at once."""
    return confirm_proposal(assignment, permission=permissions.CONFIRM_OVERSIGHT, by=by, reason=reason)


def decline_oversight(assignment: OversightAssignment, *, by: User, reason: Reason | str) -> OversightAssignment:
    """Another platform operator declines a proposed oversight grant, or its proposer withdraws it; the
    proposal is kept, declined. No agency's chain lock."""
    return decline_proposal(assignment, permission=permissions.DECLINE_OVERSIGHT, by=by, reason=reason)


def end_oversight(assignment: OversightAssignment, *, by: User, reason: Reason | str) -> OversightAssignment:
    """End an oversight role from today (the record is kept: history shows who oversaw what, when)."""
    permissions.require(by, permissions.MANAGE_OVERSIGHT, assignment)
    reason = _reason(reason, _("Write why the oversight role ends."))
    with transaction.atomic():
        assignment = OversightAssignment.objects.select_for_update().get(pk=assignment.pk)
        if assignment.status != OversightAssignment.Status.IN_EFFECT:
            raise InvalidTransition(_("Only a grant in effect can end; decline a proposal instead."))
        yesterday = timezone.localdate() - datetime.timedelta(days=1)
        if assignment.valid_until is not None and assignment.valid_until <= yesterday:
            raise InvalidTransition(_("This oversight role has already ended."))
        assignment.valid_until = max(yesterday, assignment.valid_from - datetime.timedelta(days=1))
        save_with_history(assignment, by=by, reason=reason, update_fields=["valid_until"])
    permissions.forget_standing(assignment.user)
    return assignment
