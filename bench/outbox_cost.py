"""What the transactional outbox adds to a submission, as a ratio to the same submission without it.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/khunatham REDIS_URL=redis://127.0.0.1:6379/3 \\
    SECRET_KEY=bench python bench/outbox_cost.py [--rounds 300]

It builds a throwaway database (test_<name>, dropped at the end) and times, in the same run and
interleaved, three versions of one submission (a Submission row and the Action's status, both with
history, and the `review_requested` event):
- without the outbox (the notification receivers disconnected): the baseline;
- with the outbox row written in the transaction, publication left to the sweep;
- with the outbox row and its publication to the broker after commit (what a user waits for).
With REDIS_URL the broker is Redis (tasks go to a queue of the benchmark's own, deleted at the end);
without it the publication runs the delivery in-process, as the embedded default does.
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

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

BENCH_QUEUE = "bench-outbox-cost"


def build(rounds: int):
    from approvals.models import Role
    from tests import factories

    agency = factories.AgencyFactory(name="อบต.ทดสอบความเร็ว", slug="bench")
    division = factories.DivisionFactory(agency=agency, name="สำนักปลัด")
    staff = factories.UserFactory(username="bench-staff", agency=agency, password="x")
    factories.RoleAssignmentFactory(user=staff, agency=agency, role=Role.STAFF, division=division)
    chief = factories.UserFactory(username="bench-chief", agency=agency, password="x")
    factories.RoleAssignmentFactory(user=chief, agency=agency, role=Role.CHIEF_ADMINISTRATOR)
    indicator = factories.IndicatorFactory(measure__plan__agency=agency)
    actions = [factories.ActionFactory(indicator=indicator, responsible=[division]) for _ in range(rounds * 3)]
    return division, staff, actions


def submit(action, division, staff) -> None:
    """The submission a division makes, as the workflow service does it."""
    from approvals import signals
    from approvals.models import Action, Submission
    from approvals.services import save_with_history

    with transaction.atomic():
        submission = Submission(
            agency_id=action.agency_id,
            action=action,
            division=division,
            status=Submission.Status.SUBMITTED,
            results="จัดประชุมชี้แจง",
            progress=100,
            submitted_by=staff,
            submitted_at=timezone.now(),
        )
        save_with_history(submission, by=staff, reason="submitted")
        action.status = Action.Status.AWAITING_REVIEW
        save_with_history(action, by=staff, reason="submitted", update_fields=["status"])
        signals.review_requested.send(sender=Submission, action=action, by=staff, round=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=300)
    args = parser.parse_args()

    from config.celery import app
    from notifications import outbox, receivers
    from notifications.models import OutboxMessage

    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    app.conf.task_default_queue = BENCH_QUEUE
    real_flush = outbox._flush_robustly
    try:
        division, staff, actions = build(args.rounds)
        chief_actions = iter(actions)
        timings: dict[str, list[float]] = {"without outbox": [], "outbox row only": [], "outbox and publish": []}

        def timed(label: str) -> None:
            action = next(chief_actions)
            start = time.perf_counter()
            submit(action, division, staff)
            timings[label].append(time.perf_counter() - start)

        # Interleave the variants so that drift (caches, autovacuum) hits all of them alike.
        for _ in range(args.rounds):
            receivers.disconnect()
            timed("without outbox")
            receivers.connect()
            outbox._flush_robustly = lambda: None
            timed("outbox row only")
            outbox._flush_robustly = real_flush
            # Outside the timing: so that the next publication only publishes its own row.
            OutboxMessage.objects.unsent().update(published_at=timezone.now())
            timed("outbox and publish")
    finally:
        outbox._flush_robustly = real_flush
        receivers.connect()
        connection.creation.destroy_test_db(old_name, verbosity=0)
        if settings.REDIS_URL:
            import redis

            client = redis.Redis.from_url(settings.REDIS_URL)
            client.delete(BENCH_QUEUE, f"_kombu.binding.{BENCH_QUEUE}")

    broker = "Redis" if settings.REDIS_URL else "in-process (no REDIS_URL: delivery runs in the request)"
    baseline = statistics.median(timings["without outbox"])
    print(f"Submission cost with and without the outbox, {args.rounds} rounds, {connection.vendor}, broker {broker}")
    for label, values in timings.items():
        median = statistics.median(values)
        print(f"  {label:<20} median {median * 1000:7.2f} ms   ratio {median / baseline:5.2f}")


if __name__ == "__main__":
    main()
