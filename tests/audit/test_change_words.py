"""The formatting rules of the history in words (audit/words.py): every value as a person reads it, in the
reader's language, whatever the system keeps behind it."""

from __future__ import annotations

import datetime
import decimal

import pytest
from django.utils import translation

from approvals.models import Decision, Evidence, Expenditure
from audit import reasons, words
from audit.models import Finding
from notifications.models import Notification
from tests import factories

pytestmark = pytest.mark.django_db


def field(model, name):
    return model._meta.get_field(name)


@pytest.fixture
def finding_row(agency):
    return Finding.history.model(rule="missed_due_date", summary="", evidence={}, fingerprint="x", agency=agency)


def test_a_findings_evidence_reads_as_labelled_words_with_buddhist_era_dates_and_no_ids(finding_row):
    evidence = {"due_date": "2023-09-30", "approved_on": "2026-11-30", "decision_id": 37}

    with translation.override("th"):
        thai = words.value_words(field(Finding, "evidence"), evidence, finding_row)
    with translation.override("en"):
        english = words.value_words(field(Finding, "evidence"), evidence, finding_row)

    assert thai == "กำหนดเสร็จ: 30 ก.ย. 2566; อนุมัติวันที่: 30 พ.ย. 2569"
    assert english == "due date: 30 Sep 2566 B.E.; approved on: 30 Nov 2569 B.E."


def test_people_and_divisions_inside_the_systems_json_are_named(staff_member, division):
    with translation.override("th"):
        text = words.json_words({"person": staff_member.pk, "division": division.pk, "from": "2026-11-30T01:10:15Z"})

    assert text == f"บุคคล: {staff_member}; ส่วนราชการ: {division.name}; ตั้งแต่: 30 พ.ย. 2569 08:10 น."


def test_a_finding_rule_reads_as_its_title(finding_row):
    with translation.override("th"):
        assert words.value_words(field(Finding, "rule"), "missed_due_date", finding_row) == "ไม่เป็นไปตามกำหนดเวลา"


@pytest.mark.parametrize(
    ("code", "thai"),
    [
        ("approvals.approve_submission", "อนุมัติผลการดำเนินการ (นายก)"),
        ("approvals.review_submission", "พิจารณาผลการดำเนินการ (ปลัด)"),
        ("approvals.something_new", "สิทธิ์หนึ่งของระบบ"),
    ],
)
def test_a_permission_code_is_said_in_words(code, thai):
    with translation.override("th"):
        assert words.permission_words(code) == thai


def test_a_division_queue_permission_names_the_division(division):
    with translation.override("th"):
        assert words.permission_words(f"approvals.division_{division.pk}") == f"สมาชิกของ{division.name}"


def test_amounts_read_in_baht_with_thousands_separators(agency):
    row = Expenditure.history.model(agency=agency)

    with translation.override("th"):
        assert words.value_words(field(Expenditure, "amount"), decimal.Decimal("1234567.5"), row) == (
            "1,234,567.50 บาท"
        )


def test_dates_and_times_read_in_the_buddhist_era(agency):
    row = Decision.history.model(agency=agency)
    moment = datetime.datetime(2026, 11, 30, 1, 10, tzinfo=datetime.UTC)

    with translation.override("th"):
        assert words.value_words(field(Decision, "decided_at"), moment, row) == "30 พ.ย. 2569 08:10 น."


def test_a_notifications_key_and_link_are_hidden_and_its_details_read_as_its_message(agency):
    row = Notification.history.model(agency=agency, event="approved")
    details = {"action": "4.3 จัดทำคู่มือ", "round": 2, "due_date": "2023-09-30", "by": "บุญมี ศรีสุข"}

    with translation.override("th"):
        text = words.value_words(field(Notification, "params"), details, row)

    assert words.is_hidden(field(Notification, "key"), row)
    assert words.is_hidden(field(Notification, "url"), row)
    assert "4.3 จัดทำคู่มือ" in text and "30 กันยายน 2566" in text and "บุญมี ศรีสุข" in text
    assert "2023" not in text and "{" not in text


def test_where_an_evidence_file_is_stored_is_hidden_and_its_size_is_grouped(agency):
    row = Evidence.history.model(agency=agency)

    assert words.is_hidden(field(Evidence, "file"), row)
    assert words.value_words(field(Evidence, "size"), 10009, row) == "10,009"


def test_returned_divisions_are_named(agency, division, other_division):
    row = Decision.history.model(agency=agency)

    text = words.value_words(field(Decision, "returned_divisions"), [division.pk, other_division.pk], row)

    assert text == f"{division.name}, {other_division.name}"


def test_a_system_reason_is_translated_and_a_typed_reason_kept_as_typed():
    with translation.override("th"):
        assert reasons.describe(reasons.CARRIED_INTO_ROUND, {"round": 2}) == "ยกไปยังรอบที่ 2 เมื่อส่งกลับแก้ไข"
        assert reasons.describe(reasons.SAMPLE_AGENCY) == "สร้างหน่วยงานตัวอย่าง"
    with translation.override("en"):
        assert reasons.describe(reasons.CARRIED_INTO_ROUND, {"round": 2}) == (
            "carried into round 2 when the action was returned"
        )
    assert reasons.describe("", None, "แนบผิดไฟล์") == "แนบผิดไฟล์"


def test_a_change_names_the_action_by_number_and_title(agency, division):
    action = factories.ActionFactory(agency=agency, indicator__measure__plan__agency=agency, responsible=[division])

    with words.names():
        label = words.name_of(type(action), action.pk)
        indicator = words.indicator_of_action(action.pk)

    assert label.startswith(f"{action.indicator.number}.{action.number or '-'} ")
    assert action.text[:20] in label
    assert str(action.indicator.number) in indicator
