"""On PostgreSQL the database writes each history row inside the statement that makes the change
(audit/capture.py): one row per change, with who, why and when, also for changes that bypass the ORM."""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from approvals.models import Submission
from approvals.services import save_with_history, system_user
from audit import capture, seal
from audit.apps import install_triggers_after_migrate
from notifications.models import Preference
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def submission(staff_member, division):
    agency = staff_member.agency
    return factories.SubmissionFactory(
        agency=agency, action__indicator__measure__plan__agency=agency, division=division, progress=20
    )


def history_of(submission: Submission) -> list[tuple]:
    return list(
        submission.history.order_by("history_id").values_list(
            "history_type", "progress", "history_user__username", "history_change_reason"
        )
    )


def test_a_save_and_its_history_row_travel_in_one_statement(submission, staff_member):
    before = submission.history.count()
    submission.progress = 60

    with CaptureQueriesContext(connection) as queries:
        save_with_history(submission, by=staff_member, reason="บันทึกความคืบหน้า", update_fields=["progress"])

    history_table = Submission.history.model._meta.db_table
    assert len(queries) == 1
    assert "set_config" in queries[0]["sql"] and queries[0]["sql"].count("UPDATE") == 1
    assert not any(history_table in q["sql"] for q in queries)
    assert submission.history.count() == before + 1
    assert history_of(submission)[-1] == ("~", 60, "alice", "บันทึกความคืบหน้า")


def test_a_queryset_update_is_historised_with_the_transactions_person_and_reason(submission, staff_member):
    with transaction.atomic():
        submission.progress = 30
        save_with_history(submission, by=staff_member, reason="แก้ไขผล", update_fields=["progress"])
        Submission.objects.filter(pk=submission.pk).update(progress=40)

    assert history_of(submission)[-2:] == [("~", 30, "alice", "แก้ไขผล"), ("~", 40, "alice", "แก้ไขผล")]


def test_a_change_made_in_sql_outside_the_app_is_historised_and_sealed(submission):
    with connection.cursor() as cursor:
        cursor.execute(f'UPDATE "{Submission._meta.db_table}" SET progress = 7 WHERE id = %s', [submission.pk])

    assert history_of(submission)[-1][:2] == ("~", 7)
    assert seal.verify().issues == []


def test_deleting_a_record_keeps_its_last_state_with_who_and_why(staff_member, agency_admin):
    preference = Preference.objects.create(user=staff_member, line_user_id="U123")
    preference._history_user = agency_admin
    preference._change_reason = "ลบการตั้งค่าที่ไม่ใช้"
    pk = preference.pk

    preference.delete()

    last = Preference.history.filter(id=pk).latest()
    assert (last.history_type, last.line_user_id, last.history_user, last.history_change_reason) == (
        "-",
        "U123",
        agency_admin,
        "ลบการตั้งค่าที่ไม่ใช้",
    )


def test_a_save_without_history_writes_no_row(submission):
    before = submission.history.count()
    submission.progress = 90

    submission.save_without_historical_record(update_fields=["progress"])

    submission.refresh_from_db()
    assert (submission.progress, submission.history.count()) == (90, before)


def test_a_failed_save_leaves_no_history_row(submission, staff_member):
    before = Submission.history.count()
    duplicate = Submission(
        agency=submission.agency, action=submission.action, division=submission.division, round=submission.round
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        save_with_history(duplicate, by=staff_member, reason="ส่งซ้ำ")

    assert Submission.history.count() == before


def test_the_system_account_names_itself_as_its_creator(db):
    user = system_user()

    assert user.history.get(history_type="+").history_user == user


def test_a_historised_table_without_the_capture_trigger_is_named_and_migrate_restores_it(submission):
    with connection.cursor() as cursor:
        cursor.execute(f'DROP TRIGGER {capture.CAPTURE_TRIGGER} ON "{Submission._meta.db_table}"')

    assert seal.tables_missing_triggers() == {Submission._meta.db_table: {capture.CAPTURE_TRIGGER}}

    install_triggers_after_migrate(sender=None, using="default")

    assert seal.tables_missing_triggers() == {}


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_who_and_why_last_only_for_their_own_change(staff_member):
    agency = staff_member.agency
    submission = factories.SubmissionFactory(agency=agency, action__indicator__measure__plan__agency=agency)
    submission.progress = 50

    save_with_history(submission, by=staff_member, reason="บันทึกนอกธุรกรรม", update_fields=["progress"])
    with connection.cursor() as cursor:
        cursor.execute(f'UPDATE "{Submission._meta.db_table}" SET progress = 51 WHERE id = %s', [submission.pk])

    assert history_of(submission)[-2:] == [("~", 50, "alice", "บันทึกนอกธุรกรรม"), ("~", 51, None, None)]


@pytest.mark.django_db(transaction=True)
def test_a_connection_first_opened_inside_an_execute_wrapper_block_still_sends_who_and_why(staff_member, division):
    agency = staff_member.agency
    submission = factories.SubmissionFactory(
        agency=agency, action__indicator__measure__plan__agency=agency, division=division
    )
    submission.progress = 70

    def in_a_new_thread() -> None:  # a new thread has connections of its own, not yet opened
        try:
            with connection.execute_wrapper(lambda execute, sql, params, many, ctx: execute(sql, params, many, ctx)):
                connection.ensure_connection()
            save_with_history(submission, by=staff_member, reason="หลังเชื่อมต่อใหม่", update_fields=["progress"])
        finally:
            connection.close()

    worker = threading.Thread(target=in_a_new_thread)
    worker.start()
    worker.join()

    assert history_of(submission)[-1] == ("~", 70, "alice", "หลังเชื่อมต่อใหม่")


def test_a_rolled_back_savepoint_leaves_the_chain_whole(submission, staff_member):
    with transaction.atomic():
        submission.progress = 31
        save_with_history(submission, by=staff_member, reason="ก่อน savepoint", update_fields=["progress"])
        try:
            with transaction.atomic():
                submission.progress = 32
                save_with_history(submission, by=staff_member, reason="ถูกยกเลิก", update_fields=["progress"])
                raise RuntimeError("the step fails after writing")
        except RuntimeError:
            pass
        submission.progress = 33
        save_with_history(submission, by=staff_member, reason="หลัง savepoint", update_fields=["progress"])

    assert [row[1] for row in history_of(submission)[-2:]] == [31, 33]
    assert seal.verify().issues == []


def test_migrate_writes_no_history_and_history_resumes_after_it(submission):
    from audit.apps import pause_capture_during_migrate

    def set_progress(value: int) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                f'UPDATE "{Submission._meta.db_table}" SET progress = %s WHERE id = %s', [value, submission.pk]
            )

    before = submission.history.count()
    pause_capture_during_migrate(sender=None, using="default")
    set_progress(11)  # what a data migration would do
    install_triggers_after_migrate(sender=None, using="default")
    set_progress(12)

    assert [row[1] for row in history_of(submission)[before:]] == [12]
