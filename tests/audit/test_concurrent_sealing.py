"""Concurrent writers on two real database connections never fork an agency's chain: the seal
trigger serialises appends with an advisory lock held until the writing transaction ends."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections, transaction

from approvals.models import Division
from approvals.services import save_with_history
from audit import seal
from audit.models import Seal
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def _in_thread(target, errors: list) -> threading.Thread:
    def run():
        try:
            target()
        except Exception as exc:  # reported by the test below
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _someone_waits_for_an_advisory_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        return cursor.fetchone()[0] > 0


def test_a_second_writer_waits_for_the_first_and_both_join_one_unbroken_chain():
    agency = factories.AgencyFactory()
    first, second = factories.DivisionFactory(agency=agency), factories.DivisionFactory(agency=agency)
    first_holds_lock, errors = threading.Event(), []
    waited = []

    def first_writer():
        with transaction.atomic():
            first.name = "กองแรก"
            save_with_history(first, by=None, reason="first writer")  # takes the chain's lock
            first_holds_lock.set()
            deadline = time.monotonic() + 20
            while not _someone_waits_for_an_advisory_lock():
                assert time.monotonic() < deadline, "the second writer never queued behind the first"
            waited.append(True)
            first.sort_order += 1  # an update that changes nothing writes no history row
            save_with_history(first, by=None, reason="first writer, again")

    def second_writer():
        assert first_holds_lock.wait(20)
        with transaction.atomic():
            second.name = "กองที่สอง"
            save_with_history(second, by=None, reason="second writer")

    threads = [_in_thread(first_writer, errors), _in_thread(second_writer, errors)]
    for thread in threads:
        thread.join(60)

    assert errors == []
    assert waited == [True]
    # The newest three links of the chain, oldest first: the second writer's row comes last, although
    # its history row was numbered before the first writer's second row (it waited inside the trigger).
    newest = list(Seal.objects.filter(chain=agency.pk).order_by("-seq").values_list("history_id", flat=True)[:3])
    reasons = dict(
        Division.history.filter(history_id__in=newest).values_list("history_id", "history_change_reason")
    )  # typed
    assert [reasons[history_id] for history_id in reversed(newest)] == [
        "first writer",
        "first writer, again",
        "second writer",
    ]
    assert seal.verify(chain=agency.pk).issues == []


def test_many_concurrent_writers_leave_a_gapless_chain_that_verifies():
    agency = factories.AgencyFactory()
    divisions = [factories.DivisionFactory(agency=agency) for _ in range(2)]
    errors: list = []

    def writer(division):
        def run():
            for round_number in range(25):
                with transaction.atomic():
                    division.sort_order = round_number
                    save_with_history(division, by=None, reason="concurrent", update_fields=["sort_order"])

        return run

    threads = [_in_thread(writer(division), errors) for division in divisions]
    for thread in threads:
        thread.join(120)

    seqs = list(Seal.objects.filter(chain=agency.pk).order_by("seq").values_list("seq", flat=True))
    assert errors == []
    assert seqs == list(range(1, len(seqs) + 1))
    assert seal.verify(chain=agency.pk).issues == []
