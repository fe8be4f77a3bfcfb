"""A person's personal data is erased from their records and from the sealed history, and every chain still
verifies; any other change to a history row, a blanked row without its redaction included, still fails
(audit/personal.py, audit/seal/redactions.py)."""

from __future__ import annotations

import contextlib

import pgtrigger
import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from approvals.exceptions import InvalidTransition, NotAllowed
from approvals.models import User
from approvals.services import save_with_history
from audit import personal, reasons, seal
from audit.models import Redaction, Seal, SealLayout
from audit.triggers import SEAL
from notifications.models import Preference

pytestmark = pytest.mark.django_db(transaction=True)

HISTORY = "approvals_historicaluser"


@pytest.fixture
def person(staff_member):
    """Alice, whose account was renamed once and who linked her LINE account."""
    staff_member.first_name = "อลิซาเบธ"
    save_with_history(staff_member, by=staff_member, reason="แก้ชื่อ", update_fields=["first_name"])
    Preference.objects.create(user=staff_member, line_user_id="U0123456789abcdef0123456789abcdef")
    return staff_member


def erase(person: User, by: User) -> Redaction:
    return personal.erase_personal_data(
        person, by=by, reason="เจ้าของข้อมูลขอให้ลบ", legal_basis="pdpa_erasure", reference="ทต 0001/2569"
    )


def history_of(person: User) -> list[tuple]:
    return list(
        User.history.filter(id=person.pk)
        .order_by("history_id")
        .values_list("username", "first_name", "last_name", "email")
    )


def test_a_persons_history_is_blanked_and_every_chain_still_verifies(person, agency_admin):
    rows_before = len(history_of(person))

    erase(person, agency_admin)

    assert seal.verify().issues == []
    assert history_of(person) == [("", "", "", "")] * rows_before + [(f"erased-{person.pk}", "", "", "")]
    assert set(Preference.history.filter(user_id=person.pk).values_list("line_user_id", flat=True)) == {""}


def test_the_erasure_is_recorded_with_who_why_and_the_legal_basis_and_sealed(person, agency_admin):
    redaction = erase(person, agency_admin)

    row = Redaction.history.get(id=redaction.pk)
    layouts = SealLayout.objects.filter(table_name="audit_historicalredaction").values("pk")
    assert (redaction.performed_by, redaction.person, redaction.legal_basis, redaction.reference) == (
        agency_admin,
        person,
        "pdpa_erasure",
        "ทต 0001/2569",
    )
    assert (row.history_user, row.history_reason) == (agency_admin, "เจ้าของข้อมูลขอให้ลบ")
    assert Seal.objects.filter(layout__in=layouts, history_id=row.history_id, chain=person.agency_id).exists()


def test_the_live_account_is_anonymised_and_its_history_row_names_the_redaction(person, agency_admin):
    redaction = erase(person, agency_admin)

    person.refresh_from_db()
    newest = User.history.filter(id=person.pk).order_by("-history_id").first()
    assert (person.username, person.get_full_name(), person.email, person.is_active) == (
        f"erased-{person.pk}",
        "",
        "",
        False,
    )
    assert not person.has_usable_password()
    assert (newest.history_reason, newest.history_reason_params, newest.history_user) == (
        reasons.PERSONAL_DATA_ERASED,
        {"redaction": redaction.pk},
        agency_admin,
    )


def test_a_personal_column_blanked_without_a_redaction_fails_verification(person, attacker):
    first = User.history.filter(id=person.pk).order_by("history_id").first()

    attacker.run_with_triggers_disabled(
        HISTORY, f"UPDATE {HISTORY} SET first_name = '' WHERE history_id = %s", [first.history_id]
    )

    assert [(i.kind, i.table, i.history_id) for i in seal.verify().issues] == [("changed", HISTORY, first.history_id)]


def test_a_non_personal_column_changed_in_a_redacted_row_fails_verification(person, agency_admin, attacker):
    erase(person, agency_admin)
    first = User.history.filter(id=person.pk).order_by("history_id").first()

    attacker.run_with_triggers_disabled(
        HISTORY, f"UPDATE {HISTORY} SET is_superuser = true WHERE history_id = %s", [first.history_id]
    )

    assert [(i.kind, i.history_id) for i in seal.verify().issues] == [("changed", first.history_id)]


