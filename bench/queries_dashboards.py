"""Query-count benchmark of the dashboards, the public page and the report assembly.

Prints, for a plan of 10 and of 1,000 actions, how many database queries each page (or the official
report's assembly) takes, and the ratio between the two: 1.00 means the count does not grow with the
number of actions. Elapsed times are printed for information, as a ratio against the 10-action run.

Run against PostgreSQL (it creates and drops its own test database, leaving yours alone):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/khunatham SECRET_KEY=x python bench/queries_dashboards.py
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

from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from approvals.models import (  # noqa: E402
    Action,
    Agency,
    Decision,
    Division,
    FiscalYear,
    Indicator,
    Measure,
    Plan,
    Responsibility,
    Role,
    RoleAssignment,
    Submission,
    User,
)
from reports.assembly import assemble_report  # noqa: E402

SIZES = (10, 1000)
BACKEND = "django.contrib.auth.backends.ModelBackend"


def build(size: int) -> tuple[Agency, Plan, User, User]:
    """An agency with five divisions and a plan of `size` actions: half approved, some returned."""
    agency = Agency.objects.create(name=f"อบต.ทดสอบ {size}", slug=f"bench-{size}", district="พานทอง", province="ชลบุรี")
    divisions = [Division.objects.create(agency=agency, name=f"กอง {n}", sort_order=n) for n in range(5)]
    mayor = User.objects.create(username=f"mayor{size}", agency=agency, first_name="นายก")
    staff = User.objects.create(username=f"staff{size}", agency=agency, first_name="เจ้าหน้าที่")
    today = timezone.localdate()
    RoleAssignment.objects.create(agency=agency, user=mayor, role=Role.MAYOR, valid_from=today)
    RoleAssignment.objects.create(agency=agency, user=staff, role=Role.STAFF, division=divisions[0], valid_from=today)
    fiscal_year, _ = FiscalYear.objects.get_or_create(year=2566)
    plan = Plan.objects.create(agency=agency, fiscal_year=fiscal_year, status=Plan.Status.ACTIVE)
    indicators = []
    for measure_number in (1, 2, 3):
        measure = Measure.objects.create(
            agency=agency, plan=plan, number=measure_number, title=f"มาตรการที่ {measure_number}"
        )
        for offset in range(3):
            number = (measure_number - 1) * 3 + offset + 1
            indicators.append(
                Indicator.objects.create(
                    agency=agency, measure=measure, number=number, assessment="IIT", name=f"ตัวชี้วัด {number}"
                )
            )
    statuses = [Action.Status.DONE, Action.Status.IN_PROGRESS, Action.Status.RETURNED, Action.Status.DONE]
    actions = Action.objects.bulk_create(
        Action(
            agency=agency,
            indicator=indicators[n % len(indicators)],
            number=str(n + 1),
            position=n + 1,
            text=f"การดำเนินการที่ {n + 1}",
            all_divisions=n % 7 == 0,
            due_date=datetime.date(2023, 3 + n % 6, 1),
            status=statuses[n % len(statuses)],
        )
        for n in range(size)
    )
    Responsibility.objects.bulk_create(
        Responsibility(agency=agency, action=action, division=divisions[n % 5])
        for n, action in enumerate(actions)
        if not action.all_divisions
    )
    submitted = timezone.make_aware(datetime.datetime(2023, 2, 1, 10))
    submissions, decisions = [], []
    for n, action in enumerate(actions):
        division = divisions[n % 5]
        if action.status == Action.Status.DONE:
            submissions.append(
                Submission(
                    agency=agency,
                    action=action,
                    division=division,
                    status=Submission.Status.APPROVED,
                    results="ผลการดำเนินการ",
                    outcome="ผลลัพธ์",
                    progress=100,
                    submitted_by=staff,
                    submitted_at=submitted,
                )
            )
            decisions.append(
                Decision(
                    agency=agency,
                    action=action,
                    round=1,
                    stage=Decision.Stage.APPROVAL,
                    outcome=Decision.Outcome.APPROVED,
                    decided_by=mayor,
                    decided_at=submitted + datetime.timedelta(days=n % 20),
                )
            )
        elif action.status == Action.Status.RETURNED:
            decisions.append(
                Decision(
                    agency=agency,
                    action=action,
                    round=1,
                    stage=Decision.Stage.REVIEW,
                    outcome=Decision.Outcome.RETURNED,
                    reason="แนบหลักฐานเพิ่มเติม",
                    returned_divisions=[division.pk],
                    decided_by=mayor,
                    decided_at=submitted,
                )
            )
    Submission.objects.bulk_create(submissions)
    Decision.objects.bulk_create(decisions)
    return agency, plan, mayor, staff


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
            agency, plan, mayor, staff = build(size)
            executive, division = Client(), Client()
            executive.force_login(mayor, backend=BACKEND)
            division.force_login(staff, backend=BACKEND)
            public_url = reverse("reports:public", args=[agency.slug, 2566])
            runs = {
                "executive dashboard": lambda c=executive: c.get(reverse("reports:dashboard")),
                "division dashboard": lambda c=division: c.get(reverse("reports:division-dashboard")),
                "public page (not cached)": lambda url=public_url: (cache.clear(), Client().get(url)),
                "report assembly (12 months)": lambda p=plan: assemble_report(p, 12),
            }
            for name, run in runs.items():
                run()  # warm up: sessions, permission caches, templates
                results.setdefault(name, {})[size] = measure(run)
        small, big = SIZES
        print(f"{'':32}{'queries @' + str(small):>14}{'queries @' + str(big):>16}{'ratio':>8}{'time ratio':>12}")
        for name, by_size in results.items():
            (q_small, t_small), (q_big, t_big) = by_size[small], by_size[big]
            print(f"{name:32}{q_small:>14}{q_big:>16}{q_big / q_small:>8.2f}{t_big / t_small:>12.1f}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
