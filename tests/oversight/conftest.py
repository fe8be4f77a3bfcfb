"""The oversight tests share the public page's sample year and its isolation of files and cache; two platform
operators grant oversight roles (one proposes, the other confirms)."""

import datetime

import pytest

from approvals.models import User
from oit.models import DisclosureItem
from oversight import services
from oversight.models import OversightAssignment
from tests import factories
from tests.reports.conftest import _isolated_files_and_cache, login, sample_year  # noqa: F401

ORDER = {"order_number": "ชบ 0023/1234", "order_date": datetime.date(2026, 10, 1)}


@pytest.fixture
def operator(db) -> User:
    return factories.UserFactory(username="operator", agency=None, is_superuser=True, is_staff=True)


@pytest.fixture
def second_operator(db) -> User:
    return factories.UserFactory(username="operator2", agency=None, is_superuser=True, is_staff=True)


@pytest.fixture
def grant_in_effect(operator, second_operator):
    """Propose an oversight role (one operator) and confirm it (the other): it is in effect."""

    def grant(person: User, province: str, district: str = "", reason: str = "คำสั่งจังหวัด") -> OversightAssignment:
        proposed = services.grant_oversight(
            person, province=province, district=district, by=operator, reason=reason, **ORDER
        )
        return services.confirm_oversight(proposed, by=second_operator, reason="")

    return grant


def oit_item(action, number: str) -> DisclosureItem:
    """An item of an adopted OIT catalogue, carried out as `action` (as oit.services.adopt_catalogue makes it)."""
    return DisclosureItem.objects.create(
        agency_id=action.agency_id,
        plan=action.indicator.measure.plan,
        action=action,
        assessment_year=2567,
        number=number,
        position=int(number[1:]),
        title=f"ข้อมูลพื้นฐาน {number}",
        publish="โครงสร้างหน่วยงาน",
        period="ปีปัจจุบัน",
        usual_division="สำนักปลัด",
    )
