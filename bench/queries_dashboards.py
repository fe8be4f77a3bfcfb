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
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
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


def count_queries(run) -> int:
    """The queries of one run. A page must answer 200: a redirect (to the second factor's set-up, say) would be
    measured as a fast page."""
    with CaptureQueriesContext(connection) as queries:
        response = run()
        count = len(queries.captured_queries)  # now: the next request empties the log this reads from
    status = getattr(response, "status_code", 200)
    assert status == 200, f"answered {status}, not the page"
    return count


def interleaved(runs: dict[int, Callable[[], Any]], rounds: int) -> dict[int, float]:
    """Median time of each size's run, the sizes taking turns round by round so that both see the same load of a
    shared machine."""
    timings: dict[int, list[float]] = {size: [] for size in runs}
    for _ in range(rounds):
        for size, run in runs.items():
            started = time.perf_counter()
            run()
            timings[size].append(time.perf_counter() - started)
    return {size: statistics.median(values) for size, values in timings.items()}


def pages(agency: Agency, plan: Plan, mayor: User, staff: User) -> dict[str, Callable[[], Any]]:
    executive, division = Client(), Client()
    executive.force_login(mayor, backend=BACKEND)
    division.force_login(staff, backend=BACKEND)
    public_url = reverse("reports:public", args=[agency.slug, 2566])
    return {
        "executive dashboard": lambda: executive.get(reverse("reports:dashboard")),
        "executive dashboard, every overdue": lambda: executive.get(reverse("reports:dashboard") + "?overdue=all"),
        "division dashboard": lambda: division.get(reverse("reports:division-dashboard")),
        "public page (not cached)": lambda: (cache.clear(), Client().get(public_url))[1],
        "report assembly (12 months)": lambda: assemble_report(plan, 12),
    }


def compare(only: tuple[str, ...] | None = None, rounds: int = 15) -> dict[str, tuple[int, int, float]]:
    """Each page at 10 and at 1,000 actions, in the database at hand (bench/province.py runs it among its
    agencies): {page: (queries at 10, queries at 1,000, time ratio)}."""
    built = {size: pages(*build(size)) for size in SIZES}
    small, big = SIZES
    results = {}
    for name in built[small]:
        if only and name not in only:
            continue
        runs = {size: built[size][name] for size in SIZES}
        for run in runs.values():
            run()  # warm up: sessions, permission caches, templates
        queries = {size: count_queries(run) for size, run in runs.items()}
        times = interleaved(runs, rounds)
        results[name] = (queries[small], queries[big], times[big] / times[small])
    return results


def main() -> None:
    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.SECOND_FACTOR_REQUIRED = False  # the executives would be sent to set up their second factor
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        results = compare()
        small, big = SIZES
        print(f"{'':36}{'queries @' + str(small):>14}{'queries @' + str(big):>16}{'ratio':>8}{'time ratio':>12}")
        for name, (q_small, q_big, ratio) in results.items():
            print(f"{name:36}{q_small:>14}{q_big:>16}{q_big / q_small:>8.2f}{ratio:>12.1f}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
