"""Fixtures of the OIT tests: an agency's draft plan with the 2567 catalogue adopted and activated."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from approvals import services
from approvals.models import Plan
from oit import services as oit_services
from oit.models import DisclosureItem
from tests import factories

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _no_cached_public_page():
    """No public page or open data cached by another test (or an earlier run on the same Redis database) is
    served: the tests read the page their own data builds."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def plan(agency):
    return factories.PlanFactory(agency=agency, status=Plan.Status.DRAFT, fiscal_year__year=2567)


@pytest.fixture
def adopted(plan, division, other_division, agency_admin):
    """The 2567 catalogue in the plan: สำนักปลัด's items to `division`, กองคลัง's to `other_division`."""
    items = oit_services.adopt_catalogue(
        plan, 2567, by=agency_admin, divisions={"สำนักปลัด": division.pk, "กองคลัง": other_division.pk}
    )
    services.activate_plan(plan, by=agency_admin)
    return items


@pytest.fixture
def first_item(adopted) -> DisclosureItem:
    item = adopted[0]
    item.action.refresh_from_db()
    return item
