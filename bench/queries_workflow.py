"""How many database queries each workflow page runs with 10 tasks and with 1,000 tasks.

The pages must run a fixed number of queries, whatever the number of tasks: the ratio column should read
1.00 for every page. Run against PostgreSQL (it creates and drops its own test database):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/khunatham SECRET_KEY=bench DEBUG=false \\
        SECURE_SSL_REDIRECT=false .venv/bin/python bench/queries_workflow.py
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import (  # noqa: E402
    CaptureQueriesContext,
    setup_databases,
    setup_test_environment,
    teardown_databases,
)

SIZES = (10, 1000)


def build(size: int, people: dict, plan) -> None:
    """Grow the plan to `size` single-division tasks: a tenth submitted, a fiftieth accepted too."""
    from approvals import services
    from approvals.models import Action, Submission
    from tests import factories

    actions = Action.objects.filter(indicator__measure__plan=plan)
    indicator = factories.IndicatorFactory(measure__plan=plan)
    for position in range(actions.count(), size):
        factories.ActionFactory(indicator=indicator, position=position + 1, responsible=[people["division"]])
    services.activate_plan(plan, by=people["admin"], reason="bench")
    submissions = Submission.objects.filter(action__indicator__measure__plan=plan)
    missing = max(3, size // 10) - submissions.exclude(status=Submission.Status.DRAFT).count()
    for draft in list(submissions.filter(status=Submission.Status.DRAFT).order_by("pk")[: max(0, missing)]):
        services.save_draft(draft, by=people["staff"], results="bench", outcome="bench", progress=100)
        services.submit_result(draft, by=people["staff"])
    missing = max(1, size // 50) - actions.filter(status=Action.Status.AWAITING_APPROVAL).count()
    waiting = actions.filter(status=Action.Status.AWAITING_REVIEW).order_by("pk")
    for action in list(waiting[: max(0, missing)]):
        services.accept_action(action, by=people["chief"])


def count(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    if os.environ.get("BENCH_SHOW_SQL") and os.environ["BENCH_SHOW_SQL"] in path:
        for query in queries:
            print(query["sql"][:150], file=sys.stderr)
        print("----", file=sys.stderr)
    return len(queries)


def main() -> int:
    from approvals.models import Plan, Role
    from tests import factories

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    old = setup_databases(verbosity=0, interactive=False)
    try:
        agency = factories.AgencyFactory(slug="bench")
        division = factories.DivisionFactory(agency=agency, name="สำนักปลัด")
        people = {"division": division}
        for key, role, div in [
            ("staff", Role.STAFF, division),
            ("chief", Role.CHIEF_ADMINISTRATOR, None),
            ("mayor", Role.MAYOR, None),
            ("admin", Role.AGENCY_ADMIN, None),
        ]:
            user = factories.UserFactory(agency=agency, username=f"bench-{key}")
            factories.RoleAssignmentFactory(user=user, role=role, division=div)
            people[key] = user
        plan = factories.PlanFactory(agency=agency, status=Plan.Status.DRAFT)
        pages = [
            ("staff", "inbox", "/work/inbox/"),
            ("staff", "queue", "/work/queue/"),
            ("staff", "archive", "/work/archive/"),
            ("chief", "inbox (chief)", "/work/inbox/"),
            ("chief", "queue (chief)", "/work/queue/"),
            ("mayor", "inbox (mayor)", "/work/inbox/"),
            ("admin", "plan progress", f"/work/progress/{plan.fiscal_year.year}/"),
        ]
        results: dict[str, list[int]] = {name: [] for _, name, _ in pages}
        results["action page"] = []
        for size in SIZES:
            started = time.perf_counter()
            build(size, people, plan)
            print(f"built {size} tasks in {time.perf_counter() - started:.1f} s", file=sys.stderr)
            for who, name, path in pages:
                client = Client()
                client.force_login(people[who], backend="django.contrib.auth.backends.ModelBackend")
                results[name].append(count(client, path))
            action = plan.measures.first().indicators.first().actions.order_by("pk").first()
            client = Client()
            client.force_login(people["staff"], backend="django.contrib.auth.backends.ModelBackend")
            results["action page"].append(count(client, f"/work/actions/{action.pk}/"))
        print(f"{'page':<16}" + "".join(f"{f'{size} tasks':>12}" for size in SIZES) + f"{'ratio':>8}")
        worst = 0.0
        for name, counts in results.items():
            ratio = counts[-1] / counts[0]
            worst = max(worst, ratio)
            print(f"{name:<16}" + "".join(f"{n:>12}" for n in counts) + f"{ratio:>8.2f}")
        print(f"largest ratio {worst:.2f} (1.00: the query count does not grow with the number of tasks)")
        return 0 if worst <= 1.0 else 1
    finally:
        teardown_databases(old, verbosity=0)


if __name__ == "__main__":
    raise SystemExit(main())
