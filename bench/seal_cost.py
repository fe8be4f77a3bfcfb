"""What does a historised, sealed save cost? Run against PostgreSQL: `python bench/seal_cost.py [--model user]`.

Times three kinds of save of Submission rows (or, with `--model user`, of accounts, whose history seals its
personal columns through a salted digest: audit/personal.py), interleaved in rounds in one run:
- plain: Django's save with no history at all (the capture trigger disabled, no acting context sent);
- history only: what the app does, with the seal trigger disabled for the run;
- history + seal: what the app does: each save inside the acting context of a service (audit/context.py),
  the capture trigger writing the history row, the seal trigger sealing it (audit/triggers.py).
Everything happens in one transaction that is rolled back, as the tables' owner (it disables triggers),
so the database is left as it was. Prints, per kind, the median over rounds of the time per save, and the
median over rounds of each round's ratio to that round's plain save (target: history + seal <= 1.5x);
how many times a transaction of 10 saves sends the context (target: once per distinct person and reason);
then the triggers' own cost measured inside the database (no Python, no round trips).
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

import contextlib  # noqa: E402

import pgtrigger  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from approvals.models import Submission, User  # noqa: E402
from audit import context, roles  # noqa: E402
from audit.postgresql.base import SETTING  # noqa: E402
from audit.triggers import CAPTURE, SEAL  # noqa: E402
from tests import factories  # noqa: E402


class Rollback(Exception):
    pass


def timed(save, count: int) -> float:
    start = time.perf_counter()
    for _ in range(count):
        save()
    return (time.perf_counter() - start) / count


def set_trigger(table: str, trigger: str, enabled: bool) -> None:
    with connection.cursor() as cursor:
        # Deferred foreign-key checks must run before the table can be altered.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE; SET CONSTRAINTS ALL DEFERRED")
        cursor.execute(f'ALTER TABLE "{table}" {"ENABLE" if enabled else "DISABLE"} TRIGGER {trigger}')


def pgid(model, name: str) -> str:
    return next(trigger.get_pgid(m) for m, trigger in pgtrigger.registered() if m is model and trigger.name == name)


class Subject:
    """The model whose saves are timed, how a pool of its rows is made, and the one field each save changes
    (in Python, and as SQL for the database side)."""

    def __init__(self, model, column: str, sql_value: str, make, change) -> None:
        self.model, self.column, self.sql_value, self.make, self.change = model, column, sql_value, make, change
        self.capture_trigger = pgid(model, CAPTURE)
        self.seal_trigger = pgid(model.history.model, SEAL)


_first: dict[str, object] = {}


def _submissions(count: int, start: int = 1) -> list:
    """Rounds `start`.. of one action's submission: the first one made once, the others beside it."""
    if "submission" not in _first:
        _first["submission"] = factories.SubmissionFactory()
    first = _first["submission"]
    return [
        first
        if number == 1
        else factories.SubmissionFactory(action=first.action, division=first.division, round=number)
        for number in range(start, start + count)
    ]


