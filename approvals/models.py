"""The domain of an agency's yearly integrity and transparency (ITA) measures.

Every record belongs to one agency and carries its own `agency` foreign key, so that scoping a query,
and sealing a history row into its agency's hash chain, never needs a chain of joins.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Self

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from approvals.grants import GrantByOrder
from audit.history import AuditedHistoricalRecords

if TYPE_CHECKING:
    from approvals.permissions import Standing


class AgencyScopedQuerySet(models.QuerySet):
    """Querysets of records that belong to one agency.

    A queryset limited by `visible_to(user)` remembers the person: a `get()` by id that misses because the
    record belongs to another agency records the attempt for the auditors before raising DoesNotExist
    (so `get_object_or_404` on it gives the 404 and the record)."""

    _visible_to: User | None = None

    def _clone(self):
        clone = super()._clone()
        clone._visible_to = self._visible_to
        return clone

    def for_agency(self, agency: Agency | int) -> Self:
        return self.filter(agency=agency)

    def visible_to(self, user) -> Self:
        # Imported here because permissions imports these models.
        from approvals import permissions

        scoped = permissions.scope(self, user)
        scoped._visible_to = user
        return scoped

    def get(self, *args, **kwargs):
        try:
            return super().get(*args, **kwargs)
        except self.model.DoesNotExist:
            if self._visible_to is not None and not args:
                from approvals import permissions

                permissions.refuse_outside_scope(self.model, self._visible_to, kwargs)
            raise


class Agency(models.Model):
    """A public agency (หน่วยงาน), e.g. a Subdistrict Administrative Organization."""

    class Kind(models.TextChoices):
        # Translators: องค์การบริหารส่วนตำบล, a Subdistrict Administrative Organization.
        SAO = "sao", _("Subdistrict Administrative Organization")
        # Translators: เทศบาล
        MUNICIPALITY = "municipality", _("Municipality")
        # Translators: องค์การบริหารส่วนจังหวัด
        PAO = "pao", _("Provincial Administrative Organization")
        OTHER = "other", _("Other agency")

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.SAO)
    district = models.CharField(_("district"), max_length=100, blank=True)
    province = models.CharField(_("province"), max_length=100, blank=True)
    slug = models.SlugField(_("public address"), max_length=60, unique=True, allow_unicode=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    history = AuditedHistoricalRecords()

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who signs in. Staff of one agency; platform administrators have no agency."""

    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), on_delete=models.PROTECT, null=True, blank=True, related_name="users"
    )
    # Translators: ตำแหน่ง, the official position printed in signature blocks.
    position = models.CharField(_("position"), max_length=200, blank=True)
    # A temporary password set by an administrator must be replaced at the next sign-in.
    must_change_password = models.BooleanField(_("must change password at next sign-in"), default=False)
    # When an administrator last lifted a sign-in lockout; its history row says who and why.
    unlocked_at = models.DateTimeField(_("sign-in lockout lifted at"), null=True, blank=True)

    # Names and addresses are personal data: sealed through a salted digest, so that a lawful erasure can
    # blank them in the history without breaking its seals (audit/personal.py).
    history = AuditedHistoricalRecords(
        excluded_fields=["last_login"], personal_fields=["username", "first_name", "last_name", "email"]
    )

    class Meta(AbstractUser.Meta):
        # django-stubs types AbstractUser.Meta's names as str; Django takes lazy translations here as everywhere.
        verbose_name = _("user")  # type: ignore[assignment]
        verbose_name_plural = _("users")  # type: ignore[assignment]
        ordering = ["first_name", "last_name", "username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    if TYPE_CHECKING:
        # Set on the request's user by django_otp's OTPMiddleware: whether this session passed the second factor.
        def is_verified(self) -> bool: ...

        # permissions.standing()'s cache of the person's roles for one day.
        _khunatham_standing: Standing


class Division(models.Model):
    """A division of the agency (ส่วนราชการ: กอง/สำนัก) that carries out actions."""

    agency = models.ForeignKey(Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="divisions")
    name = models.CharField(_("name"), max_length=200)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    # Translators: กองคลัง, the division that records what is spent against the budget.
    keeps_accounts = models.BooleanField(
        _("finance division"), default=False, help_text=_("Its staff record the spending against budget items.")
    )

    objects = AgencyScopedQuerySet.as_manager()
    history = AuditedHistoricalRecords()

    class Meta:
        verbose_name = _("division")
        verbose_name_plural = _("divisions")
        ordering = ["agency", "sort_order", "name"]
        constraints = [
            # The importer matches a report's responsible cell to a division by name.
            models.UniqueConstraint(fields=["agency", "name"], name="division_unique_name_per_agency"),
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    """The roles a person can hold in an agency."""

    STAFF = "staff", _("Division staff")
    DIVISION_HEAD = "division_head", _("Division head")
    # Translators: ปลัด อบต.
    CHIEF_ADMINISTRATOR = "chief_administrator", _("Chief administrator")
    # Translators: นายก อบต.
    MAYOR = "mayor", _("Mayor")
    # Translators: หน่วยตรวจสอบภายใน
    AUDITOR = "auditor", _("Internal auditor")
    AGENCY_ADMIN = "agency_admin", _("Agency administrator")


DIVISION_ROLES = (Role.STAFF, Role.DIVISION_HEAD)
ACTING_ROLES = (Role.CHIEF_ADMINISTRATOR, Role.MAYOR)
# Executive roles: granting one (or an acting appointment) takes a written order and a second person's
# confirmation before it takes effect.
CONFIRMED_ROLES = ACTING_ROLES


class RoleAssignmentQuerySet(AgencyScopedQuerySet):
    def active(self, on: datetime.date | None = None) -> RoleAssignmentQuerySet:
        """Assignments in effect on `on` (today): confirmed, and within their dates."""
        on = on or timezone.localdate()
        return self.filter(status=RoleAssignment.Status.IN_EFFECT, valid_from__lte=on).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=on)
        )

    def proposed(self) -> RoleAssignmentQuerySet:
        return self.filter(status=RoleAssignment.Status.PROPOSED)


