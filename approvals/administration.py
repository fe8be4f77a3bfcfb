"""Services of the agency administration (การบริหารจัดการหน่วยงาน): the agency's details, its divisions,
its people (accounts, deactivation, lockouts, temporary passwords), the actions' responsible divisions,
and the budget with the spending recorded against it.

Like every service they take the acting person (`by`) and the reason, check permission in
approvals.permissions first, and save with `save_with_history`. Roles and appointments are granted by
`approvals.services.grant_role` and its siblings (the rules of authority live there).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from approvals import permissions
from approvals.evidence import check_file
from approvals.exceptions import InvalidTransition
from approvals.models import (
    Action,
    Agency,
    BudgetItem,
    Division,
    Expenditure,
    Plan,
    Responsibility,
    User,
    expenditure_upload_to,
)
from approvals.services import SYSTEM_USERNAME, delete_with_history, save_with_history
from audit import reasons
from audit.context import Reason

# The reason an account's own password change records (typed by nobody: the page is the reason).
OWN_PASSWORD_REASON = reasons.code(reasons.PASSWORD_CHANGED)


def _reason(reason: str | Reason, missing: str) -> str | Reason:
    if isinstance(reason, Reason):  # a code the system writes (a command onboarding an agency)
        return reason
    reason = (reason or "").strip()
    if not reason:
        raise InvalidTransition(missing)
    return reason


def _changed(obj, values: dict) -> list[str]:
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    for name in changed:
        setattr(obj, name, values[name])
    return changed


# --- the agency and its divisions --------------------------------------------------------------------------------


def update_agency(agency: Agency, *, by: User, reason: str | Reason, name: str, district: str, province: str) -> Agency:
    """Correct the agency's name and place. Its kind and public address are set by a platform operator."""
    permissions.require(by, permissions.MANAGE_AGENCY, agency)
    reason = _reason(reason, _("Write why the agency's details change."))
    name = (name or "").strip()
    if not name:
        raise InvalidTransition(_("Write the agency's name."))
    with transaction.atomic():
        agency = Agency.objects.select_for_update().get(pk=agency.pk)
        changed = _changed(agency, {"name": name, "district": district.strip(), "province": province.strip()})
        if changed:
            if "name" in changed and Agency.objects.filter(name=name).exclude(pk=agency.pk).exists():
                raise InvalidTransition(_("Another agency already has this name."))
            save_with_history(agency, by=by, reason=reason, update_fields=changed)
    return agency


def create_division(
    agency: Agency, *, by: User, reason: str | Reason, name: str, sort_order: int = 0, keeps_accounts: bool = False
) -> Division:
    """Add a division (ส่วนราชการ) to the agency."""
    division = Division(agency=agency, name=(name or "").strip(), sort_order=sort_order, keeps_accounts=keeps_accounts)
    permissions.require(by, permissions.MANAGE_AGENCY, division)
    reason = _reason(reason, _("Write why the division is added."))
    if not division.name:
        raise InvalidTransition(_("Write the division's name."))
    with transaction.atomic():
        if Division.objects.filter(agency=agency, name=division.name).exists():
            raise InvalidTransition(_("The agency already has a division named %(name)s.") % {"name": division.name})
        return save_with_history(division, by=by, reason=reason)


def update_division(
    division: Division,
    *,
    by: User,
    reason: str | Reason,
    name: str,
    sort_order: int,
    keeps_accounts: bool,
    is_active: bool,
) -> Division:
    """Rename, reorder, (de)activate a division, or mark it as the one that records spending."""
    permissions.require(by, permissions.MANAGE_AGENCY, division)
    reason = _reason(reason, _("Write why the division changes."))
    name = (name or "").strip()
    if not name:
        raise InvalidTransition(_("Write the division's name."))
    with transaction.atomic():
        division = Division.objects.select_for_update().get(pk=division.pk)
        if Division.objects.filter(agency_id=division.agency_id, name=name).exclude(pk=division.pk).exists():
            raise InvalidTransition(_("The agency already has a division named %(name)s.") % {"name": name})
        changed = _changed(
            division,
            {"name": name, "sort_order": sort_order, "keeps_accounts": keeps_accounts, "is_active": is_active},
        )
        if changed:
            save_with_history(division, by=by, reason=reason, update_fields=changed)
    return division


