"""Every page of an agency runs a fixed number of queries, the same with one agency in the database as with
several (a regression test, not a timing: bench/province.py times them at 1,000 agencies)."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.integration.province import onboard_province, pages_of, people_of

pytestmark = pytest.mark.django_db

# Queries of each page on its second opening (the first fills per-process caches). A change here is a change of
# the page's cost: say why in the commit.
# After the merges of issues 14, 15 and 18: the queue counts and filters (+9), the action page's division list and
# acting banner (+4), the change log naming each record and person in words (+13), the chain head and OIT items.
# The change log's first page shows the newest 50 history rows, and its queries follow the kinds of record on it:
# since a plan's activation starts every process at once (workflows/starting.py), an onboarded agency's newest rows
# are its division tasks and the plan, no longer drafts, processes and tasks in turn (-3; the page did not change).
# Issue 16: the change log reads the records it names in bulk, one query per kind of record (-7; with the -3
# above, 26).
# Issue 17: the OIT items adopted into a plan have their own figure (oit.progress.completion, one query) on the
# executive and division dashboards and the plan progress page (+1 each).
# Issue 16, an executive's standing in one query (their roles and the acting appointments made for them): the
# chief's inbox and the executive dashboard -1 each (14 and 18 before).
EXPECTED = {
    "home (staff)": 12,
    "inbox (staff)": 13,
    "queue (staff)": 20,
    "archive (staff)": 10,
    "action page": 22,
    "division dashboard": 14,
    "notifications": 9,
    "inbox (chief)": 13,
    "executive dashboard": 17,
    "plan progress": 15,
    "plan page": 14,
    "administration": 12,
    "people": 12,
    "divisions": 10,
    "change log": 26,
    "audit actions": 10,
    "findings": 15,
    "action timeline": 21,
    "public page": 1,  # served from the cache on its second opening
}


@pytest.fixture(autouse=True)
def _fast_passwords_no_second_factor(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SECOND_FACTOR_REQUIRED = False


def _queries(pages) -> dict[str, int]:
    counts = {}
    for name, user, path in pages:
        client = Client()
        if user is not None:
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        assert client.get(path).status_code == 200, path
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        assert response.status_code == 200, path
        counts[name] = len(queries)
    return counts


def test_every_agency_page_runs_a_fixed_number_of_queries_with_one_agency_and_with_several(tmp_path):
    (first,) = onboard_province(tmp_path, 1)
    pages = pages_of(first, people_of(first))
    alone = _queries(pages)
    others = onboard_province(tmp_path, 2, start=2)
    for agency in others:
        people_of(agency)

    among_others = _queries(pages)

    assert alone == EXPECTED, json.dumps(alone, ensure_ascii=False)
    assert among_others == alone, json.dumps(among_others, ensure_ascii=False)


def test_the_change_log_runs_as_many_queries_for_a_long_page_as_for_a_short_one(tmp_path, settings):
    # Both pages show the same kinds of record (a history table costs two queries, a kind of record named in
    # words one), the longer one twice as many records: naming them costs no query per record.
    (agency,) = onboard_province(tmp_path, 1)
    change_log = [page for page in pages_of(agency, people_of(agency)) if page[0] == "change log"]
    settings.AUDIT_CHANGE_LOG_PAGE_SIZE = 50
    short = _queries(change_log)
    settings.AUDIT_CHANGE_LOG_PAGE_SIZE = 100

    long = _queries(change_log)

    assert long == short