class RoleAssignment(GrantByOrder):
    """A role held by a person for a period: a division membership, an executive role, or an acting
    appointment (รักษาราชการแทน) when `acting_for` names the person stood in for.

    An executive role or an acting appointment is first proposed with the order that makes it
    (คำสั่ง: its number and date) and takes effect only once a second authorised person confirms it."""

    class Status(models.TextChoices):
        # The statuses of every grant by order (GrantByOrder.Status), and one of its own.
        PROPOSED = "proposed", _("Proposed, awaiting confirmation")
        IN_EFFECT = "in_effect", _("In effect")
        DECLINED = "declined", _("Declined")
        # An appointment ended before its first day was over (the office holder back the day it began) or
        # before it began: its dates cannot say so (the end would fall before the start), its status does.
        ENDED = "ended", _("Ended")

    class Kind(models.TextChoices):
        """How someone stands in for an executive: in their absence (the post's decisions are theirs alone), or
        by a written delegation of named decisions while the holder is still in office."""

        # Translators: รักษาราชการแทน
        ACTING = "acting", _("Acting in the post")
        # Translators: ปฏิบัติราชการแทน
        DELEGATION = "delegation", _("Acting by delegation")

    agency = models.ForeignKey(Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.PROTECT, related_name="role_assignments"
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    division = models.ForeignKey(
        Division, verbose_name=_("division"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acting_for = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acting for"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Only for an appointment that names `acting_for`: รักษาราชการแทน or ปฏิบัติราชการแทน.
    kind = models.CharField(_("kind of appointment"), max_length=10, choices=Kind.choices, default=Kind.ACTING)
    note = models.CharField(_("note"), max_length=300, blank=True)
    # GrantByOrder's status, with this model's own choices (ENDED).
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.IN_EFFECT)

    objects = RoleAssignmentQuerySet.as_manager()
    history = AuditedHistoricalRecords()

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        ordering = ["agency", "user", "role", "valid_from"]
        indexes = [
            # permissions.active_assignments(user) runs on every request.
            models.Index(fields=["user", "valid_from", "valid_until"], name="roleassign_user_validity"),
        ]
        constraints = [
            # Division roles need a division; executive and auditor roles must not have one.
            models.CheckConstraint(
                condition=(Q(role__in=DIVISION_ROLES, division__isnull=False))
                | (~Q(role__in=DIVISION_ROLES) & Q(division__isnull=True)),
                name="roleassign_division_matches_role",
            ),
            # Only the chief administrator and the mayor can be stood in for.
            models.CheckConstraint(
                condition=Q(acting_for__isnull=True) | Q(role__in=ACTING_ROLES),
                name="roleassign_acting_only_for_executives",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="roleassign_valid_period",
            ),
            # A proposal names its order; only a confirmed proposal names who confirmed it.
            models.CheckConstraint(
                condition=~Q(status="proposed") | (~Q(order_number="") & Q(confirmed_by__isnull=True)),
                name="roleassign_proposal_has_order",
            ),
        ]

    def __str__(self) -> str:
        label = self.get_role_display()
        if self.division_id:
            label = f"{label} ({self.division})"
        if self.acting_for_id and self.kind == self.Kind.DELEGATION:
            label = _("%(role)s, by delegation of %(person)s") % {"role": label, "person": self.acting_for}
        elif self.acting_for_id:
            label = _("%(role)s, acting for %(person)s") % {"role": label, "person": self.acting_for}
        return f"{self.user}: {label}"

    def needs_confirmation(self) -> bool:
        """An executive role or an acting appointment takes effect only once a second person confirms it."""
        return needs_confirmation(self.role, self.acting_for_id)


def needs_confirmation(role: str, acting_for: object | None) -> bool:
    return role in CONFIRMED_ROLES or acting_for is not None


class FiscalYear(models.Model):
    """A Thai fiscal year (ปีงบประมาณ), identified by its Buddhist-Era year: 2566 runs from
    1 October 2022 to 30 September 2023. Shared by every agency."""

    year = models.PositiveSmallIntegerField(
        _("fiscal year (B.E.)"), unique=True, validators=[MinValueValidator(2500), MaxValueValidator(2700)]
    )

    history = AuditedHistoricalRecords()

    class Meta:
        verbose_name = _("fiscal year")
        verbose_name_plural = _("fiscal years")
        ordering = ["-year"]

    def __str__(self) -> str:
        return _("Fiscal year %(year)s") % {"year": self.year}

    @property
    def start_date(self) -> datetime.date:
        return datetime.date(self.year - 543 - 1, 10, 1)

    @property
    def end_date(self) -> datetime.date:
        return datetime.date(self.year - 543, 9, 30)

    @property
    def six_month_date(self) -> datetime.date:
        """The 6-month round closes on 31 March."""
        return datetime.date(self.year - 543, 3, 31)

    @staticmethod
    def year_for(day: datetime.date) -> int:
        """The Buddhist-Era fiscal year that contains `day`."""
        return day.year + 543 + (1 if day.month >= 10 else 0)


class Plan(models.Model):
    """An agency's integrity and transparency measures for one fiscal year
    (มาตรการส่งเสริมคุณธรรมและความโปร่งใสภายในหน่วยงาน)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        CLOSED = "closed", _("Closed")

    agency = models.ForeignKey(Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="plans")
    fiscal_year = models.ForeignKey(
        FiscalYear, verbose_name=_("fiscal year"), on_delete=models.PROTECT, related_name="plans"
    )
    title = models.CharField(_("title"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    source_name = models.CharField(_("source file"), max_length=255, blank=True)
    source_sha256 = models.CharField(_("source SHA-256"), max_length=64, blank=True)
    imported_at = models.DateTimeField(_("imported at"), null=True, blank=True)
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)

    objects = AgencyScopedQuerySet.as_manager()
    history = AuditedHistoricalRecords()

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        ordering = ["agency", "-fiscal_year__year"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "fiscal_year"], name="plan_one_per_agency_and_year"),
        ]

    def __str__(self) -> str:
        return _("%(agency)s plan, fiscal year %(year)s") % {"agency": self.agency, "year": self.fiscal_year.year}


class MeasureQuerySet(AgencyScopedQuerySet):
    def integrity_measures(self) -> MeasureQuerySet:
        """The agency's own integrity measures: every measure of the plan but the OIT disclosure work adopted into
        it (oit/services.adopt_catalogue makes a measure whose actions are OIT disclosure items). The OIT work has
        its own progress view and public list, and each year's comes from adopting that year's catalogue, so the
        official measures report and next year's draft read the measures through here (the one definition)."""
        return self.exclude(indicators__actions__disclosure_item__isnull=False)


class Measure(models.Model):
    """A measure of the plan (มาตรการ)."""

    agency = models.ForeignKey(Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="+")
    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="measures")
    number = models.PositiveSmallIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=500)

    objects = MeasureQuerySet.as_manager()
    history = AuditedHistoricalRecords()

    class Meta:
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="measure_unique_number_per_plan"),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class Indicator(models.Model):
    """An ITA indicator (ตัวชี้วัด), numbered 1-10 by the assessment itself."""

    class Assessment(models.TextChoices):
        IIT = "IIT", _("IIT: internal stakeholders")
        EIT = "EIT", _("EIT: external stakeholders")
        OIT = "OIT", _("OIT: open data")

    class Status(models.TextChoices):
        # Translators: รักษาระดับ
        MAINTAIN = "maintain", _("Maintain")
        # Translators: แก้ไขเร่งด่วน
        URGENT = "urgent", _("Urgent fix")
        # Translators: พัฒนายกระดับ
        DEVELOP = "develop", _("Develop")

    agency = models.ForeignKey(Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="+")
    measure = models.ForeignKey(Measure, verbose_name=_("measure"), on_delete=models.PROTECT, related_name="indicators")
    number = models.PositiveSmallIntegerField(_("ITA number"), validators=[MinValueValidator(1), MaxValueValidator(10)])
    written_number = models.PositiveSmallIntegerField(_("number as written"), null=True, blank=True)
    assessment = models.CharField(_("assessment"), max_length=3, choices=Assessment.choices)
    name = models.CharField(_("name"), max_length=300)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DEVELOP)

    objects = AgencyScopedQuerySet.as_manager()
    history = AuditedHistoricalRecords()

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["measure__plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["measure", "number"], name="indicator_unique_number_per_measure"),
            models.CheckConstraint(condition=Q(number__gte=1, number__lte=10), name="indicator_ita_number_1_10"),
        ]

    def __str__(self) -> str:
        return _("Indicator %(number)s %(name)s") % {"number": self.number, "name": self.name}