# --- people ------------------------------------------------------------------------------------------------------


def _check_password(password: str, user: User) -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        raise InvalidTransition(" ".join(error.messages)) from None


def create_person(
    agency: Agency,
    *,
    by: User,
    reason: str | Reason,
    username: str,
    first_name: str,
    last_name: str,
    position: str = "",
    email: str = "",
    password: str,
) -> User:
    """Open an account for a person of the agency, with a temporary password to change at first sign-in.
    Roles are granted separately."""
    person = User(
        username=(username or "").strip(),
        first_name=(first_name or "").strip(),
        last_name=(last_name or "").strip(),
        position=(position or "").strip(),
        email=(email or "").strip(),
        agency=agency,
        must_change_password=True,
    )
    permissions.require(by, permissions.MANAGE_AGENCY, person)
    return open_account(person, by=by, reason=reason, password=password)


def open_account(person: User, *, by: User, reason: str | Reason, password: str) -> User:
    """Save a new account with a temporary password to change at first sign-in, once its opener's permission
    was checked (`create_person` for an agency's people, oversight.services for oversight officers)."""
    person.must_change_password = True
    reason = _reason(reason, _("Write why the account is opened."))
    if not person.username or person.username.lower() == SYSTEM_USERNAME:
        raise InvalidTransition(_("Choose another username."))
    if not person.first_name:
        raise InvalidTransition(_("Write the person's first name."))
    _check_password(password, person)
    person.set_password(password)
    try:
        with transaction.atomic():
            if User.objects.filter(username__iexact=person.username).exists():
                raise InvalidTransition(_("The username %(name)s is taken.") % {"name": person.username})
            return save_with_history(person, by=by, reason=reason)
    except IntegrityError:
        raise InvalidTransition(_("The username %(name)s is taken.") % {"name": person.username}) from None


def update_person(
    person: User, *, by: User, reason: str | Reason, first_name: str, last_name: str, position: str, email: str
) -> User:
    """Correct a person's name, position or email."""
    permissions.require(by, permissions.MANAGE_AGENCY, person)
    reason = _reason(reason, _("Write why the person's details change."))
    if not (first_name or "").strip():
        raise InvalidTransition(_("Write the person's first name."))
    with transaction.atomic():
        person = User.objects.select_for_update().get(pk=person.pk)
        changed = _changed(
            person,
            {
                "first_name": first_name.strip(),
                "last_name": (last_name or "").strip(),
                "position": (position or "").strip(),
                "email": (email or "").strip(),
            },
        )
        if changed:
            save_with_history(person, by=by, reason=reason, update_fields=changed)
    return person


def set_active(person: User, active: bool, *, by: User, reason: str | Reason) -> User:
    """Deactivate an account (it can no longer sign in; everything it did is kept) or reactivate it.
    Nobody deactivates their own account."""
    permissions.require(by, permissions.MANAGE_PERSON, person)
    reason = _reason(reason, _("Write why the account is deactivated or reactivated."))
    with transaction.atomic():
        person = User.objects.select_for_update().get(pk=person.pk)
        if person.is_active != active:
            person.is_active = active
            save_with_history(person, by=by, reason=reason, update_fields=["is_active"])
    return person


def is_locked_out(person: User) -> bool:
    """Whether django-axes holds the account locked after repeated failed sign-ins."""
    from axes.models import AccessAttempt

    since = timezone.now() - datetime.timedelta(hours=settings.AXES_COOLOFF_TIME)
    return AccessAttempt.objects.filter(
        username=person.username, failures_since_start__gte=settings.AXES_FAILURE_LIMIT, attempt_time__gte=since
    ).exists()


