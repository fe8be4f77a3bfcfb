"""Factories for the records the audit trail reads (kept apart from tests/factories.py)."""

from __future__ import annotations

import hashlib
from decimal import Decimal

import factory
from django.utils import timezone

from approvals import models
from tests import factories


class DecisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Decision

    action = factory.SubFactory(factories.ActionFactory)
    agency = factory.SelfAttribute("action.agency")
    round = 1
    stage = models.Decision.Stage.APPROVAL
    outcome = models.Decision.Outcome.APPROVED
    decided_by = factory.SubFactory(factories.UserFactory, agency=factory.SelfAttribute("..agency"))
    decided_at = factory.LazyFunction(timezone.now)


class EvidenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Evidence

    submission = factory.SubFactory(factories.SubmissionFactory)
    agency = factory.SelfAttribute("submission.agency")
    original_name = "รายงานการประชุม.pdf"
    content_type = "application/pdf"
    size = 1024
    sha256 = factory.Sequence(lambda n: hashlib.sha256(f"evidence {n}".encode()).hexdigest())
    file = factory.LazyAttribute(lambda o: f"evidence/{o.agency.pk}/{o.sha256[:2]}/{o.sha256}")
    uploaded_by = factory.SubFactory(factories.UserFactory, agency=factory.SelfAttribute("..agency"))
    uploaded_at = factory.LazyFunction(timezone.now)


class BudgetItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.BudgetItem

    plan = factory.SubFactory(factories.PlanFactory)
    agency = factory.SelfAttribute("plan.agency")
    number = factory.Sequence(lambda n: n + 1)
    item = "โครงการอบรมคุณธรรมจริยธรรม"
    amount = Decimal("10000.00")


class ExpenditureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Expenditure

    budget_item = factory.SubFactory(BudgetItemFactory)
    agency = factory.SelfAttribute("budget_item.agency")
    amount = Decimal("1000.00")
    spent_on = factory.LazyFunction(timezone.localdate)
    recorded_by = factory.SubFactory(factories.UserFactory, agency=factory.SelfAttribute("..agency"))


class AccessRefusalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.AccessRefusal

    user = factory.SubFactory(factories.UserFactory)
    agency = factory.SelfAttribute("user.agency")
    permission = "approvals.approve_submission"
    reason = "refused"
    attempted_at = factory.LazyFunction(timezone.now)
