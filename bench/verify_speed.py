"""The chain verifier at a province's scale (issue 16): rows per second, queries, memory, and one agency's check
at 1 and at N agencies, for the verifier now and for the verifier before issue 16 (commit eb24ac0, read from git),
in the same run on the same rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/khunatham SECRET_KEY=bench DEBUG=false \\
        SECURE_SSL_REDIRECT=false nice -n 10 .venv/bin/python bench/verify_speed.py --agencies 200

It creates and drops its own test database. One agency is onboarded by the project's command (`onboard_agencies`);
the others are copies of its history rows into N - 1 more chains, inserted in SQL into the history tables, where
the seal trigger seals each row as it seals every row (their history ids are negative, so that every record's
last history row stays its own). It never asserts a timing; it prints the figures and which targets are met.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test.utils import (  # noqa: E402
    CaptureQueriesContext,
    setup_databases,
    setup_test_environment,
    teardown_databases,
)

ROOT = Path(__file__).resolve().parent.parent
BEFORE = "eb24ac0"  # the verifier before issue 16
FIRST_COPY = 1_000_000  # chains of the copies: far above the real agencies' ids
ROWS_READ = "SELECT coalesce(sum(seq_tup_read + coalesce(idx_tup_fetch, 0)), 0) FROM pg_stat_xact_user_tables"


def verifier_before() -> types.ModuleType:
    source = subprocess.run(
        ["git", "show", f"{BEFORE}:audit/seal/verifier.py"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
    module = types.ModuleType("audit.seal.verifier_before")
    sys.modules[module.__name__] = module  # its dataclasses look their module up
    exec(compile(source, f"{BEFORE}:audit/seal/verifier.py", "exec"), module.__dict__)
    return module


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def reset_peak_rss() -> None:
    Path("/proc/self/clear_refs").write_text("5")


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def median_time(work: Callable[[], Any], times: int = 3) -> float:
    seconds = []
    for _ in range(times):
        started = time.perf_counter()
        work()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds)


def rows_read(work: Callable[[], Any]) -> int:
    """Tuples PostgreSQL read (sequential scans and index fetches, every table) while `work` ran."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(ROWS_READ)
        before = cursor.fetchone()[0]
        work()
        cursor.execute(ROWS_READ)
        return int(cursor.fetchone()[0] - before)


def copy_chain(first: int, start: int, count: int) -> int:
    """Copies of the first agency's history rows into chains FIRST_COPY + start .. + count - 1, sealed by the
    trigger; the agency table's copies are deletions (no such agency exists)."""
    from audit.seal.tables import chain_column, history_models

    inserted = 0
    with transaction.atomic(), connection.cursor() as cursor:
        for table in sorted(history_models()):
            column = chain_column(table)
            if column is None:
                continue
            cursor.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
                "AND table_name = %s ORDER BY ordinal_position",
                [table],
            )
            names = [name for (name,) in cursor.fetchall()]
            values = []
            for name in names:
                if name == column:
                    values.append("g.k")
                elif name == "history_id":
                    values.append(f"-(h.history_id * 100000 + g.k - {FIRST_COPY})")
                elif name == "history_type" and column == "id":
                    values.append("'-'")
                else:
                    values.append(f'h."{name}"')
            cursor.execute(
                f'INSERT INTO "{table}" ({", ".join(f"{chr(34)}{n}{chr(34)}" for n in names)}) '
                f'SELECT {", ".join(values)} FROM "{table}" h CROSS JOIN generate_series(%s, %s) g(k) '
                f'WHERE h."{column}" = %s AND h.history_id > 0 ORDER BY g.k, h.history_id',
                [FIRST_COPY + start, FIRST_COPY + start + count - 1, first],
            )
            inserted += cursor.rowcount
    return inserted


