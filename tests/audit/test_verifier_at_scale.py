"""The chain verifier at a province's scale: its queries do not grow with the number of agencies (they are per
batch of rows and per table, never per chain × table), and one agency's verification reads that agency's rows."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from viewflow.workflow.models import Task

from audit import seal
from audit.models import Seal
from tests import factories
from workflows.models import ActionProcess

pytestmark = pytest.mark.django_db

FLOW_REF = "workflows/flows.ActionFlow"


def _agency_with_history(slug: str):
    agency = factories.AgencyFactory(slug=slug)
    factories.SubmissionFactory(agency=agency, action__indicator__measure__plan__agency=agency)
    return agency


def _agency_with_a_process(slug: str):
    """An agency with history in its own tables and in viewflow's (a process and a task, each saved twice)."""
    agency = factories.AgencyFactory(slug=slug)
    action = factories.SubmissionFactory(agency=agency, action__indicator__measure__plan__agency=agency).action
    process = ActionProcess.objects.create(flow_class=FLOW_REF, artifact=action, action=action)
    task = Task.objects.create(process=process, flow_task=f"{FLOW_REF}.review", flow_task_type="HUMAN")
    process.status, task.status = "DONE", "DONE"
    process.save()
    task.save()
    return agency


# Rows read in this transaction: by sequential scans and through indexes, of every table.
ROWS_READ = "SELECT coalesce(sum(seq_tup_read + coalesce(idx_tup_fetch, 0)), 0) FROM pg_stat_xact_user_tables"


def _rows_read_verifying(chain: int) -> int:
    with connection.cursor() as cursor:
        # As at a province's size, where PostgreSQL reads a table by its index when a query names one agency;
        # a sequential scan of these tiny tables would read every agency's rows whatever the query says.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(ROWS_READ)
        before = cursor.fetchone()[0]
        report = seal.verify(chain=chain)
        cursor.execute(ROWS_READ)
        read = cursor.fetchone()[0] - before
    assert report.issues == []
    return read


def _verified(**kwargs) -> tuple[seal.Report, list[dict]]:
    with CaptureQueriesContext(connection) as queries:
        report = seal.verify(**kwargs)
    return report, queries.captured_queries


def test_verifying_every_chain_takes_as_many_queries_for_four_agencies_as_for_one(agency):
    factories.SubmissionFactory(agency=agency, action__indicator__measure__plan__agency=agency)
    _report, one = _verified()
    for number in range(3):
        _agency_with_history(f"more-{number}")

    report, four = _verified()

    assert report.issues == []
    assert report.rows_checked == Seal.objects.count()
    assert len(four) == len(one)


def test_verifying_one_agency_takes_as_many_queries_among_four_agencies_as_alone(agency):
    factories.SubmissionFactory(agency=agency, action__indicator__measure__plan__agency=agency)
    _report, alone = _verified(chain=agency.pk)
    for number in range(3):
        _agency_with_history(f"more-{number}")

    report, among_others = _verified(chain=agency.pk)

    assert report.issues == []
    assert report.rows_checked == Seal.objects.filter(chain=agency.pk).count()
    assert len(among_others) == len(alone)


def test_verifying_one_agency_asks_for_its_rows_only(agency):
    factories.SubmissionFactory(agency=agency, action__indicator__measure__plan__agency=agency)
    other = _agency_with_history("other")

    _report, queries = _verified(chain=agency.pk)

    # Every query over seals or history names this agency's chain, and none names the other agency's. The ledger of
    # sealed redactions (erasures of a person, a handful for the whole installation) is read whole.
    reading_rows = [
        q["sql"] for q in queries if re.search(r"\baudit_seal\b|_historical", q["sql"]) and "redaction" not in q["sql"]
    ]
    assert reading_rows
    assert all(f"= {agency.pk}" in sql or "history_id = ANY" in sql for sql in reading_rows)
    assert not any(f"= {other.pk}" in sql for sql in reading_rows)


def test_a_small_batch_still_verifies_every_chain_end_to_end(agency):
    factories.SubmissionFactory(agency=agency, action__indicator__measure__plan__agency=agency)
    _agency_with_history("other")

    report = seal.verify(batch=3)

    assert report.issues == []
    assert report.rows_checked == Seal.objects.count()
    assert report.chains[agency.pk][0] == Seal.objects.filter(chain=agency.pk).count()


def test_verifying_one_agency_reads_as_many_rows_among_four_agencies_as_alone():
    agency = _agency_with_a_process("alone")
    alone = _rows_read_verifying(agency.pk)
    for number in range(3):
        _agency_with_a_process(f"more-{number}")

    among_others = _rows_read_verifying(agency.pk)

    assert among_others == alone


def _rows_read_verifying_as_loaded(chain: int) -> int:
    """Rows read by one agency's check on tables PostgreSQL has no statistics of yet (as right after an agency
    is loaded or onboarded, before autovacuum analyses them; a test's tables never are)."""
    with connection.cursor() as cursor:
        cursor.execute(ROWS_READ)
        before = cursor.fetchone()[0]
        report = seal.verify(chain=chain)
        cursor.execute(ROWS_READ)
        read = cursor.fetchone()[0] - before
    assert report.issues == []
    return read


def test_one_agencys_check_right_after_loading_reads_each_row_a_bounded_number_of_times(agency):
    # With estimates of one row, the check once re-ran the branch of every table for each seal of the batch:
    # rows read grew with the square of the agency's history (a minute for the sample year's 2,000 seals).
    plan = factories.PlanFactory(agency=agency)
    for _ in range(40):
        factories.SubmissionFactory(agency=agency, action__indicator__measure__plan=plan)
    seals = Seal.objects.filter(chain=agency.pk).count()

    read = _rows_read_verifying_as_loaded(agency.pk)

    assert seals > 200
    assert read <= 15 * seals, f"{read} rows read for {seals} seals"
