"""viewflow's Process and Task are historised and sealed, also when a flow saves a proxy subclass."""

from __future__ import annotations

import pytest
from viewflow import jsonstore
from viewflow.workflow.models import Process, Task

from audit import seal
from audit.models import Seal
from tests import factories
from workflows.models import ActionProcess

pytestmark = pytest.mark.django_db

FLOW_REF = "workflows/flows.ActionFlow"


class NoteProcess(Process):
    """What a flow's process class looks like: a proxy with jsonstore fields kept in `data`."""

    note = jsonstore.CharField(max_length=100, blank=True)

    class Meta:
        proxy = True
        app_label = "audit"


@pytest.fixture
def action(agency):
    return factories.ActionFactory(agency=agency, indicator__measure__plan__agency=agency)


def test_a_process_saved_through_a_flows_proxy_class_is_historised(action):
    process = NoteProcess(flow_class=FLOW_REF, artifact=action, note="รอบที่ 1")

    process.save()

    row = Process.history.get(id=process.pk)
    assert row.data == {"note": "รอบที่ 1"}
    assert (row.agency_id, row.action_id) == (action.agency_id, action.pk)


def test_each_save_of_a_proxy_process_adds_a_history_row(action):
    process = NoteProcess(flow_class=FLOW_REF, artifact=action)
    process.save()

    process.status = "DONE"
    process.save()

    assert list(Process.history.filter(id=process.pk).values_list("status", flat=True)) == ["DONE", "NEW"]


def test_a_task_is_historised_with_the_action_of_its_process(action):
    process = NoteProcess.objects.create(flow_class=FLOW_REF, artifact=action)

    task = Task.objects.create(process=process, flow_task=f"{FLOW_REF}.review", flow_task_type="HUMAN")

    row = Task.history.get(id=task.pk)
    assert (row.agency_id, row.action_id, row.process_id) == (action.agency_id, action.pk, process.pk)


def test_workflow_history_is_sealed_into_the_agencys_chain(action):
    process = NoteProcess.objects.create(flow_class=FLOW_REF, artifact=action)

    row = Process.history.get(id=process.pk)

    sealed = Seal.objects.get(history_id=row.history_id, layout__table_name=row._meta.db_table)
    assert (sealed.chain, sealed.action_id) == (action.agency_id, action.pk)
    assert seal.verify(chain=action.agency_id).issues == []


def test_a_process_naming_its_action_in_its_data_is_linked_to_it(action):
    process = Process.objects.create(flow_class=FLOW_REF, data={"action_id": action.pk})

    row = Process.history.get(id=process.pk)

    assert (row.agency_id, row.action_id) == (action.agency_id, action.pk)


def test_the_workflows_action_process_with_its_own_table_is_historised_with_its_action(action):
    process = ActionProcess.objects.create(flow_class=FLOW_REF, action=action)

    process.status = "DONE"
    process.save()

    rows = Process.history.filter(id=process.pk).order_by("history_id")
    assert [(row.status, row.agency_id, row.action_id) for row in rows] == [
        ("NEW", action.agency_id, action.pk),
        ("DONE", action.agency_id, action.pk),
    ]


def test_the_global_chain_does_not_claim_an_agencys_workflow_records(action):
    """viewflow's tables carry no agency column: their records are in the chain of their history rows, so the
    check of shared records (the global chain) beside an agency's finds nothing missing."""
    process = NoteProcess.objects.create(flow_class=FLOW_REF, artifact=action)
    Task.objects.create(process=process, flow_task=f"{FLOW_REF}.review", flow_task_type="HUMAN")

    assert seal.verify(chain=seal.GLOBAL_CHAIN).issues == []
    assert seal.verify(chain=action.agency_id).issues == []


@pytest.mark.django_db(transaction=True)
def test_a_workflow_record_changed_without_history_is_found_by_its_agencys_check(agency, owner_connection):
    action = factories.ActionFactory(agency=agency, indicator__measure__plan__agency=agency)
    process = NoteProcess.objects.create(flow_class=FLOW_REF, artifact=action)

    with owner_connection.transaction():
        owner_connection.execute("ALTER TABLE viewflow_process DISABLE TRIGGER USER")
        owner_connection.execute("UPDATE viewflow_process SET status = 'CANCELED' WHERE id = %s", [process.pk])
        owner_connection.execute("ALTER TABLE viewflow_process ENABLE TRIGGER USER")

    found = seal.verify(chain=agency.pk).issues
    assert [(issue.kind, issue.table, issue.detail) for issue in found] == [
        ("unrecorded_change", "viewflow_process", f"id={process.pk}")
    ]
    assert seal.verify(chain=seal.GLOBAL_CHAIN).issues == []