def analyze() -> None:
    # As autovacuum would have by then: the planner's statistics of the tables just filled.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def whole(verify: Callable[..., Any]) -> dict[str, Any]:
    reset_peak_rss()
    at_start = rss_mb()
    tracemalloc.start()
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        report = verify()
        seconds = time.perf_counter() - started
    _current, traced = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "seconds": seconds,
        "rows": report.rows_checked,
        "queries": len(queries),
        "traced_mb": traced / 2**20,
        "rss_growth_mb": peak_rss_mb() - at_start,
        "issues": [issue.as_dict() for issue in report.issues],
        "chains": len(report.chains),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agencies", type=int, default=200, help="chains in all: the onboarded agency and copies")
    parser.add_argument("--step", type=int, default=50, help="chains copied per transaction")
    parser.add_argument("--keep", action="store_true", help="keep the test database, for a closer look")
    parser.add_argument("--no-before", action="store_true", help="skip the whole verification before issue 16")
    options = parser.parse_args()

    from approvals.models import Agency
    from audit import seal
    from audit.models import Seal
    from tests.integration.province import onboard_province

    before = verifier_before()
    setup_test_environment()
    old = setup_databases(verbosity=0, interactive=False)
    try:
        with tempfile.TemporaryDirectory() as temporary:
            (first,) = onboard_province(Path(temporary), 1)
        print(f"onboarded {first}: {Seal.objects.filter(chain=first.pk).count():,} rows", file=sys.stderr)
        analyze()
        now_one = lambda: seal.verify(chain=first.pk)  # noqa: E731
        before_one = lambda: before.verify(chain=first.pk)  # noqa: E731
        one = {
            "now": (median_time(now_one), rows_read(now_one)),
            "before": (median_time(before_one), rows_read(before_one)),
        }
        started = time.perf_counter()
        copied = 0
        for start in range(0, options.agencies - 1, options.step):
            copied += copy_chain(first.pk, start, min(options.step, options.agencies - 1 - start))
            print(f"  {copied:,} rows copied", file=sys.stderr, flush=True)
        build = time.perf_counter() - started
        analyze()
        total = Seal.objects.count()
        print(f"built {options.agencies} chains, {total:,} rows in {build:.0f} s", file=sys.stderr, flush=True)
        many = {
            "now": (median_time(now_one), rows_read(now_one)),
            "before": (median_time(before_one), rows_read(before_one)),
        }
        now_all = whole(seal.verify)
        before_all = None if options.no_before else whole(before.verify)
        agencies = Agency.objects.count()
    finally:
        if options.keep:
            print(f"kept {connection.settings_dict['NAME']}", file=sys.stderr)
        else:
            teardown_databases(old, verbosity=0)

    n = options.agencies
    print(f"# The verifier: {n} chains ({agencies} agencies onboarded, the rest copies), {total:,} history rows")
    print("| what | before issue 16 | now | target |")
    print("|---|---|---|---|")
    ratio = {name: many[name][0] / one[name][0] for name in ("before", "now")}
    read = {name: f"{one[name][1]:,} → {many[name][1]:,} rows read" for name in ("before", "now")}
    print(
        f"| `audit_verify --agency`, {n} / 1 chains | {ratio['before']:.2f} ({read['before']}) | "
        f"{ratio['now']:.2f} ({read['now']}) | ≤ 1.2 {'met' if ratio['now'] <= 1.2 else 'NOT met'} |"
    )

    def rate(result: dict[str, Any] | None) -> str:
        if result is None:
            return "not run"
        return (
            f"{result['rows'] / result['seconds']:,.0f} rows/s ({result['seconds']:.1f} s), {result['queries']} "
            f"queries, Python peak {result['traced_mb']:.1f} MB, process peak +{result['rss_growth_mb']:.1f} MB"
        )

    speed = now_all["rows"] / now_all["seconds"]
    print(
        f"| `audit_verify` of everything | {rate(before_all)} | {rate(now_all)} | ≥ 50,000 rows/s "
        f"{'met' if speed >= 50_000 else 'NOT met'} |"
    )
    if before_all is not None:
        print(f"\nspeed-up: {speed / (before_all['rows'] / before_all['seconds']):.1f}×")
        same = before_all["issues"] == now_all["issues"] and before_all["rows"] == now_all["rows"]
        print(f"same verdict before and now: {'yes' if same else 'NO'}")
    print(f"problems found: {len(now_all['issues'])}")
    for issue in now_all["issues"][:5]:
        print(f"  {issue}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
