"""After the sample year, the auditor's change log speaks the reader's language on every page and in its
exports: no code-style dict, no notification key, no permission code, no raw Gregorian ISO date, no viewflow
internals, no reason left as a code or as an English phrase; the exports name the action by its number and
title, its indicator and its division. Evidence rows name the person who uploaded the file."""

from __future__ import annotations

import csv
import html
import io
import re

import pytest
from openpyxl import load_workbook

from approvals.models import Evidence, User
from approvals.services import SYSTEM_USERNAME
from audit import reasons

# What a person must never have to read in the history.
INTERNALS = {
    "a code-style dict": re.compile(r"[{}]|'\w+': "),
    "a notification or outbox key": re.compile(r"\b[a-z_]+:[a-z_]+:\d+(?::user:\d+)?\b"),
    "a permission code": re.compile(r"\bapprovals\.[a-z_]+\b"),
    "a Gregorian ISO date": re.compile(r"\b\d{4}-\d{2}-\d{2}\b"),
    "a flow class path": re.compile(r"\b(?:workflows|viewflow)\.[\w.]+"),
    "a viewflow status or node type": re.compile(r"\b(?:NEW|ASSIGNED|STARTED|DONE|CANCELED|HUMAN|START|END|JOIN)\b"),
    "a reason code": re.compile(r"^(?:[a-z]+\.[a-z_]+|request|job|command)$"),
}
# English reasons the system used to write ("take task", "notification: approved", "sample agency").
ENGLISH_REASON = re.compile(r"^[A-Za-z][A-Za-z :_-]*$")
LANGUAGES = ["th", "en"]


def _cell_text(fragment: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment))).strip()


def _rows_of(page: str) -> list[list[str]]:
    body = page[page.index("<tbody>") : page.index("</tbody>")]
    return [
        [_cell_text(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def _problems(rows: list[list[str]], reason_column: int, language: str) -> list[str]:
    found = []
    for row in rows:
        for cell in row:
            for what, pattern in INTERNALS.items():
                if pattern.search(cell):
                    found.append(f"{what}: {cell[:160]}")
        reason = row[reason_column] if len(row) > reason_column else ""
        if language == "th" and reason and ENGLISH_REASON.match(reason):
            found.append(f"an English reason: {reason}")
    return found


@pytest.fixture
def auditor_client(client, sample_year):
    client.force_login(User.objects.get(username="auditor"))
    return client


def _every_page(client, language: str) -> list[list[str]]:
    rows: list[list[str]] = []
    query: dict[str, str] = {}
    while True:
        response = client.get("/audit/changes/", query, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200
        rows += _rows_of(response.content.decode())
        before = response.context["page"].next_before
        if before is None:
            return rows
        query = {"before": str(before)}


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_page_of_the_change_log_shows_internals_for_the_sample_year(auditor_client, language):
    client = auditor_client
    client.cookies["django_language"] = language

    rows = _every_page(client, language)

    assert len(rows) > 1000  # every page of the year, not just the first
    assert _problems(rows, reason_column=5, language=language) == []


def _csv_rows(client, language: str) -> list[list[str]]:
    response = client.get("/audit/changes/export.csv", HTTP_ACCEPT_LANGUAGE=language)
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def _xlsx_rows(client, language: str) -> list[list[str]]:
    response = client.get("/audit/changes/export.xlsx", HTTP_ACCEPT_LANGUAGE=language)
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    return [[str(value) if value is not None else "" for value in row] for row in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("export", [_csv_rows, _xlsx_rows], ids=["csv", "xlsx"])
def test_the_exports_show_no_internals_and_name_the_action_indicator_and_division(auditor_client, language, export):
    client = auditor_client
    client.cookies["django_language"] = language

    header, *rows = export(client, language)

    columns = {name: index for index, name in enumerate(header)}
    action, indicator, division = (
        ("แนวทางการดำเนินการ", "ตัวชี้วัด", "ส่วนราชการ") if language == "th" else ("Action", "Indicator", "Division")
    )
    assert _problems(rows, reason_column=columns["เหตุผล" if language == "th" else "Reason"], language=language) == []
    named = [row for row in rows if row[columns[action]]]
    assert named and all(re.match(r"^\d+\.[\d-]+ \S", row[columns[action]]) for row in named)
    assert all(row[columns[indicator]] for row in named)
    assert any(row[columns[division]] for row in named)
    assert not any(row[columns[action]].isdigit() for row in rows)


def test_every_evidence_file_is_recorded_as_created_by_its_uploader_or_carried_over_by_the_system(sample_year):
    created = Evidence.history.filter(agency_id=sample_year.agency_id, history_type="+").select_related("history_user")

    carried = [row for row in created if row.history_user_id != row.uploaded_by_id]

    assert created.count() > len(carried) > 0  # the year returns actions, so some files are carried over
    assert {row.history_user.username for row in carried} == {SYSTEM_USERNAME}
    assert {row.history_reason_code for row in carried} == {reasons.CARRIED_INTO_ROUND}
