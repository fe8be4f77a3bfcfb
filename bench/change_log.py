"""Does the change log stay fast at millions of history rows? Run against PostgreSQL:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/khunatham python bench/change_log.py [--rows 1000000]

Creates a scratch database next to DATABASE_URL's (`<name>_bench_changelog`, dropped at the end unless
--keep), migrates it, and fills two agencies' history with INSERT ... SELECT generate_series: 10k rows
each, then --rows for the second. The rows go through the real seal trigger, so the ledger the page
seeks on is the one production builds (~20k rows sealed a second here). Times the auditor's change-log
page (the whole request: view, queries, template): unfiltered, by a person, by a person with only 3
changes far back in the chain, on a date range (binary search of the seq range), and an older page.
The 10k and 1M agencies' requests are interleaved round by round, so that both see the same machine
load; prints the medians and the ratio (target: the 1M page within 1.5x of the 10k page).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def scratch_database(url: str, name: str, *, drop_only: bool = False) -> str:
    parsed = urlparse(url)
    admin_url = urlunparse(parsed._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        if not drop_only:
            connection.execute(f'CREATE DATABASE "{name}"')
    return urlunparse(parsed._replace(path=f"/{name}"))


def add_history_rows(cursor, agency_id: int, division_ids: list[int], user_ids: list[int], count: int) -> None:
    """`count` more history rows of the agency's divisions, one a second going back from now; a million rows a
    statement (each its own transaction), so that tens of millions never queue in one transaction's trigger list."""
    chunk = 1_000_000
    started = time.perf_counter()
    for first in range(1, count + 1, chunk):
        cursor.execute(
            """
            INSERT INTO approvals_historicaldivision
                (id, agency_id, name, sort_order, is_active, keeps_accounts, history_date, history_change_reason,
                 history_type, history_user_id)
            SELECT (%(divisions)s::bigint[])[1 + n %% cardinality(%(divisions)s::bigint[])], %(agency)s,
                   'กองทดสอบ ' || n, n %% 100, true, false, now() - make_interval(secs => %(count)s - n),
                   'benchmark ' || n, '~', (%(users)s::bigint[])[1 + n %% cardinality(%(users)s::bigint[])]
            FROM generate_series(%(first)s, %(last)s) AS n
            """,
            {
                "divisions": division_ids,
                "agency": agency_id,
                "users": user_ids,
                "count": count,
                "first": first,
                "last": min(count, first + chunk - 1),
            },
        )
        if count > chunk:
            done = min(count, first + chunk - 1)
            print(f"  {done:,} of {count:,} rows ({time.perf_counter() - started:.0f} s)", file=sys.stderr, flush=True)


def time_page(client, url: str, params: dict, repeat: int) -> float:
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url, params)
        timings.append(time.perf_counter() - start)
        assert response.status_code == 200, response.status_code
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="history rows for the large measurement")
    parser.add_argument("--repeat", type=int, default=21, help="rounds (each case once per agency a round)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    base_url = os.environ.get("DATABASE_URL", "")
    if not base_url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database (postgres://...).")
    name = urlparse(base_url).path.lstrip("/") + "_bench_changelog"
    os.environ["DATABASE_URL"] = scratch_database(base_url, name)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["SECURE_SSL_REDIRECT"] = "false"
    os.environ["SECOND_FACTOR_REQUIRED"] = "false"  # else the auditor is sent to set up a second factor (302)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from approvals.models import Role
    from audit.models import Seal
    from tests import factories

    try:
        call_command("migrate", verbosity=0)

        def agency_with_auditor():
            agency = factories.AgencyFactory()
            divisions = [factories.DivisionFactory(agency=agency).pk for _ in range(5)]
            people = [factories.UserFactory(agency=agency).pk for _ in range(20)]
            auditor = factories.UserFactory(agency=agency)
            factories.RoleAssignmentFactory(user=auditor, agency=agency, role=Role.AUDITOR)
            rare = factories.UserFactory(agency=agency).pk  # three changes, far back in the chain
            client = Client()
            client.force_login(auditor, backend="django.contrib.auth.backends.ModelBackend")
            with connection.cursor() as cursor:
                add_history_rows(cursor, agency.pk, divisions, people, 10_000)
                add_history_rows(cursor, agency.pk, divisions, [rare], 3)
            return agency, divisions, people, rare, client

        url = reverse("audit:change-log")
        small = agency_with_auditor()
        large = agency_with_auditor()

        def cases(people, rare):
            today = django.utils.timezone.localdate().isoformat()
            return {
                "unfiltered": {},
                "by person": {"person": people[0]},
                "by a rare person": {"person": rare},
                "today (date range)": {"date_from": today, "date_to": today},
                "older page": {"before": 5000},
            }

        def measure(*agencies) -> list[dict[str, float]]:
            """Median page times per agency, the agencies' requests interleaved round by round."""
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
            results = []
            for agency in agencies:
                results.append({name: [] for name in cases(agency[2], agency[3])})
            for _ in range(args.repeat):
                for agency, result in zip(agencies, results, strict=True):
                    for name, params in cases(agency[2], agency[3]).items():
                        result[name].append(time_page(agency[4], url, params, 1))
            return [{name: statistics.median(times) for name, times in result.items()} for result in results]

        def show(label: str, agency, timings: dict[str, float]) -> None:
            rows = Seal.objects.filter(chain=agency[0].pk).count()
            print(f"{label}: {rows:,} history rows in the agency's chain")
            for name_, seconds in timings.items():
                print(f"  {name_:<22} {seconds * 1000:8.1f} ms")

        (alone,) = measure(small)
        show("10k, database holding 20k history rows", small, alone)
        started = time.perf_counter()
        with connection.cursor() as cursor:
            add_history_rows(cursor, large[0].pk, large[1], large[2], args.rows - 10_000)
        print(f"(generated and sealed {args.rows - 10_000:,} more rows in {time.perf_counter() - started:.0f} s)")
        small_after, big = measure(small, large)
        large_label = f"{args.rows:,} rows"
        show(f"10k, database now holding {args.rows + 20_000:,} history rows", small, small_after)
        show(large_label, large, big)
        print(f"{large_label} page / 10k page, measured in the same rounds (target <= 1.5x):")
        for key in big:
            print(
                f"  {key:<22} {big[key] / small_after[key]:5.2f}x   (vs the 10k page before the growth: "
                f"{big[key] / alone[key]:4.2f}x)"
            )
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            scratch_database(base_url, name, drop_only=True)


if __name__ == "__main__":
    main()
