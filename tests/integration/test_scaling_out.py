"""Past one machine (docs/scaling.md): dashboards and the chain verifier read from a replica when one is
configured, every write goes to the primary, and a pooled connection carries only its own transaction's acting
context. The replica is a second database alias on the test database itself; the pool is psycopg's, through
Django's `OPTIONS["pool"]`. Transactional: each alias is a connection of its own and sees only what is committed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from approvals.models import Agency, Division
from approvals.services import save_with_history
from audit import context, seal
from config.routers import REPLICA, reading_alias, reading_from_replica

pytestmark = pytest.mark.django_db(transaction=True)


def _extra_alias(alias: str, **changes: object) -> BaseDatabaseWrapper:
    """A second alias on the test database. Connected here, directly: the test case only lets the aliases it knew
    at its start open a connection on demand."""
    connections.settings[alias] = {**connections["default"].settings_dict, **changes}
    wrapper = connections[alias]
    wrapper.connect()
    return wrapper


def _drop_alias(alias: str) -> None:
    connections[alias].close()
    del connections.settings[alias]
    if hasattr(connections._connections, alias):
        delattr(connections._connections, alias)


@pytest.fixture
def replica() -> Iterator[BaseDatabaseWrapper]:
    yield _extra_alias(REPLICA)
    _drop_alias(REPLICA)


def test_reads_in_a_replica_block_go_to_the_replica_and_writes_to_the_primary(replica, agency):
    with CaptureQueriesContext(replica) as on_replica, CaptureQueriesContext(connection) as on_primary:
        with reading_from_replica():
            names = list(Agency.objects.values_list("name", flat=True))
            save_with_history(
                Division(agency=agency, name="กองใหม่", sort_order=9), by=None, reason=context.typed("ทดสอบ")
            )

    assert names == [agency.name]
    assert any("approvals_agency" in q["sql"] for q in on_replica.captured_queries)
    assert not any("INSERT" in q["sql"] for q in on_replica.captured_queries)
    assert any("INSERT" in q["sql"] and "approvals_division" in q["sql"] for q in on_primary.captured_queries)


def test_the_verifier_reads_only_from_the_replica(replica, agency):
    save_with_history(Division(agency=agency, name="กองใหม่", sort_order=9), by=None, reason=context.typed("ทดสอบ"))

    with CaptureQueriesContext(replica) as on_replica, CaptureQueriesContext(connection) as on_primary:
        report = seal.verify(chain=agency.pk)

    assert report.issues == [] and report.rows_checked > 0
    assert on_replica.captured_queries and not on_primary.captured_queries


def test_the_executive_dashboard_reads_its_figures_from_the_replica(replica, client, mayor):
    client.force_login(mayor, backend="django.contrib.auth.backends.ModelBackend")

    with CaptureQueriesContext(replica) as on_replica:
        response = client.get(reverse("reports:dashboard"))

    assert response.status_code == 200
    assert any("approvals_plan" in q["sql"] for q in on_replica.captured_queries)


def test_without_a_replica_every_read_goes_to_the_primary(agency):
    with reading_from_replica():
        assert Agency.objects.all().db == "default"
    assert reading_alias() == "default"


def test_a_pooled_connection_carries_only_its_own_transactions_acting_context(agency, staff_member):
    options = {**connections["default"].settings_dict["OPTIONS"], "pool": {"min_size": 1, "max_size": 1}}
    pooled = _extra_alias("pooled", CONN_MAX_AGE=0, OPTIONS=options)
    try:
        with context.acting(by=staff_member, reason=context.typed("เพิ่มกอง")), transaction.atomic(using="pooled"):
            division = Division(agency=agency, name="กองจากสระ", sort_order=9)
            division.save(using="pooled")
            first_backend = _backend(pooled)
        pooled.close()  # back to the pool, not closed

        pooled.connect()  # from the pool: its one connection
        with pooled.cursor() as cursor:
            cursor.execute("SELECT coalesce(current_setting('khunatham.context', true), '')")
            left_over = cursor.fetchone()[0]
        assert _backend(pooled) == first_backend  # the same server connection, reused
        assert left_over == ""  # the acting context ended with its transaction
        assert Division.history.get(id=division.pk).history_user_id == staff_member.pk
    finally:
        pooled.close_pool()
        _drop_alias("pooled")


def _backend(wrapper: BaseDatabaseWrapper) -> int:
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]
