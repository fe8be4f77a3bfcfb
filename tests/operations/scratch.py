"""Scratch databases on the test server and manage.py run in subprocesses against them, as an operator runs
the commands: backups and upgrades act on committed data in a database of their own, never on the test
database (whose tests run in transactions that pg_dump cannot see)."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parents[2]


def _with_database(url: str, name: str) -> str:
    return urlunparse(urlparse(url)._replace(path=f"/{name}"))


@dataclass(frozen=True)
class ScratchDatabase:
    name: str
    app_url: str
    owner_url: str

    def connect(self, *, as_owner: bool = True) -> psycopg.Connection:
        return psycopg.connect(self.owner_url if as_owner else self.app_url, autocommit=True)

    def scalar(self, query: str, params: list | None = None):
        with self.connect() as connection:
            return connection.execute(query, params or []).fetchone()[0]

    def rows(self, query: str, params: list | None = None) -> list[tuple]:
        with self.connect() as connection:
            return connection.execute(query, params or []).fetchall()


def base_name() -> str:
    """The test database's name (test_kh_...), so that each engineer's scratch databases are their own."""
    from django.db import connection

    return connection.settings_dict["NAME"]


def create_database(suffix: str) -> ScratchDatabase:
    """A new, empty database owned by the tables' owner role (dropped first if a run left it)."""
    app_url, owner_url = os.environ["DATABASE_URL"], os.environ["DATABASE_OWNER_URL"]
    name = f"{base_name()}_{suffix}"[:63]
    owner = urlparse(owner_url).username
    with psycopg.connect(_with_database(owner_url, "postgres"), autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(name), sql.Identifier(owner)))
    return ScratchDatabase(name, _with_database(app_url, name), _with_database(owner_url, name))


def drop_database(database: ScratchDatabase) -> None:
    with psycopg.connect(_with_database(database.owner_url, "postgres"), autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(database.name)))


def environment(database: ScratchDatabase, **extra: str) -> dict[str, str]:
    """manage.py's environment for `database`: the app's and the owner's roles, no broker (tasks run in
    process, so that nothing lands in the test Redis), and `extra` (MEDIA_ROOT, BACKUP_DIR...)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "REDIS_URL"))}
    env.update(DATABASE_URL=database.app_url, DATABASE_OWNER_URL=database.owner_url)
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str, cwd: Path = ROOT, timeout: int = 600) -> subprocess.CompletedProcess:
    command = [sys.executable, "manage.py", *args]
    if cwd != ROOT:
        # Another release's code: without site processing, so that the editable install of today's code (a .pth
        # finder in site-packages) cannot lend it modules that release does not have; its packages come from
        # site-packages all the same.
        paths = sysconfig.get_paths()
        env = {**env, "PYTHONPATH": os.pathsep.join([str(cwd), paths["purelib"], paths["platlib"]])}
        command.insert(1, "-S")
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def succeeded(result: subprocess.CompletedProcess) -> bool:
    """True, or the failure's output in the assertion message."""
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    return True
