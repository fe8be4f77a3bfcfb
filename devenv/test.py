"""`make test`: the migrations check and the whole suite, against real PostgreSQL and Redis.

PostgreSQL: TEST_DATABASE_URL names a server and a role that may create roles and databases (CI's local
server by default: postgres://postgres@127.0.0.1:5432/khunatham); the suite then runs as the two roles
of audit/roles.py in a test database named after the URL's. Redis: TEST_REDIS_URL, or the local default.
With CI=true a missing one fails the run. Otherwise, on a machine without them, an embedded PostgreSQL
and a redis-server of our own are started for the run and stopped after it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from devenv import postgres, redis

BASE_DIR = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _fail(message: str) -> int:
    sys.stderr.write(f"make test: {message}\n")
    return 2


def main(pytest_args: list[str]) -> int:
    env = dict(os.environ)
    database_url = env.get("TEST_DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/khunatham"
    server = postgres.Server.from_url(database_url)
    redis_process = None
    if not postgres.answers(server):
        if IN_CI:
            return _fail(f"PostgreSQL does not answer at {database_url} (CI=true: the suite needs it)")
        print("PostgreSQL does not answer: starting an embedded one for the tests", flush=True)
        _server, server = postgres.start_embedded(BASE_DIR / "var" / "test-postgres")
    env["DATABASE_URL"], env["DATABASE_OWNER_URL"] = postgres.prepare(
        server, postgres.database_name(database_url), for_tests=True
    )

    redis_url = env.get("TEST_REDIS_URL") or "redis://127.0.0.1:6379/0"
    if not redis.answers(redis_url):
        if IN_CI:
            return _fail(f"Redis does not answer at {redis_url} (CI=true: the suite needs it)")
        print("Redis does not answer: starting a redis-server of our own for the tests", flush=True)
        redis_process, redis_url = redis.start_own(BASE_DIR / "var" / "test-redis")
    env["REDIS_URL"] = env["TEST_REDIS_URL"] = redis_url
    env.update(
        SECRET_KEY=f"test-secret-key-not-for-production-{os.uname().nodename}",
        DEBUG="false",
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
    )
    python = sys.executable
    try:
        check = [python, "manage.py", "makemigrations", "--check", "--dry-run"]
        if subprocess.run(check, env=env, cwd=BASE_DIR).returncode != 0:
            return _fail("the models have changes without a migration (makemigrations --check)")
        code = subprocess.run([python, "-m", "pytest", *pytest_args], env=env, cwd=BASE_DIR).returncode
        if code == 5:
            return _fail("pytest collected no tests")
        return code
    finally:
        if redis_process is not None:
            redis_process.terminate()
            redis_process.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
