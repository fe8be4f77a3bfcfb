"""What does sealing cost? Run against PostgreSQL: `python bench/seal_cost.py [--saves N]`.

Times three kinds of save of the same Submission row, interleaved in rounds in one run:
- plain: `save_without_historical_record()` (no history, no seal);
- history only: simple-history's row, with the seal trigger disabled for the run;
- history + seal: what the app does.
Everything happens in one transaction that is rolled back, so the database is left as it was.
Prints the median time per save and the ratios to the plain save (target: history + seal <= 2.0x),
then the trigger's own cost measured inside the database (no Python, no round trips).
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

            def seal_trigger(enabled: bool) -> None:
                with connection.cursor() as cursor:
                    # Deferred foreign-key checks must run before the table can be altered.
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE; SET CONSTRAINTS ALL DEFERRED")
                    state = "ENABLE" if enabled else "DISABLE"
                    cursor.execute(f'ALTER TABLE "{table}" {state} TRIGGER audit_seal')

            kinds = [
                ("plain", lambda: None, plain),
                ("history only", lambda: seal_trigger(False), historised),
                ("history + seal", lambda: seal_trigger(True), historised),
            ]
            for number in range(args.rounds):
                # Each round starts with a different kind, so that no kind always runs first or last.
                for name, prepare, save in kinds[number % 3 :] + kinds[: number % 3]:
                    prepare()
                    results[name].append(timed(save, args.saves))
            raise Rollback
    except Rollback:
        pass
    base = statistics.median(results["plain"])
    fastest = min(results["plain"])
    print(f"Submission saves, {args.rounds} rounds x {args.saves} saves each, per save (median; best round):")
    for name, values in results.items():
        median = statistics.median(values)
        print(
            f"  {name:<15} {median * 1e6:8.1f} µs   {median / base:4.2f}x plain"
            f"   (best round {min(values) * 1e6:7.1f} µs, {min(values) / fastest:4.2f}x)"
        )
    ratio = statistics.median(results["history + seal"]) / base
    seal_alone = statistics.median(results["history + seal"]) - statistics.median(results["history only"])
    print(f"historised, sealed save = {ratio:.2f}x a plain save (target <= 2.00x)")
    print(f"the seal itself adds {seal_alone * 1e6:.1f} µs a save ({seal_alone / base:.2f}x of a plain save)")
    database_side(table, args.saves * 10)


def database_side(table: str, count: int) -> None:
    """The trigger's own cost, without Python or network: history INSERTs in a server-side loop."""
    loop = f"""
        DO $$ BEGIN FOR i IN 1..{count} LOOP
          INSERT INTO "{table}" (id, round, status, results, outcome, progress, created_at, agency_id, action_id,
                                 division_id, history_date, history_type, history_change_reason)
          VALUES (1, 1, 'submitted', 'ผลการดำเนินการ', 'ผลลัพธ์', 50, now(), 1, 1, 1, now(), '~', 'benchmark');
        END LOOP; END $$"""
    timings: dict[str, list[float]] = {"insert only": [], "insert + seal": []}
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            for _ in range(3):
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE; SET CONSTRAINTS ALL DEFERRED")
                cursor.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER audit_seal')
                start = time.perf_counter()
                cursor.execute(loop)
                timings["insert only"].append((time.perf_counter() - start) / count)
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE; SET CONSTRAINTS ALL DEFERRED")
                cursor.execute(f'ALTER TABLE "{table}" ENABLE TRIGGER audit_seal')
                start = time.perf_counter()
                cursor.execute(loop)
                timings["insert + seal"].append((time.perf_counter() - start) / count)
            raise Rollback
    except Rollback:
        pass
    plain, sealed = (statistics.median(timings[k]) for k in ("insert only", "insert + seal"))
    print(f"database side, {count} history INSERTs in a server loop: {plain * 1e6:.1f} µs a row without the")
    print(f"  seal trigger, {sealed * 1e6:.1f} µs with it: the trigger costs {(sealed - plain) * 1e6:.1f} µs a row")


if __name__ == "__main__":
    main()
