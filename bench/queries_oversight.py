"""Query-count benchmark of the province's oversight page and the API's progress endpoint.

Prints, for a province of 10 and of 1,000 agencies (each with a plan of six actions, some approved, some
returned; every other one with two OIT items), how many database queries each takes and the ratio between the
two: 1.00 means the count does not grow with the number of agencies. Elapsed times (one warm request each) are
printed for information.

Run against PostgreSQL (it creates and drops its own test database, `test_` + the name in DATABASE_URL: do not
name the database your test runs keep with --reuse-db):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/khunatham SECRET_KEY=x DEBUG=false python bench/queries_oversight.py
"""

from __future__ import annotations

import datetime
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from api import services as api_services  # noqa: E402
from approvals.models import Action, Agency, Decision, FiscalYear, Indicator, Measure, Plan, User  # noqa: E402
from audit import context  # noqa: E402
from oit.models import DisclosureItem  # noqa: E402
from oversight.models import OversightAssignment  # noqa: E402

SIZES = (10, 1000)
BACKEND = "django.contrib.auth.backends.ModelBackend"


def build(size: int) -> User:
    """A province of `size` agencies and its oversight officer."""
    province = f"จังหวัดทดสอบ {size}"
    fiscal_year, _ = FiscalYear.objects.get_or_create(year=2566)
    agencies = Agency.objects.bulk_create(
        Agency(name=f"อบต.ทดสอบ {size}-{n}", slug=f"bench-{size}-{n}", district="เมือง", province=province)
        for n in range(size)
    )
    plans = Plan.objects.bulk_create(
        Plan(agency=agency, fiscal_year=fiscal_year, status=Plan.Status.ACTIVE) for agency in agencies
    )
    measures = Measure.objects.bulk_create(
        Measure(agency=plan.agency, plan=plan, number=1, title="มาตรการที่ 1") for plan in plans
    )
    indicators = Indicator.objects.bulk_create(
        Indicator(agency=m.agency, measure=m, number=1, assessment="IIT", name="ตัวชี้วัด 1") for m in measures
    )
    statuses = [Action.Status.DONE, Action.Status.IN_PROGRESS, Action.Status.RETURNED]
    actions = Action.objects.bulk_create(
        Action(
            agency=indicator.agency,
            indicator=indicator,
            number=str(n + 1),
            position=n + 1,
            text=f"การดำเนินการที่ {n + 1}",
            due_date=datetime.date(2023, 3, 1),
            status=statuses[n % 3],
        )
        for indicator in indicators
        for n in range(6)
    )
    # Every other agency adopted an OIT catalogue: two items, the first one's action approved.
    DisclosureItem.objects.bulk_create(
        DisclosureItem(
            agency=action.agency,
            plan=action.indicator.measure.plan,
            action=action,
            assessment_year=2567,
            number=f"O{action.position}",
            position=action.position,
            title="ข้อมูลพื้นฐาน",
            publish="โครงสร้างหน่วยงาน",
            period="ปีปัจจุบัน",
            usual_division="สำนักปลัด",
        )
        for n, action in enumerate(actions)
        if (n // 6) % 2 == 0 and action.position <= 2
    )
    officer = User.objects.create(username=f"province{size}", first_name="ท้องถิ่นจังหวัด")
    Decision.objects.bulk_create(
        Decision(
            agency=action.agency,
            action=action,
            round=1,
            stage=Decision.Stage.REVIEW,
            outcome=Decision.Outcome.RETURNED,
            reason="แนบหลักฐาน",
            decided_by=officer,
            decided_at=timezone.now(),
        )
        for action in actions
        if action.status == Action.Status.RETURNED
    )
    OversightAssignment.objects.create(user=officer, province=province)
    return officer


def measure(run) -> tuple[int, float]:
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        run()
        elapsed = time.perf_counter() - started
    return len(queries.captured_queries), elapsed


def main() -> None:
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        results: dict[str, dict[int, tuple[int, float]]] = {}
        for size in SIZES:
            with context.command("bench"):
                officer = build(size)
                _token, secret = api_services.create_token(by=officer, name="bench")
            browser, system = Client(), Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
            browser.force_login(officer, backend=BACKEND)
            # Over HTTPS: with DEBUG off the site redirects plain HTTP before any query is made.
            runs = {
                "oversight page": lambda c=browser: c.get(reverse("oversight:overview"), secure=True),
                "API /me/progress": lambda c=system: c.get("/api/v1/me/progress", secure=True),
            }
            for name, run in runs.items():
                response = run()  # warm up: sessions, permission caches, templates
                if response.status_code != 200:
                    raise SystemExit(f"{name} at {size} agencies answered {response.status_code}, not 200")
                results.setdefault(name, {})[size] = measure(run)
        small, big = SIZES
        print(
            f"{'':24}{'queries @' + str(small):>14}{'queries @' + str(big):>16}{'ratio':>8}"
            f"{'ms @' + str(small):>10}{'ms @' + str(big):>11}{'time ratio':>12}"
        )
        for name, by_size in results.items():
            (q_small, t_small), (q_big, t_big) = by_size[small], by_size[big]
            print(
                f"{name:24}{q_small:>14}{q_big:>16}{q_big / q_small:>8.2f}"
                f"{t_small * 1000:>10.0f}{t_big * 1000:>11.0f}{t_big / t_small:>12.1f}"
            )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
