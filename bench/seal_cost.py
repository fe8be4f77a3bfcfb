"""What does sealing cost? Run against PostgreSQL: `python bench/seal_cost.py [--saves N]`.

Times three kinds of save of the same Submission row, interleaved in rounds in one run:
- plain: `save_without_historical_record()` (no history, no seal);
- history only: simple-history's row, with the seal trigger disabled for the run;
- history + seal: what the app does.
Everything happens in one transaction that is rolled back, so the database is left as it was.
Prints the median time per save and the ratios to the plain save (target: history + seal <= 2.0x).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402

from approvals.models import Submission  # noqa: E402
from tests import factories  # noqa: E402


class Rollback(Exception):
    pass


def timed(save, count: int) -> float:
    start = time.perf_counter()
    for _ in range(count):
        save()
    return (time.perf_counter() - start) / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=300, help="saves per kind and round")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run this against PostgreSQL (DATABASE_URL=postgres://...).")
    table = Submission.history.model._meta.db_table
    results: dict[str, list[float]] = {"plain": [], "history only": [], "history + seal": []}
    try:
        with transaction.atomic():
            submission = factories.SubmissionFactory()
            counter = iter(range(10**9))

            def touch() -> Submission:
                submission.progress = next(counter) % 100
                submission._change_reason = "benchmark"
                return submission

            def plain() -> None:
                touch().save_without_historical_record(update_fields=["progress"])

            def historised() -> None:
                touch().save(update_fields=["progress"])

            timed(historised, args.saves)  # warm up caches, plans and the chain head
            timed(plain, args.saves)
            with connection.cursor() as cursor:
                for _ in range(args.rounds):
                    results["plain"].append(timed(plain, args.saves))
                    # Deferred foreign-key checks must run before the table can be altered.
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE; SET CONSTRAINTS ALL DEFERRED")
                    cursor.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER audit_seal')
                    results["history only"].append(timed(historised, args.saves))
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE; SET CONSTRAINTS ALL DEFERRED")
                    cursor.execute(f'ALTER TABLE "{table}" ENABLE TRIGGER audit_seal')
                    results["history + seal"].append(timed(historised, args.saves))
            raise Rollback
    except Rollback:
        pass
    base = statistics.median(results["plain"])
    print(f"Submission saves, {args.rounds} rounds x {args.saves} saves each, median per save:")
    for name, values in results.items():
        median = statistics.median(values)
        print(f"  {name:<15} {median * 1e6:8.1f} µs   {median / base:4.2f}x plain")
    ratio = statistics.median(results["history + seal"]) / base
    print(f"historised, sealed save = {ratio:.2f}x a plain save (target <= 2.00x)")


if __name__ == "__main__":
    main()
