"""THE smoke test of the embedded default (`make run` without DATABASE_URL or REDIS_URL): SQLite, tasks
in-process, DEBUG on. Run as the README runs it, in subprocesses: migrate, load the sample agency, play
the sample year twice (the second time changes nothing), verify the hash chains, then open the main pages
as each demo role."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEMO_PASSWORD = "khunatham-demo"

COUNT_ROWS = """
import json
from audit import seal
from approvals.models import Action, Decision, Evidence, Submission
from viewflow.workflow.models import Process, Task
from notifications.models import Notification, OutboxMessage
models = [Action, Submission, Decision, Evidence, Process, Task, Notification, OutboxMessage]
counts = {m._meta.label: m.objects.count() for m in models}
counts.update({table: m.objects.count() for table, m in seal.history_models().items()})
print("RESULT", json.dumps(counts))
"""

OPEN_PAGES = """
import json, re
from django.test import Client
from django.test.utils import setup_test_environment
from approvals.models import Action
setup_test_environment()
action = Action.objects.filter(status="done").order_by("pk").first()
common = ["/", "/work/inbox/", "/work/queue/", "/work/progress/2566/", f"/work/actions/{action.pk}/",
          "/approvals/plans/2566/", "/notifications/"]
extra = {
    "somchai": ["/reports/my-division/"],
    "palad": ["/reports/dashboard/"],
    "nayok": ["/reports/dashboard/"],
    "auditor": ["/audit/changes/", f"/audit/actions/{action.pk}/", "/audit/"],
    "admin": ["/reports/dashboard/"],
}
THAI = re.compile("[\\u0e01-\\u0e5b]{4,}")
answers = {}
for username, pages in extra.items():
    client = Client()
    signed_in = client.post("/accounts/login/", {"username": username, "password": "DEMO_PASSWORD"})
    answers[f"{username} sign-in"] = [signed_in.status_code, signed_in.headers.get("Location", "")]
    for url in common + pages:
        response = client.get(url)
        text = response.content.decode()
        answers[f"{username} {url}"] = [response.status_code, bool(THAI.search(re.sub("<[^>]+>", " ", text)))]
print("RESULT", json.dumps(answers))
""".replace("DEMO_PASSWORD", DEMO_PASSWORD)


@pytest.fixture(scope="module")
def embedded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("embedded")
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DJANGO_", "CELERY_", "SECURE_"))
        and not key.endswith("_COOKIE_SECURE")
    }
    env.update(
        DATABASE_URL=f"sqlite:///{folder / 'db.sqlite3'}",
        DEBUG="true",
        MEDIA_ROOT=str(folder / "media"),
        PYTHONPATH=str(ROOT),
    )

    def manage(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
        )

    return manage


def ok(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def result_of(output: str) -> dict:
    """The JSON a script printed after "RESULT " (other lines are the apps' own start-up messages)."""
    return json.loads(next(line for line in output.splitlines() if line.startswith("RESULT "))[len("RESULT ") :])


@pytest.fixture(scope="module")
def played(embedded):
    ok(embedded("migrate", "--no-input", "-v", "0"))
    ok(embedded("load_sample_agency"))
    first = ok(embedded("play_sample_year"))
    counts = result_of(ok(embedded("shell", "-c", COUNT_ROWS)))
    second = ok(embedded("play_sample_year"))
    return {
        "first": first,
        "second": second,
        "counts": counts,
        "counts_after": result_of(ok(embedded("shell", "-c", COUNT_ROWS))),
    }


def test_playing_the_sample_year_in_the_embedded_default_leaves_approved_actions(played):
    assert played["counts"]["approvals.Decision"] > 0
    assert played["counts"]["approvals_historicalsubmission"] > 0


def test_playing_the_sample_year_again_changes_no_row_and_no_history(played):
    assert "nothing changed" in played["second"]
    assert played["counts_after"] == played["counts"]


def test_the_embedded_default_tells_people_in_process_without_a_broker(played):
    assert played["counts"]["notifications.Notification"] > 0


def test_the_hash_chains_verify_on_sqlite(embedded, played):
    result = embedded("audit_verify")

    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "no tampering found" in result.stdout


def test_every_demo_role_opens_the_main_pages_in_thai(embedded, played):
    answers = result_of(ok(embedded("shell", "-c", OPEN_PAGES)))

    signed_in = {name: answer for name, answer in answers.items() if name.endswith("sign-in")}
    pages = {name: answer for name, answer in answers.items() if not name.endswith("sign-in")}
    assert {name: code for name, (code, _where) in signed_in.items() if code != 302} == {}
    assert {name: answer for name, answer in pages.items() if answer != [200, True]} == {}
    assert len(pages) >= 40
