"""The database writes each history row inside the statement that makes the change (audit/triggers.py), with
the acting context the write was sent with (audit/context.py, audit/postgresql/base.py): who, on whose behalf,
why and through what, for every kind of write, and nothing left over from an earlier write."""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from approvals.models import Division, Submission
from approvals.services import save_with_history, system_user
from audit import context, seal
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
    return [
        (row.history_type, row.progress, row.history_user.username if row.history_user else None, row.history_reason)
        for row in submission.history.order_by("history_id").select_related("history_user")
    ]


def sent_contexts(queries) -> int:
    return sum(query["sql"].count("set_config('khunatham.context'") for query in queries)


def test_a_save_and_its_history_row_travel_in_one_statement(submission, staff_member):
    submission.progress = 60

    with CaptureQueriesContext(connection) as queries:
        save_with_history(submission, by=staff_member, reason="บันทึกความคืบหน้า", update_fields=["progress"])

    history_table = Submission.history.model._meta.db_table
    assert len(queries) == 1
    assert sent_contexts(queries) == 1 and queries[0]["sql"].count("UPDATE") == 1
    assert not any(history_table in q["sql"] for q in queries)
    assert history_of(submission)[-1] == ("~", 60, "alice", "บันทึกความคืบหน้า")


def test_a_transaction_of_ten_saves_sends_the_context_once_per_person_and_reason(agency, staff_member):
    divisions = [factories.DivisionFactory(agency=agency, sort_order=0) for _ in range(10)]

    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        for number, division in enumerate(divisions, start=1):
            division.sort_order = number
            save_with_history(division, by=staff_member, reason="จัดลำดับใหม่", update_fields=["sort_order"])
        for division in divisions[:3]:
            division.sort_order += 10
            save_with_history(division, by=staff_member, reason="สลับลำดับ", update_fields=["sort_order"])

    writes = [query for query in queries if "UPDATE" in query["sql"]]
    assert (len(writes), sent_contexts(queries)) == (13, 2)
    reasons = list(Division.history.filter(history_type="~").values_list("history_change_reason", flat=True))
    assert reasons.count("จัดลำดับใหม่") == 10 and reasons.count("สลับลำดับ") == 3


def test_each_row_of_a_transaction_keeps_its_own_reason(submission, staff_member, chief_administrator):
    with transaction.atomic(), context.acting(by=chief_administrator):
        save_with_history(submission.action, by=chief_administrator, reason="พิมพ์เอง")
        submission.progress = 70
        save_with_history(
            submission,
            by=chief_administrator,
            reason=context.code("workflow.accepted", decision=7),
            update_fields=["progress"],
        )

    row = submission.history.latest()
    assert (row.history_reason_code, row.history_reason_params, row.history_change_reason) == (
        "workflow.accepted",
        {"decision": 7},
        None,
    )
    assert row.get_history_reason_display() == "ปลัดเห็นชอบ"


def test_whom_an_acting_official_stands_in_for_is_on_every_row_they_write(submission, chief_administrator, mayor):
    with context.acting(by=chief_administrator, on_behalf_of=mayor):
        submission.progress = 80
        save_with_history(submission, by=chief_administrator, reason="รักษาราชการแทน", update_fields=["progress"])

    row = submission.history.latest()
    assert (row.history_user, row.history_on_behalf_of) == (chief_administrator, mayor)


def test_a_queryset_update_is_historised_with_the_current_context(submission, staff_member):
    with context.acting(by=staff_member, reason="แก้ไขหลายแถว"):
        Submission.objects.filter(pk=submission.pk).update(progress=40)

    assert history_of(submission)[-1] == ("~", 40, "alice", "แก้ไขหลายแถว")


def test_bulk_create_and_bulk_update_are_historised_row_by_row(agency, agency_admin):
    with context.acting(by=agency_admin, reason="นำเข้าส่วนราชการ"):
        created = Division.objects.bulk_create([Division(agency=agency, name=f"กอง {n}") for n in range(3)])
        for division in created:
            division.sort_order = 9
        Division.objects.bulk_update(created, ["sort_order"])

    rows = Division.history.filter(id__in=[d.pk for d in created])
    assert sorted(rows.values_list("history_type", flat=True)) == ["+", "+", "+", "~", "~", "~"]
    assert set(rows.values_list("history_user", "history_change_reason")) == {(agency_admin.pk, "นำเข้าส่วนราชการ")}


