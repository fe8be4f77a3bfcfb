"""The hash chain over history rows: sealing, verification, tampering found and pinpointed."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from approvals.models import Action, FiscalYear, Submission
from approvals.services import save_with_history
from audit import seal
from audit.models import Anchor, Seal
from tests import factories

pytestmark = pytest.mark.django_db


def _issues(report, kind):
    return [(issue.table, issue.history_id) for issue in report.issues if issue.kind == kind]


def test_every_history_row_is_sealed_into_its_agencys_chain(agency):
    submission = factories.SubmissionFactory(agency=agency, action__indicator__measure__plan__agency=agency)

    row = submission.history.latest()
    sealed = Seal.objects.get(history_id=row.history_id, layout__table_name=row._meta.db_table)

    assert sealed.chain == agency.pk
    assert sealed.action_id == submission.action_id
    assert sealed.division_id == submission.division_id


def test_fiscal_years_go_into_the_global_chain(db):
    year = save_with_history(FiscalYear(year=2570), by=None, reason="test")

    row = year.history.latest()

    assert Seal.objects.get(history_id=row.history_id, layout__table_name=row._meta.db_table).chain == 0


def test_a_chain_numbers_its_seals_without_gaps(agency):
    factories.SubmissionFactory(agency=agency, action__indicator__measure__plan__agency=agency)

    seqs = list(Seal.objects.filter(chain=agency.pk).order_by("seq").values_list("seq", flat=True))

    assert seqs == list(range(1, len(seqs) + 1))


def test_an_untouched_history_verifies(agency):
    factories.SubmissionFactory(agency=agency, action__indicator__measure__plan__agency=agency)

    report = seal.verify()

    assert report.issues == []
    assert report.rows_checked == Seal.objects.count()


def test_an_update_of_a_history_row_outside_the_app_is_found_and_pinpointed(agency, attacker):
    action = factories.ActionFactory(agency=agency, indicator__measure__plan__agency=agency)
    row = action.history.latest()

    attacker.run_as_replica(
        "UPDATE approvals_historicalaction SET text = 'แก้ไขย้อนหลัง' WHERE history_id = %s", [row.history_id]
    )

    assert _issues(seal.verify(), "changed") == [("approvals_historicalaction", row.history_id)]


def test_a_delete_of_a_history_row_outside_the_app_is_found_and_pinpointed(agency, attacker):
    action = factories.ActionFactory(agency=agency, indicator__measure__plan__agency=agency)
    row = action.history.latest()

    attacker.run_with_triggers_disabled(
        "approvals_historicalaction", "DELETE FROM approvals_historicalaction WHERE history_id = %s", [row.history_id]
    )

    assert _issues(seal.verify(), "deleted") == [("approvals_historicalaction", row.history_id)]


def test_an_insert_of_a_history_row_outside_the_app_is_found_and_pinpointed(agency, attacker):
    action = factories.ActionFactory(agency=agency, indicator__measure__plan__agency=agency)
    with connection.cursor() as cursor:
        cursor.execute("SELECT max(history_id) FROM approvals_historicalaction")
        forged_id = cursor.fetchone()[0] + 100

    attacker.run_as_replica(
        "INSERT INTO approvals_historicalaction (history_id, id, agency_id, indicator_id, number, position, text, "
        "all_divisions, status, current_round, reported_results, reported_outcome, history_date, history_type) "
        "SELECT %s, id, agency_id, indicator_id, number, position, text, all_divisions, 'done', current_round, "
        "reported_results, reported_outcome, now(), '~' FROM approvals_action WHERE id = %s",
        [forged_id, action.pk],
    )

    assert _issues(seal.verify(), "inserted") == [("approvals_historicalaction", forged_id)]


def test_the_database_refuses_to_update_a_history_row(agency):
    action = factories.ActionFactory(agency=agency, indicator__measure__plan__agency=agency)

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE approvals_historicalaction SET text = 'x' WHERE history_id = %s", [action.history.latest().pk]
        )


def test_the_database_refuses_to_delete_a_history_row(agency):
    action = factories.ActionFactory(agency=agency, indicator__measure__plan__agency=agency)

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM approvals_historicalaction WHERE history_id = %s", [action.history.latest().pk])


@pytest.mark.parametrize("statement", ["UPDATE audit_seal SET seq = seq + 1", "DELETE FROM audit_seal"])
def test_the_database_refuses_to_change_the_seals(agency, statement):
    factories.ActionFactory(agency=agency, indicator__measure__plan__agency=agency)

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)


def test_cutting_off_the_tail_is_found_against_the_anchor(agency, attacker):
    action = factories.ActionFactory(agency=agency, indicator__measure__plan__agency=agency)
    seal.anchor_chains()
    head = Anchor.objects.get(chain=agency.pk)
    last = Seal.objects.get(chain=agency.pk, seq=head.seq)

    # The attacker removes the newest history row together with its seal: the chain itself stays whole.
    attacker.run_as_replica("DELETE FROM audit_seal WHERE chain = %s AND seq = %s", [agency.pk, head.seq])
    attacker.run_as_replica(f'DELETE FROM "{last.layout.table_name}" WHERE history_id = %s', [last.history_id])
    report = seal.verify(chain=agency.pk)

    # Found twice: against the anchor, and because the record is left without the history row that described it.
    assert [(issue.kind, issue.seq) for issue in report.issues] == [
        ("truncated", head.seq),
        ("unrecorded_change", None),
    ]
    assert report.issues[1].detail == f"id={action.pk}"


def test_a_rewritten_tail_is_found_against_the_anchor(agency, attacker):
    factories.ActionFactory(agency=agency, indicator__measure__plan__agency=agency)
    seal.anchor_chains()
    head = Anchor.objects.get(chain=agency.pk)

    attacker.run_as_replica(
        "UPDATE audit_seal SET seal = sha256(seal) WHERE chain = %s AND seq = %s", [agency.pk, head.seq]
    )
    report = seal.verify(chain=agency.pk)

    assert ("anchor_mismatch", head.seq) in [(issue.kind, issue.seq) for issue in report.issues]


def test_anchoring_twice_without_changes_writes_one_anchor(agency):
    factories.ActionFactory(agency=agency, indicator__measure__plan__agency=agency)

    seal.anchor_chains()
    seal.anchor_chains()

    assert Anchor.objects.filter(chain=agency.pk).count() == 1


def test_anchors_are_also_appended_to_the_anchor_file(agency, settings, tmp_path):
    settings.AUDIT_ANCHOR_FILE = str(tmp_path / "anchors.jsonl")
    factories.ActionFactory(agency=agency, indicator__measure__plan__agency=agency)

    seal.anchor_chains()

    head = Seal.objects.filter(chain=agency.pk).order_by("-seq").first()
    assert (agency.pk, head.seq, bytes(head.seal)) in seal.read_anchor_file(settings.AUDIT_ANCHOR_FILE)


def test_the_anchor_file_catches_a_tail_cut_when_the_anchor_table_was_emptied_too(agency, settings, tmp_path, attacker):
    settings.AUDIT_ANCHOR_FILE = str(tmp_path / "anchors.jsonl")
    factories.ActionFactory(agency=agency, indicator__measure__plan__agency=agency)
    seal.anchor_chains()
    head = Seal.objects.filter(chain=agency.pk).order_by("-seq").first()

    attacker.run_as_replica("DELETE FROM audit_anchor")
    attacker.run_as_replica("DELETE FROM audit_seal WHERE chain = %s AND seq = %s", [agency.pk, head.seq])
    attacker.run_as_replica(f'DELETE FROM "{head.layout.table_name}" WHERE history_id = %s', [head.history_id])

    assert [issue.kind for issue in seal.verify(chain=agency.pk).issues] == ["truncated", "unrecorded_change"]


def test_audit_verify_names_the_changed_row_and_exits_non_zero(agency, attacker, capsys):
    action = factories.ActionFactory(agency=agency, indicator__measure__plan__agency=agency)
    row = action.history.latest()
    attacker.run_as_replica(
        "UPDATE approvals_historicalaction SET status = 'done' WHERE history_id = %s", [row.history_id]
    )

    with pytest.raises(CommandError):
        call_command("audit_verify", "--agency", str(agency.pk))

    assert f"approvals_historicalaction history_id={row.history_id}" in capsys.readouterr().out


def test_audit_verify_reports_a_clean_history_and_exits_zero(agency, capsys):
    factories.ActionFactory(agency=agency, indicator__measure__plan__agency=agency)

    call_command("audit_verify")

    assert "no tampering found" in capsys.readouterr().out


def test_audit_verify_of_one_agency_ignores_another_agencys_tampering(agency, outsider_agency_user, attacker):
    factories.ActionFactory(agency=agency, indicator__measure__plan__agency=agency)
    other_row = outsider_agency_user.history.latest()
    attacker.run_as_replica(
        "UPDATE approvals_historicaluser SET first_name = 'x' WHERE history_id = %s", [other_row.history_id]
    )

    call_command("audit_verify", "--agency", str(agency.pk))

    assert _issues(seal.verify(chain=outsider_agency_user.agency_id), "changed") == [
        ("approvals_historicaluser", other_row.history_id)
    ]


def test_a_seal_changed_outside_the_app_is_found(agency, attacker):
    factories.ActionFactory(agency=agency, indicator__measure__plan__agency=agency)
    attacker.run_as_replica("UPDATE audit_seal SET seal = sha256(seal) WHERE chain = %s AND seq = 2", [agency.pk])

    report = seal.verify(chain=agency.pk)

    assert 2 in [issue.seq for issue in report.issues if issue.kind == "changed"]


def test_seals_missing_from_the_middle_of_a_chain_are_found(agency, attacker):
    factories.ActionFactory(agency=agency, indicator__measure__plan__agency=agency)
    attacker.run_as_replica("DELETE FROM audit_seal WHERE chain = %s AND seq = 2", [agency.pk])

    report = seal.verify(chain=agency.pk)

    assert "missing_seals" in [issue.kind for issue in report.issues]


def test_python_sealing_writes_the_same_seal_as_the_trigger(agency):
    submission = factories.SubmissionFactory(agency=agency, action__indicator__measure__plan__agency=agency)
    submission.results = 'ผลการดำเนินงาน "ครบถ้วน"\n\tร้อยละ 100 ; name=~;'
    save_with_history(submission, by=None, reason="test")
    row = submission.history.latest()
    stored = Seal.objects.get(history_id=row.history_id, layout__table_name=row._meta.db_table)
    previous = Seal.objects.get(chain=stored.chain, seq=stored.seq - 1)
    columns = seal.columns_from_model(type(row))
    values = seal.fetch_rows(connection, row._meta.db_table, columns, [row.history_id])[row.history_id]

    recomputed = seal.compute_seal(
        bytes(previous.seal), stored.chain, row._meta.db_table, stored.seq, seal.canonical(columns, values)
    )

    assert recomputed == bytes(stored.seal)


def test_rows_sealed_by_python_verify_like_rows_sealed_by_the_trigger(agency, attacker):
    table = Action.history.model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER {seal.SEAL_TRIGGER}')
    action = factories.ActionFactory(agency=agency, indicator__measure__plan__agency=agency)
    unsealed = action.history.latest().history_id

    seal.seal_rows_in_python(connection, table, [unsealed])

    assert seal.verify(chain=agency.pk).issues == []


@pytest.mark.parametrize(
    "value",
    [
        {"b": 1, "aa": [1, 2.5, None, True], "a": {"zz": "ไทย", "y": '"q"\\\n\t\x01'}},
        [1e20, 0.1, -3, 1.0, 1.5e-7],
        "plain",
        {},
        [],
    ],
)
def test_json_is_serialised_the_way_postgresql_prints_jsonb(db, value):
    import json

    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::jsonb::text", [json.dumps(value)])
        printed = cursor.fetchone()[0]

    assert seal.jsonb_text(value) == printed


def test_values_read_back_from_sqlite_serialise_like_postgresql_values(db):
    import datetime
    from decimal import Decimal

    columns = [
        seal.Column("a", seal.DATETIME),
        seal.Column("b", seal.DECIMAL, 2),
        seal.Column("c", seal.BOOL),
        seal.Column("d", seal.JSON),
        seal.Column("e", seal.DATE),
    ]
    from_postgresql = {
        "a": datetime.datetime(2026, 1, 2, 3, 4, 5, 60, tzinfo=datetime.UTC),
        "b": Decimal("100.50"),
        "c": True,
        "d": seal.JsonText('{"b": 1, "aa": 2}'),
        "e": datetime.date(2026, 1, 2),
    }
    from_sqlite = {"a": "2026-01-02 03:04:05.000060", "b": 100.5, "c": 1, "d": '{"aa": 2, "b": 1}', "e": "2026-01-02"}

    assert seal.canonical(columns, from_sqlite) == seal.canonical(columns, from_postgresql)


def test_column_layouts_from_the_models_match_the_database(db):
    from_catalog = seal.columns_from_catalog(connection)

    from_models = {table: seal.columns_from_model(model) for table, model in seal.history_models().items()}

    assert from_models == from_catalog


def test_every_history_table_has_the_seal_and_append_only_triggers(db):
    assert seal.tables_missing_triggers() == {}


def test_migrate_puts_the_triggers_back_on_a_history_table_that_lacks_them(agency):
    from audit.apps import install_triggers_after_migrate

    table = Submission.history.model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f'DROP TRIGGER {seal.SEAL_TRIGGER} ON "{table}"')
        cursor.execute(f'DROP TRIGGER {seal.APPEND_ONLY_TRIGGER} ON "{table}"')
    factories.SubmissionFactory(agency=agency, action__indicator__measure__plan__agency=agency)

    install_triggers_after_migrate(sender=None, using="default")

    assert seal.tables_missing_triggers() == {}
    assert seal.verify().issues == []


def test_a_record_changed_with_the_history_writer_switched_off_is_found(agency, attacker):
    action = factories.ActionFactory(agency=agency, indicator__measure__plan__agency=agency)
    last = action.history.latest()

    attacker.run_with_triggers_disabled(
        Action._meta.db_table, "UPDATE approvals_action SET text = 'แก้ไขเงียบ ๆ' WHERE id = %s", [action.pk]
    )

    issues = [(i.kind, i.chain, i.table, i.history_id, i.detail) for i in seal.verify().issues]
    assert issues == [("unrecorded_change", agency.pk, "approvals_action", last.history_id, f"id={action.pk}")]


def test_a_record_deleted_with_the_history_writer_switched_off_is_found(agency, attacker):
    year = save_with_history(FiscalYear(year=2571), by=None, reason="test")

    attacker.run_with_triggers_disabled(
        FiscalYear._meta.db_table, "DELETE FROM approvals_fiscalyear WHERE id = %s", [year.pk]
    )

    issues = [(i.kind, i.chain, i.table, i.detail) for i in seal.verify().issues]
    assert issues == [("unrecorded_delete", 0, "approvals_fiscalyear", f"id={year.pk}")]


def test_audit_verify_names_a_record_changed_without_history(agency, attacker, capsys):
    action = factories.ActionFactory(agency=agency, indicator__measure__plan__agency=agency)
    attacker.run_with_triggers_disabled(
        Action._meta.db_table, "UPDATE approvals_action SET text = 'แก้ไขเงียบ ๆ' WHERE id = %s", [action.pk]
    )

    with pytest.raises(CommandError):
        call_command("audit_verify", "--agency", str(agency.pk))

    assert f"ข้อมูลถูกแก้ไขโดยไม่มีประวัติ / record changed without a history row: chain {agency.pk}" in (
        capsys.readouterr().out
    )


def test_a_record_inserted_with_the_history_writer_switched_off_is_found_in_its_agencys_chain(agency, attacker):
    action = factories.ActionFactory(agency=agency, indicator__measure__plan__agency=agency)
    attacker.run_with_triggers_disabled(
        Action._meta.db_table,
        "INSERT INTO approvals_action (agency_id, indicator_id, number, position, text, all_divisions, status, "
        "current_round, reported_results, reported_outcome) SELECT agency_id, indicator_id, '99', 99, "
        "'แนวทางที่ไม่มีใครเห็น', all_divisions, status, current_round, '', '' FROM approvals_action WHERE id = %s",
        [action.pk],
    )

    issues = [(i.kind, i.chain, i.history_id) for i in seal.verify(chain=agency.pk).issues]
    assert issues == [("unrecorded_change", agency.pk, None)]