class ActionQuerySet(AgencyScopedQuerySet):
    def for_fiscal_year(self, year: int) -> ActionQuerySet:
        return self.filter(indicator__measure__plan__fiscal_year__year=year)

    def with_plan(self) -> ActionQuerySet:
        return self.select_related("indicator__measure__plan__fiscal_year", "agency").prefetch_related("divisions")

    def open(self) -> ActionQuerySet:
        from approvals import figures

        return self.filter(status__in=figures.OPEN_STATUSES)

    def overdue(self, on: datetime.date | None = None) -> ActionQuerySet:
        """Overdue actions, as `approvals.figures` defines them (the one definition)."""
        from approvals import figures

        return self.filter(figures.overdue_filter(on))


class Action(models.Model):
    """An action of an indicator (แนวทางการดำเนินการ), carried out by its responsible divisions
    (ผู้รับผิดชอบ) or by every division (ทุกส่วนราชการ)."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Not started")
        IN_PROGRESS = "in_progress", _("In progress")
        RETURNED = "returned", _("Returned to division")
        AWAITING_REVIEW = "awaiting_review", _("Awaiting review")
        AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")
        DONE = "done", _("Approved")
        CANCELLED = "cancelled", _("Cancelled")

    agency = models.ForeignKey(Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="+")
    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), on_delete=models.PROTECT, related_name="actions"
    )
    # As written in the report ("1", "-", ""), kept even when it repeats; `position` orders actions.
    number = models.CharField(_("number as written"), max_length=10, blank=True)
    position = models.PositiveSmallIntegerField(_("position"))
    text = models.TextField(_("action"))
    all_divisions = models.BooleanField(_("all divisions"), default=False)
    divisions = models.ManyToManyField(
        Division, verbose_name=_("responsible divisions"), through="Responsibility", related_name="actions", blank=True
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PLANNED)
    current_round = models.PositiveSmallIntegerField(_("round"), default=1)
    # The results the report said were achieved (สรุปผลการดำเนินการ, ผลลัพธ์/ความสำเร็จ) when imported.
    reported_results = models.TextField(_("reported results"), blank=True)
    reported_outcome = models.TextField(_("reported outcome"), blank=True)

    objects = ActionQuerySet.as_manager()
    history = AuditedHistoricalRecords()

    class Meta:
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        ordering = ["indicator__measure__number", "indicator__number", "position"]
        indexes = [
            # Progress pages and overdue lists filter by agency and status, then due date.
            models.Index(fields=["agency", "status", "due_date"], name="action_agency_status_due"),
        ]
        constraints = [
            # The importer matches an action of a re-imported report by its position in the indicator.
            models.UniqueConstraint(fields=["indicator", "position"], name="action_unique_position_per_indicator"),
        ]
        permissions = [
            ("cancel_action", "Can cancel an action"),
            ("import_plan", "Can import and activate a plan"),
        ]

    def __str__(self) -> str:
        from approvals.wording import shorten

        number = self.number or "-"
        # Cut between words, never inside one (notification titles and lists repeat this name).
        return f"{self.indicator.number}.{number} {shorten(self.text, 60)}"

    def is_overdue(self, on: datetime.date | None = None) -> bool:
        """Overdue, as `approvals.figures` defines it (the one definition)."""
        from approvals import figures

        return figures.is_overdue(self.status, self.due_date, on)

    def is_locked(self) -> bool:
        """Approved and cancelled actions accept no further changes to their results."""
        return self.status in (self.Status.DONE, self.Status.CANCELLED)

    def fiscal_year_number(self) -> int:
        """The year (พ.ศ.) of the plan the action belongs to: from the rows already read with it (a service that
        locks it reads its place in the plan too), otherwise in one query, not one per link."""
        plan_path = ("indicator", "measure", "plan", "fiscal_year")
        obj: Any = self
        for name in plan_path:
            if not obj._meta.get_field(name).is_cached(obj):
                break
            obj = getattr(obj, name)
        else:
            year: int = obj.year
            return year
        years = Action.objects.filter(pk=self.pk).values_list("indicator__measure__plan__fiscal_year__year", flat=True)
        return int(years.get())


class Responsibility(models.Model):
    """A division named responsible for an action (ผู้รับผิดชอบ)."""

    agency = models.ForeignKey(Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="+")
    action = models.ForeignKey(Action, verbose_name=_("action"), on_delete=models.PROTECT, related_name="+")
    division = models.ForeignKey(Division, verbose_name=_("division"), on_delete=models.PROTECT, related_name="+")

    objects = AgencyScopedQuerySet.as_manager()
    history = AuditedHistoricalRecords()

    class Meta:
        verbose_name = _("responsibility")
        verbose_name_plural = _("responsibilities")
        ordering = ["action", "division"]
        constraints = [
            models.UniqueConstraint(fields=["action", "division"], name="responsibility_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.action} → {self.division}"


class BudgetItemQuerySet(AgencyScopedQuerySet):
    def with_spent(self, until: datetime.date | None = None) -> BudgetItemQuerySet:
        """Each item with `spent`: the spending that counts against it (up to `until`, when given). The one
        definition of "spent" that the plan page, the dashboards and the official report show."""
        counted = Q(expenditures__is_withdrawn=False)
        if until is not None:
            counted &= Q(expenditures__spent_on__lte=until)
        zero = models.Value(Decimal("0"), output_field=models.DecimalField(max_digits=14, decimal_places=2))
        return self.annotate(spent=Coalesce(Sum("expenditures__amount", filter=counted), zero))


class BudgetItem(models.Model):
    """A budgeted line of the plan (รายการดำเนินงาน), in baht."""

    agency = models.ForeignKey(Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="+")
    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="budget_items")
    number = models.PositiveSmallIntegerField(_("number"))
    item = models.CharField(_("item"), max_length=500)
    amount = models.DecimalField(_("planned amount (baht)"), max_digits=14, decimal_places=2)

    objects = BudgetItemQuerySet.as_manager()
    # Annotated by BudgetItemQuerySet.with_spent().
    spent: Decimal
    history = AuditedHistoricalRecords()

    class Meta:
        verbose_name = _("budget item")
        verbose_name_plural = _("budget items")
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="budgetitem_unique_number_per_plan"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="budgetitem_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.item}"

    # Read from an item fetched `.with_spent()`.
    @property
    def remaining(self) -> Decimal:
        return self.amount - self.spent

    @property
    def spent_percent(self) -> int:
        return spent_percent(self.amount, self.spent)


def spent_percent(planned: Decimal, spent: Decimal) -> int:
    """How much of the planned amount is spent, in whole percent (over 100 when overspent)."""
    return int((spent * 100 / planned).quantize(Decimal("1"))) if planned else 0


def budget_totals(items: list[BudgetItem]) -> dict[str, Decimal | int]:
    """Planned, spent and remaining for a list of items fetched `.with_spent()`."""
    planned = sum((item.amount for item in items), Decimal("0"))
    spent = sum((item.spent for item in items), Decimal("0"))
    return {
        "planned": planned,
        "spent": spent,
        "remaining": planned - spent,
        "spent_percent": spent_percent(planned, spent),
    }


class ExpenditureQuerySet(AgencyScopedQuerySet):
    def counted(self) -> ExpenditureQuerySet:
        """Spending that counts against the budget: every entry not withdrawn."""
        return self.filter(is_withdrawn=False)


def expenditure_upload_to(instance: Expenditure, filename: str) -> str:
    # Like evidence: a random-free, content-addressed name; the uploaded name is kept in a field.
    return f"spending/{instance.agency_id}/{instance.evidence_sha256[:2]}/{instance.evidence_sha256}"


class Expenditure(models.Model):
    """Money spent against a budget item (การเบิกจ่าย), recorded by the finance division with the
    document that proves it (เลขที่เอกสาร/ฎีกา) and a scan of it. A wrong entry is withdrawn, never deleted."""

    agency = models.ForeignKey(Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="+")
    budget_item = models.ForeignKey(
        BudgetItem, verbose_name=_("budget item"), on_delete=models.PROTECT, related_name="expenditures"
    )
    amount = models.DecimalField(_("amount (baht)"), max_digits=14, decimal_places=2)
    spent_on = models.DateField(_("spent on"))
    description = models.CharField(_("description"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    # Translators: เลขที่เอกสาร (ฎีกา/ใบสำคัญ) that proves the spending.
    document_number = models.CharField(_("document number"), max_length=100, blank=True)
    evidence = models.FileField(_("evidence file"), upload_to=expenditure_upload_to, max_length=300, blank=True)
    evidence_name = models.CharField(_("evidence file name"), max_length=255, blank=True)
    evidence_content_type = models.CharField(_("evidence content type"), max_length=100, blank=True)
    evidence_sha256 = models.CharField(_("evidence SHA-256"), max_length=64, blank=True)
    is_withdrawn = models.BooleanField(_("withdrawn"), default=False)

    objects = ExpenditureQuerySet.as_manager()
    history = AuditedHistoricalRecords()

    class Meta:
        verbose_name = _("expenditure")
        verbose_name_plural = _("expenditures")
        ordering = ["budget_item", "spent_on"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=Decimal("0")), name="expenditure_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.budget_item}: {self.amount}"


class Submission(models.Model):
    """What one division reports for one action in one round (ผลการดำเนินการ): what was done, the
    outcome, progress and evidence. A return opens a new round with a new submission."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        ACCEPTED = "accepted", _("Accepted by the chief administrator")
        RETURNED = "returned", _("Returned")
        APPROVED = "approved", _("Approved")
        CANCELLED = "cancelled", _("Cancelled")

    agency = models.ForeignKey(Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="+")
    action = models.ForeignKey(Action, verbose_name=_("action"), on_delete=models.PROTECT, related_name="submissions")
    division = models.ForeignKey(Division, verbose_name=_("division"), on_delete=models.PROTECT, related_name="+")
    round = models.PositiveSmallIntegerField(_("round"), default=1)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    # Translators: สรุปผลการดำเนินการ
    results = models.TextField(_("what was done"), blank=True)
    # Translators: ผลลัพธ์/ความสำเร็จ
    outcome = models.TextField(_("outcome"), blank=True)
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)

    objects = AgencyScopedQuerySet.as_manager()
    history = AuditedHistoricalRecords()

    class Meta:
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        ordering = ["action", "round", "division__sort_order"]
        constraints = [
            models.UniqueConstraint(fields=["action", "division", "round"], name="submission_one_per_round"),
            models.CheckConstraint(condition=Q(progress__lte=100), name="submission_progress_0_100"),
        ]
        permissions = [
            ("review_submission", "Can review submissions (chief administrator)"),
            ("approve_submission", "Can approve submissions (mayor)"),
        ]

    def __str__(self) -> str:
        return _("%(action)s, %(division)s, round %(round)s") % {
            "action": self.action,
            "division": self.division,
            "round": self.round,
        }