def test_raw_sql_in_a_context_is_historised_with_it(submission, staff_member):
    with context.acting(by=staff_member, reason="SQL ของระบบ"), connection.cursor() as cursor:
        cursor.execute(f'UPDATE "{Submission._meta.db_table}" SET progress = 7 WHERE id = %s', [submission.pk])

    assert history_of(submission)[-1] == ("~", 7, "alice", "SQL ของระบบ")
    assert seal.verify().issues == []


def test_raw_sql_with_named_parameters_is_historised_too(submission, staff_member):
    """psycopg refuses a statement mixing %s and %(name)s: the context goes in front by a name of its own."""
    with context.acting(by=staff_member, reason="SQL ของระบบ"), connection.cursor() as cursor:
        cursor.execute(
            f'UPDATE "{Submission._meta.db_table}" SET progress = %(progress)s WHERE id = %(id)s',
            {"progress": 8, "id": submission.pk},
        )

    assert history_of(submission)[-1] == ("~", 8, "alice", "SQL ของระบบ")
    assert seal.verify().issues == []


def test_deleting_a_record_keeps_its_last_state_with_who_and_why(staff_member, agency_admin):
    preference = Preference.objects.create(user=staff_member, line_user_id="U123")
    pk = preference.pk

    with context.acting(by=agency_admin, reason="ลบการตั้งค่าที่ไม่ใช้"):
        preference.delete()

    last = Preference.history.filter(id=pk).latest()
    assert (last.history_type, last.line_user_id, last.history_user, last.history_reason) == (
        "-",
        "U123",
        agency_admin,
        "ลบการตั้งค่าที่ไม่ใช้",
    )


def test_a_write_with_no_context_is_recorded_without_person_reason_or_source(submission):
    with context.without(), connection.cursor() as cursor:
        cursor.execute(f'UPDATE "{Submission._meta.db_table}" SET progress = 5 WHERE id = %s', [submission.pk])

    row = submission.history.latest()
    assert (row.progress, row.history_user, row.history_reason, row.history_source) == (5, None, "", None)


def test_a_context_that_ended_does_not_lend_its_person_to_a_later_write_of_the_transaction(submission, staff_member):
    with transaction.atomic():
        with context.acting(by=staff_member, reason="ของอลิส"):
            Submission.objects.filter(pk=submission.pk).update(progress=41)
        with context.without():
            Submission.objects.filter(pk=submission.pk).update(progress=42)

    assert history_of(submission)[-2:] == [("~", 41, "alice", "ของอลิส"), ("~", 42, None, "")]


def test_a_savepoint_rolled_back_takes_the_context_with_it_and_the_next_write_sends_it_again(submission, staff_member):
    with transaction.atomic(), context.acting(by=staff_member, reason="งานเดียวกัน"):
        try:
            with transaction.atomic():
                Submission.objects.filter(pk=submission.pk).update(progress=31)
                raise RuntimeError("the step fails after writing")
        except RuntimeError:
            pass
        Submission.objects.filter(pk=submission.pk).update(progress=33)

    assert history_of(submission)[-1] == ("~", 33, "alice", "งานเดียวกัน")
    assert 31 not in [row[1] for row in history_of(submission)]
    assert seal.verify().issues == []


def test_an_update_that_changes_nothing_writes_no_history_row(submission, staff_member):
    before = submission.history.count()

    save_with_history(submission, by=staff_member, reason="บันทึกซ้ำ")

    assert submission.history.count() == before


def test_saving_without_a_historical_record_is_not_a_way_around_history(submission):
    before = submission.history.count()
    submission.progress = 90

    submission.save_without_historical_record(update_fields=["progress"])

    assert submission.history.count() == before + 1


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


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_each_write_carries_its_own_context(staff_member):
    agency = staff_member.agency
    submission = factories.SubmissionFactory(agency=agency, action__indicator__measure__plan__agency=agency)
    submission.progress = 50

    save_with_history(submission, by=staff_member, reason="บันทึกนอกธุรกรรม", update_fields=["progress"])
    with context.without(), connection.cursor() as cursor:
        cursor.execute(f'UPDATE "{Submission._meta.db_table}" SET progress = 51 WHERE id = %s', [submission.pk])

    assert history_of(submission)[-2:] == [("~", 50, "alice", "บันทึกนอกธุรกรรม"), ("~", 51, None, "")]


@pytest.mark.django_db(transaction=True)
def test_a_connection_first_opened_inside_an_execute_wrapper_block_still_sends_the_context(staff_member, division):
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