def test_a_blanked_column_written_again_after_the_redaction_fails_verification(person, agency_admin, attacker):
    erase(person, agency_admin)
    first = User.history.filter(id=person.pk).order_by("history_id").first()

    attacker.run_with_triggers_disabled(
        HISTORY, f"UPDATE {HISTORY} SET first_name = 'อลิส' WHERE history_id = %s", [first.history_id]
    )

    assert [(i.kind, i.history_id) for i in seal.verify().issues] == [("changed", first.history_id)]


def test_a_redaction_record_altered_afterwards_fails_verification(person, agency_admin, attacker):
    redaction = erase(person, agency_admin)
    row = Redaction.history.get(id=redaction.pk)

    attacker.run_with_triggers_disabled(
        "audit_historicalredaction",
        "UPDATE audit_historicalredaction SET reference = 'ไม่มีหนังสือ' WHERE history_id = %s",
        [row.history_id],
    )

    assert ("changed", "audit_historicalredaction", row.history_id) in [
        (i.kind, i.table, i.history_id) for i in seal.verify().issues
    ]


def test_an_erasure_is_refused_and_nothing_blanked_when_a_row_of_the_person_does_not_match_its_seal(
    person, agency_admin, attacker
):
    first = User.history.filter(id=person.pk).order_by("history_id").first()
    attacker.run_with_triggers_disabled(
        HISTORY, f"UPDATE {HISTORY} SET position = 'ปลัด' WHERE history_id = %s", [first.history_id]
    )
    before = history_of(person)

    with pytest.raises(InvalidTransition, match="does not match its seal"):
        erase(person, agency_admin)

    assert history_of(person) == before
    assert not Redaction.objects.exists()


def test_only_the_agency_administrator_may_erase_personal_data(person, other_division_staff):
    with pytest.raises(NotAllowed):
        erase(person, other_division_staff)

    assert history_of(person)[0][0] == person.username


@contextlib.contextmanager
def accounts_sealed_as_before_salted_layouts(owner_connection):
    """The seal trigger of the accounts' history as the migrations before salted layouts installed it, for
    the rows written in the block: rows sealed over the plain values, as every installation still has."""
    state = MigrationLoader(connection).project_state(("approvals", "0002_history_context_and_declared_triggers"))
    old = next(t for t in state.apps.get_model("approvals", "historicaluser")._meta.triggers if t.name == SEAL)
    history = User.history.model
    current = next(t for m, t in pgtrigger.registered() if m is history and t.name == SEAL).compile(history)
    owner_connection.execute(old.install_sql)
    try:
        yield
    finally:
        owner_connection.execute(current.install_sql)


def test_rows_sealed_before_salted_layouts_are_erased_and_every_chain_still_verifies(
    agency, agency_admin, owner_connection
):
    with accounts_sealed_as_before_salted_layouts(owner_connection):
        old_person = User.objects.create(
            username="somsri", first_name="สมศรี", email="somsri@example.go.th", agency=agency
        )

    redaction = erase(old_person, agency_admin)

    (entry,) = redaction.rows
    assert set(entry) >= {"rest", "seal"} and entry["columns"] == dict.fromkeys(
        ["email", "first_name", "last_name", "username"]
    )
    assert seal.verify().issues == []
    assert history_of(old_person)[0] == ("", "", "", "")


def test_a_non_personal_column_changed_in_a_redacted_row_sealed_before_salted_layouts_fails_verification(
    agency, agency_admin, owner_connection, attacker
):
    with accounts_sealed_as_before_salted_layouts(owner_connection):
        old_person = User.objects.create(username="somsri", first_name="สมศรี", agency=agency)
    erase(old_person, agency_admin)
    first = User.history.filter(id=old_person.pk).order_by("history_id").first()

    attacker.run_with_triggers_disabled(
        HISTORY, f"UPDATE {HISTORY} SET position = 'นายก' WHERE history_id = %s", [first.history_id]
    )

    assert [(i.kind, i.history_id) for i in seal.verify().issues] == [("changed", first.history_id)]


def test_an_inactive_account_unchanged_for_its_retention_period_is_due_for_erasure(agency, settings):
    settings.RETENTION_YEARS = {"approvals.User": 10}
    gone = User.objects.create(username="left", agency=agency, is_active=False)
    User.objects.create(username="still-here", agency=agency)
    in_eleven_years = gone.date_joined.replace(year=gone.date_joined.year + 11)

    assert personal.accounts_due(now=in_eleven_years) == [gone]
    assert personal.accounts_due(now=gone.date_joined.replace(year=gone.date_joined.year + 9)) == []
