"""factory_boy factories for the domain. Rows are written through save() so history is recorded."""

from __future__ import annotations

import factory
from django.utils import timezone

from approvals import models


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Agency
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"องค์การบริหารส่วนตำบลทดสอบ {n}")
    slug = factory.Sequence(lambda n: f"test-agency-{n}")
    kind = models.Agency.Kind.SAO
    district = "พานทอง"
    province = "ชลบุรี"


class DivisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Division

    agency = factory.SubFactory(AgencyFactory)
    name = factory.Sequence(lambda n: f"กองทดสอบ {n}")
    sort_order = factory.Sequence(lambda n: n)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"ผู้ใช้{n}")
    last_name = "ทดสอบ"
    agency = factory.SubFactory(AgencyFactory)
    password = factory.django.Password("correct-horse-battery")


class RoleAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.RoleAssignment

    user = factory.SubFactory(UserFactory)
    agency = factory.SelfAttribute("user.agency")
    role = models.Role.STAFF
    valid_from = factory.LazyFunction(lambda: timezone.localdate() - timezone.timedelta(days=365))


class FiscalYearFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.FiscalYear
        django_get_or_create = ("year",)

    year = 2569


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Plan

    agency = factory.SubFactory(AgencyFactory)
    fiscal_year = factory.SubFactory(FiscalYearFactory)
    status = models.Plan.Status.ACTIVE


class MeasureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Measure

    plan = factory.SubFactory(PlanFactory)
    agency = factory.SelfAttribute("plan.agency")
    number = factory.Sequence(lambda n: n + 1)
    title = "มาตรการเพิ่มประสิทธิภาพการดำเนินงาน"


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Indicator

    measure = factory.SubFactory(MeasureFactory)
    agency = factory.SelfAttribute("measure.agency")
    number = 1
    assessment = models.Indicator.Assessment.IIT
    name = "การปฏิบัติหน้าที่"
    status = models.Indicator.Status.MAINTAIN


class ActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Action
        skip_postgeneration_save = True

    indicator = factory.SubFactory(IndicatorFactory)
    agency = factory.SelfAttribute("indicator.agency")
    number = "1"
    position = factory.Sequence(lambda n: n + 1)
    text = "ดำเนินการทบทวน ปรับปรุงกระบวนการขั้นตอนการให้บริการ"
    due_date = factory.LazyAttribute(lambda o: o.indicator.measure.plan.fiscal_year.end_date)

    @factory.post_generation
    def responsible(self, create, extracted, **kwargs):
        """ActionFactory(responsible=[division, ...]) names the responsible divisions."""
        if create and extracted:
            for division in extracted:
                models.Responsibility.objects.create(agency=self.agency, action=self, division=division)


class SubmissionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Submission

    action = factory.SubFactory(ActionFactory)
    agency = factory.SelfAttribute("action.agency")
    division = factory.SubFactory(DivisionFactory, agency=factory.SelfAttribute("..agency"))
    results = "จัดประชุมชี้แจงแผนการใช้จ่ายงบประมาณ"
    outcome = "บุคลากรทราบแผนการดำเนินงาน"
    progress = 100


def platform_operator(username: str = "operator") -> models.User:
    """A platform operator (superuser, no agency)."""
    user = models.User.objects.filter(username=username).first()
    if user is None:
        user = UserFactory(username=username, agency=None, is_superuser=True, is_staff=True)
    return user


def grant_in_effect(user, role, *, by, confirmer=None, reason: str = "แต่งตั้งตามคำสั่ง", **kwargs):
    """Grant a role through the services, as it happens in an agency: an executive role or an acting
    appointment is proposed with its order and confirmed by the person who may confirm it (a platform
    operator when nobody in the agency can)."""
    from approvals import permissions, services

    if models.needs_confirmation(role, kwargs.get("acting_for")):
        kwargs.setdefault("order_number", "๑/๒๕๖๙")
        kwargs.setdefault("order_date", timezone.localdate())
    assignment = services.grant_role(user, role, by=by, reason=reason, **kwargs)
    if assignment.status == models.RoleAssignment.Status.PROPOSED:
        confirmers = permissions.confirmers_of(assignment)
        confirmer = confirmer or (confirmers[0] if confirmers else platform_operator())
        assignment = services.confirm_grant(assignment, by=confirmer, reason="ยืนยันคำสั่ง")
    return assignment
