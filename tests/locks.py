"""Transactions on their own PostgreSQL connections, in threads, for the tests of locking: one that holds locks
until told, one that calls a service, and what pg_locks says about them."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from django.db import connection, transaction


class Holder(threading.Thread):
    """A transaction on its own connection that runs `first`, waits to be told, runs `then`, and commits."""

    def __init__(self, first: Callable[[], object], then: Callable[[], object] = lambda: None) -> None:
        super().__init__(daemon=True)
        self.first, self.then = first, then
        self.ready, self.go = threading.Event(), threading.Event()
        self.error: BaseException | None = None
        self.pid = 0

    def run(self) -> None:
        try:
            with transaction.atomic():
                self.pid = backend_pid()
                with connection.cursor() as cursor:
                    # This transaction stands for a path outside the lock order: never the deadlock victim here.
                    cursor.execute("SET LOCAL deadlock_timeout = '30s'")
                self.first()
                self.ready.set()
                self.go.wait(30)
                self.then()
        except BaseException as error:  # reported to the test
            self.error = error
            self.ready.set()
        finally:
            connection.close()


class Caller(threading.Thread):
    """Runs a service on its own connection, keeping what it returned or raised."""

    def __init__(self, call: Callable[[], object]) -> None:
        super().__init__(daemon=True)
        self.call = call
        self.result: object = None
        self.error: BaseException | None = None
        self.pid = 0
        self.started_call = threading.Event()

    def run(self) -> None:
        try:
            self.pid = backend_pid()
            self.started_call.set()
            self.result = self.call()
        except BaseException as error:
            self.error = error
        finally:
            connection.close()


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def waiting_for(pid: int, *locktypes: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE pid = %s AND NOT granted AND locktype = ANY(%s)",
            [pid, list(locktypes)],
        )
        return cursor.fetchone()[0] > 0


def wait_until(
    condition: Callable[[], bool], what: str, timeout: float = 15, details: Callable[[], str] = lambda: ""
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}\n{details()[-4000:]}")


def backends_of(application_name: str) -> list[int]:
    """The PostgreSQL backends of processes started with PGAPPNAME=`application_name` (a test's worker)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = %s AND datname = current_database()",
            [application_name],
        )
        return [row[0] for row in cursor.fetchall()]