def _change_progress(submission, number: int, pool_size: int) -> None:
    # A new value on every pass over the pool: an update that changes nothing writes no history.
    submission.progress = (number // pool_size) % 100
    submission.save(update_fields=["progress"])


def _users(count: int, start: int = 1) -> list:
    if "agency" not in _first:
        _first["agency"] = factories.AgencyFactory()
    agency = _first["agency"]
    # An unusable password: hashing a real one costs far more than everything measured here.
    return [
        factories.UserFactory(agency=agency, email=f"bench{n}@example.go.th", password="!")
        for n in range(start, start + count)
    ]


def _change_position(user, number: int, pool_size: int) -> None:
    user.position = f"position {(number // pool_size) % 100}"
    user.save(update_fields=["position"])


SUBJECTS = {
    "submission": lambda: Subject(Submission, "progress", "i % 100", _submissions, _change_progress),
    "user": lambda: Subject(User, "position", "'position ' || (i % 100)", _users, _change_position),
}
acting = {"context": contextlib.nullcontext()}


def history_on(subject: Subject, enabled: bool) -> None:
    """The whole history write path on or off: the capture trigger, and the acting context it is sent."""
    set_trigger(subject.model._meta.db_table, subject.capture_trigger, enabled)
    acting["context"] = context.acting(by=None, reason="benchmark") if enabled else context.without()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=300, help="saves per kind and round")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--model", choices=sorted(SUBJECTS), default="submission")
    args = parser.parse_args()
    subject = SUBJECTS[args.model]()
    history_table = subject.model.history.model._meta.db_table
    history_rows_before = subject.model.history.count()
    kinds = {
        "plain": lambda: history_on(subject, False),
        "history only": lambda: (history_on(subject, True), set_trigger(history_table, subject.seal_trigger, False)),
        "history + seal": lambda: (history_on(subject, True), set_trigger(history_table, subject.seal_trigger, True)),
    }
    times: dict[str, list[float]] = {name: [] for name in kinds}
    history_rows_written = 0
    in_database: dict[str, list[float]] = {}
    sent_in_ten = 0
    try:
        with roles.as_owner(connection), context.command("bench seal_cost"), transaction.atomic():
            # Each save touches the next row of a pool: saving one row thousands of times in one
            # transaction leaves a chain of row versions that every later UPDATE walks, so the
            # UPDATE, not the history, would dominate the figures.
            pool = subject.make(args.saves)
            counter = iter(range(10**9))

            def save() -> None:
                number = next(counter)
                subject.change(pool[number % len(pool)], number, len(pool))

            for prepare in kinds.values():  # warm up caches, plans and the chain head
                prepare()
                with acting["context"]:
                    timed(save, args.saves)
            names = list(kinds)
            for number in range(args.rounds):
                # Each round starts with a different kind, so that no kind always runs first or last.
                for name in names[number % 3 :] + names[: number % 3]:
                    kinds[name]()
                    with acting["context"]:
                        times[name].append(timed(save, args.saves))
            # A service's transaction of 10 saves by one person for one reason.
            sent: list[str] = []

            def count_contexts(execute, sql, params, many, call_context):
                sent.append(sql)
                return execute(sql, params, many, call_context)

            with connection.execute_wrapper(count_contexts), transaction.atomic():
                with context.acting(by=None, reason="ten saves"):
                    for _ in range(10):
                        save()
            # The backend's own wrapper runs first: what reaches ours already carries the context in front.
            sent_in_ten = sum(sql.count(f"set_config('{SETTING}'") for sql in sent)
            history_rows_written = subject.model.history.count() - history_rows_before
            # Fresh rows for the database side, for the same reason as the pool.
            fresh = subject.make(args.saves, start=args.saves + 1)
            in_database = database_side(subject, [row.pk for row in fresh])
            raise Rollback
    except Rollback:
        pass
    # One row per pool row created, and one per save of the two historised kinds, warm-up included.
    expected = args.saves + (args.rounds + 1) * 2 * args.saves
    print(
        f"{subject.model.__name__} saves, {args.rounds} rounds x {args.saves} saves each "
        f"(history rows written: {history_rows_written}, expected {expected}):"
    )
    ratios = {
        name: [value / plain for value, plain in zip(values, times["plain"], strict=True)]
        for name, values in times.items()
    }
    for name, values in times.items():
        print(
            f"  {name:<15} {statistics.median(values) * 1e6:8.1f} µs a save   "
            f"{statistics.median(ratios[name]):4.2f}x plain "
            f"(rounds from {min(ratios[name]):4.2f}x to {max(ratios[name]):4.2f}x)"
        )
    sealed = statistics.median(ratios["history + seal"])
    print(f"historised, sealed save = {sealed:.2f}x a plain save (target <= 1.50x)")
    print(f"a transaction of 10 saves by one person for one reason sent the context {sent_in_ten} time(s) (target 1)")
    base = statistics.median(in_database["plain UPDATE"])
    print(f"database side, {args.saves} UPDATEs a loop in a server-side loop (no Python, no round trips):")
    for name, values in in_database.items():
        median = statistics.median(values)
        print(f"  {name:<23} {median * 1e6:6.1f} µs a row ({median / base:.2f}x)")


def database_side(subject: Subject, ids: list[int]) -> dict[str, list[float]]:
    """The triggers' own cost, without Python or network: UPDATEs of the pool in a server-side loop,
    each row once a loop (a row updated over and over in one transaction gets slower to update)."""
    count = len(ids)
    table = subject.model._meta.db_table
    history_table = subject.model.history.model._meta.db_table
    loop = f"""
        DO $$ DECLARE ids bigint[] := ARRAY{ids}; BEGIN FOR i IN 1..{count} LOOP
          UPDATE "{table}" SET {subject.column} = {subject.sql_value} WHERE id = ids[1 + i % {len(ids)}];
        END LOOP; END $$"""
    kinds = {
        "plain UPDATE": (False, False),
        "+ history row": (True, False),
        "+ history row and seal": (True, True),
    }
    timings: dict[str, list[float]] = {name: [] for name in kinds}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT set_config('{SETTING}', %s, true)", ['{"t": "benchmark"}'])
        for _ in range(5):
            for name, (history, seal) in kinds.items():
                set_trigger(table, subject.capture_trigger, history)
                set_trigger(history_table, subject.seal_trigger, seal)
                start = time.perf_counter()
                cursor.execute(loop)
                timings[name].append((time.perf_counter() - start) / count)
    return timings


if __name__ == "__main__":
    main()