def locked_out_usernames(usernames: list[str]) -> set[str]:
    from axes.models import AccessAttempt

    since = timezone.now() - datetime.timedelta(hours=settings.AXES_COOLOFF_TIME)
    return set(
        AccessAttempt.objects.filter(
            username__in=usernames, failures_since_start__gte=settings.AXES_FAILURE_LIMIT, attempt_time__gte=since
        ).values_list("username", flat=True)
    )


def unlock_person(person: User, *, by: User, reason: str | Reason) -> User:
    """Lift a sign-in lockout (django-axes); the person's history records who lifted it and why."""
    from axes.utils import reset

    permissions.require(by, permissions.MANAGE_PERSON, person)
    reason = _reason(reason, _("Write why the account is unlocked."))
    with transaction.atomic():
        person = User.objects.select_for_update().get(pk=person.pk)
        reset(username=person.username)
        person.unlocked_at = timezone.now()
        save_with_history(person, by=by, reason=reason, update_fields=["unlocked_at"])
    return person


def set_temporary_password(person: User, password: str, *, by: User, reason: str | Reason) -> User:
    """Give a person a temporary password, to be changed at their next sign-in. Executives', auditors' and
    administrators' passwords are set only by their owners or a platform operator."""
    permissions.require(by, permissions.SET_PASSWORD, person)
    reason = _reason(reason, _("Write why the password is reset."))
    _check_password(password, person)
    with transaction.atomic():
        person = User.objects.select_for_update().get(pk=person.pk)
        person.set_password(password)
        person.must_change_password = True
        save_with_history(person, by=by, reason=reason, update_fields=["password", "must_change_password"])
    return person


def change_own_password(user: User, password: str) -> User:
    """A person replaces their own password (after giving the current one on the page)."""
    if not user.is_authenticated:
        raise InvalidTransition(_("You need to sign in."))
    _check_password(password, user)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        locked.set_password(password)
        locked.must_change_password = False
        fields = ["password", "must_change_password"]
        save_with_history(locked, by=user, reason=OWN_PASSWORD_REASON, update_fields=fields)
    user.password = locked.password
    user.must_change_password = False
    return user


# --- the plan: responsible divisions (due dates and cancellations are workflow services) ---------------------


def set_responsible_divisions(
    action: Action, divisions: list[Division], *, all_divisions: bool, by: User, reason: str | Reason
) -> Action:
    """Name the divisions responsible for an action (ผู้รับผิดชอบ), before its tasks are handed out."""
    permissions.require(by, permissions.MANAGE_AGENCY, action)
    reason = _reason(reason, _("Write why the responsible divisions change."))
    if any(d.agency_id != action.agency_id for d in divisions):
        raise InvalidTransition(_("The division belongs to another agency."))
    if not all_divisions and not divisions:
        raise InvalidTransition(_("Choose at least one responsible division, or every division."))
    with transaction.atomic():
        action = Action.objects.select_for_update().get(pk=action.pk)
        if hasattr(action, "process"):
            raise InvalidTransition(
                _("The action's tasks were already handed out; its responsible divisions can no longer change.")
            )
        if action.all_divisions != all_divisions:
            action.all_divisions = all_divisions
            save_with_history(action, by=by, reason=reason, update_fields=["all_divisions"])
        wanted = set() if all_divisions else {d.pk for d in divisions}
        existing = {r.division_id: r for r in Responsibility.objects.filter(action=action)}
        for division_id in sorted(wanted - existing.keys()):
            save_with_history(
                Responsibility(agency_id=action.agency_id, action=action, division_id=division_id), by=by, reason=reason
            )
        for division_id in sorted(existing.keys() - wanted):
            delete_with_history(existing[division_id], by=by, reason=reason)
    return action


# --- budget and spending ---------------------------------------------------------------------------------------


def _check_amount(amount: Decimal, *, positive: bool) -> Decimal:
    if not isinstance(amount, Decimal) or amount.is_nan() or amount < 0 or (positive and amount == 0):
        raise InvalidTransition(_("Write the amount in baht, greater than zero."))
    if amount >= Decimal("1e12"):
        raise InvalidTransition(_("The amount is too large."))
    return amount.quantize(Decimal("0.01"))


