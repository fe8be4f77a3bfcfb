"""The hash chain over history rows: sealing, verification, tampering found and pinpointed."""

from __future__ import annotations

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from approvals.models import Action, FiscalYear
from approvals.services import save_with_history
from audit import seal
from audit.models import Anchor, Seal
from audit.seal.encoding import SALT_COLUMN
from audit.triggers import columns_of
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

    attacker.run_with_triggers_disabled(
        "approvals_historicalaction",
        "UPDATE approvals_historicalaction SET text = 'แก้ไขย้อนหลัง' WHERE history_id = %s",
        [row.history_id],
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

    attacker.run_with_triggers_disabled(
        "approvals_historicalaction",
        "INSERT INTO approvals_historicalaction (history_id, id, agency_id, indicator_id, number, position, text, "
        "all_divisions, status, current_round, reported_results, reported_outcome, history_date, history_type) "
        "SELECT %s, id, agency_id, indicator_id, number, position, text, all_divisions, 'done', current_round, "
        "reported_results, reported_outcome, now(), '~' FROM approvals_action WHERE id = %s",
        [forged_id, action.pk],
    )

    assert _issues(seal.verify(), "inserted") == [("approvals_historicalaction", forged_id)]


CHANGES_OF_THE_TRAIL = [
    "UPDATE approvals_historicalaction SET text = 'x'",
    "DELETE FROM approvals_historicalaction",
    "TRUNCATE approvals_historicalaction",
    "UPDATE audit_seal SET seq = seq + 1",
    "DELETE FROM audit_seal",
    "TRUNCATE audit_seal",
    "DELETE FROM audit_anchor",
    "UPDATE audit_seallayout SET columns = '[]'",
]


@pytest.mark.parametrize("statement", CHANGES_OF_THE_TRAIL)
def test_the_apps_role_may_not_change_history_or_seals(agency, statement):
    factories.ActionFactory(agency=agency, indicator__measure__plan__agency=agency)

    with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)


@pytest.mark.parametrize("statement", CHANGES_OF_THE_TRAIL)
def test_the_append_only_rules_refuse_even_the_tables_owner(agency, owner_connection, statement):
    factories.ActionFactory(agency=agency, indicator__measure__plan__agency=agency)
    seal.anchor_chains()

    with pytest.raises(psycopg.Error, match="append-only"):
        owner_connection.execute(statement)


@pytest.mark.parametrize(
    "statement",
    [
        "ALTER TABLE approvals_historicalaction DISABLE TRIGGER USER",
        "ALTER TABLE approvals_action DISABLE TRIGGER USER",
        "SET session_replication_role = replica",
        "DROP TRIGGER pgtrigger_audit_capture_28d3d ON approvals_action",
    ],
)
def test_the_apps_role_may_not_switch_the_triggers_off(db, statement):
    with pytest.raises(DatabaseError, match=r"must be (the )?owner|permission denied"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(statement)


def test_cutting_off_the_tail_is_found_against_the_anchor(agency, attacker):
    action = factories.ActionFactory(agency=agency, indicator__measure__plan__agency=agency)
    seal.anchor_chains()
    head = Anchor.objects.get(chain=agency.pk)
    last = Seal.objects.get(chain=agency.pk, seq=head.seq)

    # The attacker removes the newest history row together with its seal: the chain itself stays whole.
    attacker.run_with_triggers_disabled(
        "audit_seal", "DELETE FROM audit_seal WHERE chain = %s AND seq = %s", [agency.pk, head.seq]
    )
    attacker.run_with_triggers_disabled(
        last.layout.table_name, f'DELETE FROM "{last.layout.table_name}" WHERE history_id = %s', [last.history_id]
    )
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

    attacker.run_with_triggers_disabled(
        "audit_seal", "UPDATE audit_seal SET seal = sha256(seal) WHERE chain = %s AND seq = %s", [agency.pk, head.seq]
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

    attacker.run_with_triggers_disabled("audit_anchor", "DELETE FROM audit_anchor")
    attacker.run_with_triggers_disabled(
        "audit_seal", "DELETE FROM audit_seal WHERE chain = %s AND seq = %s", [agency.pk, head.seq]
    )
    attacker.run_with_triggers_disabled(
        head.layout.table_name, f'DELETE FROM "{head.layout.table_name}" WHERE history_id = %s', [head.history_id]
    )

    assert [issue.kind for issue in seal.verify(chain=agency.pk).issues] == ["truncated", "unrecorded_change"]


def test_audit_verify_names_the_changed_row_and_exits_non_zero(agency, attacker, capsys):
    action = factories.ActionFactory(agency=agency, indicator__measure__plan__agency=agency)
    row = action.history.latest()
    attacker.run_with_triggers_disabled(
        "approvals_historicalaction",
        "UPDATE approvals_historicalaction SET status = 'done' WHERE history_id = %s",
        [row.history_id],
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
    attacker.run_with_triggers_disabled(
        "approvals_historicaluser",
        "UPDATE approvals_historicaluser SET first_name = 'x' WHERE history_id = %s",
        [other_row.history_id],
    )

    call_command("audit_verify", "--agency", str(agency.pk))

    assert _issues(seal.verify(chain=outsider_agency_user.agency_id), "changed") == [
        ("approvals_historicaluser", other_row.history_id)
    ]


def test_a_seal_changed_outside_the_app_is_found(agency, attacker):
    factories.ActionFactory(agency=agency, indicator__measure__plan__agency=agency)
    attacker.run_with_triggers_disabled(
        "audit_seal", "UPDATE audit_seal SET seal = sha256(seal) WHERE chain = %s AND seq = 2", [agency.pk]
    )

    report = seal.verify(chain=agency.pk)

    assert 2 in [issue.seq for issue in report.issues if issue.kind == "changed"]


def test_seals_missing_from_the_middle_of_a_chain_are_found(agency, attacker):
    factories.ActionFactory(agency=agency, indicator__measure__plan__agency=agency)
    attacker.run_with_triggers_disabled(
        "audit_seal", "DELETE FROM audit_seal WHERE chain = %s AND seq = 2", [agency.pk]
    )

    report = seal.verify(chain=agency.pk)

    assert "missing_seals" in [issue.kind for issue in report.issues]


def test_the_verifiers_python_computes_the_same_seal_as_the_trigger(agency):
    submission = factories.SubmissionFactory(agency=agency, action__indicator__measure__plan__agency=agency)
    submission.results = 'ผลการดำเนินงาน "ครบถ้วน"\n\tร้อยละ 100 ; name=~;'
    save_with_history(submission, by=None, reason="test")
    row = submission.history.latest()
    stored = Seal.objects.get(history_id=row.history_id, layout__table_name=row._meta.db_table)
    previous = Seal.objects.get(chain=stored.chain, seq=stored.seq - 1)
    columns = columns_of(type(row))
    values = seal.fetch_rows(connection, row._meta.db_table, columns, [row.history_id])[row.history_id]

    recomputed = seal.compute_seal(
        bytes(previous.seal), stored.chain, row._meta.db_table, stored.seq, seal.canonical(columns, values)
    )

    assert recomputed == bytes(stored.seal)


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


def test_the_columns_a_seal_covers_are_the_history_tables_columns_but_the_salt_of_personal_ones(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, array_agg(column_name::text ORDER BY column_name) FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = ANY(%s) AND column_name <> %s GROUP BY table_name",
            [list(seal.history_models()), SALT_COLUMN],
        )
        from_catalog = dict(cursor.fetchall())

    from_models = {table: [c.name for c in columns_of(model)] for table, model in seal.history_models().items()}

    assert from_models == from_catalog


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