def evidence_upload_to(instance: Evidence, filename: str) -> str:
    # The stored name never uses the uploaded name: it is random, and only the hash ties it to content.
    return f"evidence/{instance.agency_id}/{instance.sha256[:2]}/{instance.sha256}"


class Evidence(models.Model):
    """An evidence file attached to a submission (หลักฐาน). Kept for ever; a replaced file is marked
    removed, never deleted."""

    agency = models.ForeignKey(Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="+")
    submission = models.ForeignKey(
        Submission, verbose_name=_("submission"), on_delete=models.PROTECT, related_name="evidence"
    )
    file = models.FileField(_("file"), upload_to=evidence_upload_to, max_length=300)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    is_internal = models.BooleanField(
        _("internal only"), default=False, help_text=_("Internal evidence never appears on the public page.")
    )
    is_removed = models.BooleanField(_("removed"), default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    objects = AgencyScopedQuerySet.as_manager()
    history = AuditedHistoricalRecords()

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["submission", "uploaded_at"]

    def __str__(self) -> str:
        return self.original_name


class Decision(models.Model):
    """A decision on an action's round (การพิจารณา): the chief administrator's review or the mayor's
    approval, with its reason. Written once, never changed."""

    class Stage(models.TextChoices):
        REVIEW = "review", _("Review by the chief administrator")
        APPROVAL = "approval", _("Approval by the mayor")

    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted")
        RETURNED = "returned", _("Returned")
        APPROVED = "approved", _("Approved")

    class ReturnTarget(models.TextChoices):
        DIVISIONS = "divisions", _("Back to the divisions")
        REVIEW = "review", _("Back to review")

    agency = models.ForeignKey(Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="+")
    action = models.ForeignKey(Action, verbose_name=_("action"), on_delete=models.PROTECT, related_name="decisions")
    round = models.PositiveSmallIntegerField(_("round"))
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    reason = models.TextField(_("reason"), blank=True)
    return_target = models.CharField(_("returned to"), max_length=10, choices=ReturnTarget.choices, blank=True)
    # Division ids chosen by the reviewer for a return; empty for other outcomes.
    returned_divisions = models.JSONField(_("returned to divisions"), default=list, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), on_delete=models.PROTECT, related_name="+"
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("on behalf of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), default=timezone.now)

    objects = AgencyScopedQuerySet.as_manager()
    history = AuditedHistoricalRecords()

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["action", "decided_at"]
        constraints = [
            # A return always carries a written reason.
            models.CheckConstraint(condition=~Q(outcome="returned") | ~Q(reason=""), name="decision_return_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.action}: {self.get_outcome_display()}"


class AccessRefusal(models.Model):
    """A refused attempt (การปฏิเสธสิทธิ์), kept for the internal auditors: who tried what, on which
    page and which record, and the rule that refused it (for example segregation of duties).

    The record is named by its kind and id only, never by its content: it may belong to another agency.
    Repeats of the same refusal by the same person within minutes are counted (`RefusalRepeat`) rather
    than recorded again, so that a script cannot flood the hash chain."""

    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    permission = models.CharField(_("permission"), max_length=100)
    action = models.ForeignKey(
        Action, verbose_name=_("action"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    object_repr = models.CharField(_("record"), max_length=300, blank=True)
    reason = models.TextField(_("reason"))
    attempted_at = models.DateTimeField(_("attempted at"), default=timezone.now)
    # Which rule refused (approvals.permissions.Rule), the page asked for, and the record by kind and id.
    rule = models.CharField(_("rule"), max_length=40, blank=True)
    path = models.CharField(_("page"), max_length=300, blank=True)
    method = models.CharField(_("request method"), max_length=10, blank=True)
    record_kind = models.CharField(_("kind of record"), max_length=100, blank=True)
    record_id = models.BigIntegerField(_("record id"), null=True, blank=True)

    objects = AgencyScopedQuerySet.as_manager()
    history = AuditedHistoricalRecords()
    # Set by permissions.record_refusal on a refusal it counted a repeat on: the count it reached.
    _counted_repeats: int

    class Meta:
        verbose_name = _("refused attempt")
        verbose_name_plural = _("refused attempts")
        ordering = ["-attempted_at"]
        indexes = [
            # Finding the refusal a repeat belongs to: the same person, rule and permission, recently.
            models.Index(fields=["user", "rule", "permission", "-attempted_at"], name="refusal_repeat_lookup"),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.permission}"

    @property
    def attempts(self) -> int:
        repeat = getattr(self, "repeat", None)
        return 1 + (repeat.count if repeat else 0)


class RefusalRepeat(models.Model):
    """How often a refusal was repeated within minutes of the first, by the same person.

    Not historised, on purpose: each repeat would otherwise add a history row to the hash chain, which is
    what the counting prevents. The first attempt is the sealed record; this row only counts the others."""

    refusal = models.OneToOneField(
        AccessRefusal,
        verbose_name=_("refused attempt"),
        on_delete=models.PROTECT,
        primary_key=True,
        related_name="repeat",
    )
    count = models.PositiveIntegerField(_("repeats"), default=0)
    last_attempted_at = models.DateTimeField(_("last attempted at"), default=timezone.now)
    last_path = models.CharField(_("last page"), max_length=300, blank=True)
    last_record_id = models.BigIntegerField(_("last record id"), null=True, blank=True)

    class Meta:
        verbose_name = _("repeated refusal")
        verbose_name_plural = _("repeated refusals")
        ordering = ["-last_attempted_at"]

    def __str__(self) -> str:
        return f"{self.refusal_id} ×{self.count}"


class SubstitutionQuerySet(AgencyScopedQuerySet):
    def in_force(self, on: datetime.date | None = None) -> SubstitutionQuerySet:
        """Substitutions confirmed and within their dates on `on` (today)."""
        on = on or timezone.localdate()
        return self.filter(status=Substitution.Status.IN_EFFECT, valid_from__lte=on, valid_until__gte=on)


class Substitution(models.Model):
    """A substitute during a leave (มอบหมายผู้ปฏิบัติหน้าที่แทน): a member of a division names another member of
    the same division and role to carry their tasks between two dates; the head of the division confirms it.
    While it is in force the person's open and new tasks of the division go to the substitute, and come back
    after."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed, awaiting the division head")
        IN_EFFECT = "in_effect", _("In effect")
        DECLINED = "declined", _("Declined")

    agency = models.ForeignKey(Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person on leave"), on_delete=models.PROTECT, related_name="+"
    )
    substitute = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("substitute"), on_delete=models.PROTECT, related_name="+"
    )
    division = models.ForeignKey(Division, verbose_name=_("division"), on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    valid_from = models.DateField(_("from"))
    valid_until = models.DateField(_("until"))
    reason = models.CharField(_("reason"), max_length=300)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("named by"), on_delete=models.PROTECT, related_name="+"
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    objects = SubstitutionQuerySet.as_manager()
    history = AuditedHistoricalRecords()

    class Meta:
        verbose_name = _("substitute during a leave")
        verbose_name_plural = _("substitutes during leaves")
        ordering = ["agency", "-valid_from", "pk"]
        indexes = [
            # settle_steps asks, for a task's holder, whether a substitution of theirs is in force today.
            models.Index(fields=["person", "valid_from", "valid_until"], name="substitution_person_dates"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__gte=models.F("valid_from")), name="substitution_valid_period"
            ),
            # Nobody substitutes for themselves.
            models.CheckConstraint(condition=~Q(person=models.F("substitute")), name="substitution_not_oneself"),
            # Only division roles have substitutes; executives' are acting appointments (RoleAssignment).
            models.CheckConstraint(condition=Q(role__in=DIVISION_ROLES), name="substitution_division_roles"),
        ]

    def __str__(self) -> str:
        return _("%(substitute)s for %(person)s (%(division)s)") % {
            "substitute": self.substitute,
            "person": self.person,
            "division": self.division,
        }

    def is_in_force(self, on: datetime.date | None = None) -> bool:
        on = on or timezone.localdate()
        return self.status == self.Status.IN_EFFECT and self.valid_from <= on <= self.valid_until


# Planning the next year from this year's ITA scores (approvals/next_year.py).
from approvals.next_year_models import IndicatorScore, ItaResult, PlanReview  # noqa: E402, F401