def save_budget_item(
    plan: Plan,
    *,
    by: User,
    reason: str | Reason,
    number: int,
    item: str,
    amount: Decimal,
    budget_item: BudgetItem | None = None,
) -> BudgetItem:
    """Add a budgeted line to the plan (รายการงบประมาณ) or correct one."""
    target = budget_item or BudgetItem(agency_id=plan.agency_id, plan=plan)
    permissions.require(by, permissions.MANAGE_BUDGET, target)
    reason = _reason(reason, _("Write why the budget changes."))
    amount = _check_amount(amount, positive=False)
    item = (item or "").strip()
    if not item:
        raise InvalidTransition(_("Write what the budget item is for."))
    with transaction.atomic():
        clash = BudgetItem.objects.filter(plan=plan, number=number)
        if budget_item is not None:
            clash = clash.exclude(pk=budget_item.pk)
            target = BudgetItem.objects.select_for_update().get(pk=budget_item.pk)
        if clash.exists():
            raise InvalidTransition(_("The plan already has a budget item number %(number)s.") % {"number": number})
        changed = _changed(target, {"number": number, "item": item, "amount": amount})
        if target.pk is None:
            return save_with_history(target, by=by, reason=reason)
        if changed:
            save_with_history(target, by=by, reason=reason, update_fields=changed)
    return target


def record_expenditure(
    budget_item: BudgetItem,
    *,
    by: User,
    reason: str | Reason,
    amount: Decimal,
    spent_on: datetime.date,
    document_number: str,
    description: str = "",
    evidence: File | None = None,
) -> Expenditure:
    """The finance division records money spent against a budget item (การเบิกจ่าย), with the document that
    proves it and, when there is one, its scan (checked like any evidence file, stored by its SHA-256)."""
    expenditure = Expenditure(
        agency_id=budget_item.agency_id,
        budget_item=budget_item,
        amount=amount,
        spent_on=spent_on,
        document_number=(document_number or "").strip(),
        description=(description or "").strip(),
        recorded_by=by,
    )
    permissions.require(by, permissions.RECORD_SPENDING, expenditure)
    reason = _reason(reason, _("Write what the spending was for."))
    expenditure.amount = _check_amount(amount, positive=True)
    if not expenditure.document_number:
        raise InvalidTransition(_("Write the number of the document that proves the spending."))
    if spent_on > timezone.localdate():
        raise InvalidTransition(_("Spending is recorded once it happened: the date is in the future."))
    checked = check_file(evidence) if evidence is not None else None
    with transaction.atomic():
        if checked is not None:
            expenditure.evidence_name = checked.name
            expenditure.evidence_content_type = checked.content_type
            expenditure.evidence_sha256 = checked.sha256
            stored_name = expenditure_upload_to(expenditure, checked.name)
            storage = Expenditure._meta.get_field("evidence").storage
            if not storage.exists(stored_name) and evidence is not None:  # checked only when given
                evidence.seek(0)
                stored_name = storage.save(stored_name, evidence)
            expenditure.evidence.name = stored_name
        return save_with_history(expenditure, by=by, reason=reason)


def withdraw_expenditure(expenditure: Expenditure, *, by: User, reason: str | Reason) -> Expenditure:
    """Withdraw a wrong spending entry: it stops counting and stays in the record, with the reason."""
    permissions.require(by, permissions.RECORD_SPENDING, expenditure)
    reason = _reason(reason, _("Write why the spending entry is withdrawn."))
    with transaction.atomic():
        expenditure = Expenditure.objects.select_for_update().get(pk=expenditure.pk)
        if expenditure.is_withdrawn:
            raise InvalidTransition(_("This spending entry was already withdrawn."))
        expenditure.is_withdrawn = True
        save_with_history(expenditure, by=by, reason=reason, update_fields=["is_withdrawn"])
    return expenditure
