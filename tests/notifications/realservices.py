"""Real services started by the tests: a redis-server of our own (so stopping it never touches the
machine's Redis), and Celery worker and beat processes on the test database."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from django.conf import settings
from django.db import connection

from config.celery import app

BASE_DIR = Path(settings.BASE_DIR)
CELERY = str(Path(sys.executable).with_name("celery"))


def free_port() -> int:
    """A port nobody listens on, so the test's own redis-server never meets another run's."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# Tasks of these tests go to a queue of their own, so that no other worker on the same Redis takes them.
TEST_QUEUE = f"khunatham-test-{os.getpid()}"


def wait_for(condition: Callable[[], object], *, timeout: float = 30, what: str = "condition") -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class RedisServer:
    """`redis-server --port N --save "" --appendonly no`, started and stopped by the test; `persistent` keeps
    its data across a stop and a start (an append-only file in a directory of its own), as production's does."""

    def __init__(self, port: int | None = None, *, persistent: bool = False) -> None:
        # The port stays the same across stop() and start(), as a restarted Redis would.
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None
        self.persistence = (
            ["--dir", tempfile.mkdtemp(prefix="redis-"), "--appendonly", "yes", "--appendfsync", "always"]
            if persistent
            else ["--appendonly", "no"]
        )

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary, "redis-server is not installed"
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", *self.persistence],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import redis

        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)

        def ready() -> bool:
            try:
                return bool(client.ping())
            except redis.RedisError:
                return False

        wait_for(ready, timeout=10, what=f"redis-server on port {self.port}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


def test_database_url() -> str:
    """The pytest-django test database (test_<name>), for processes started by the tests."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class CeleryProcess:
    """`celery -A config worker` (or beat) on the test database, in its own process group."""

    def __init__(self, command: list[str], *, broker_url: str, env: dict[str, str] | None = None) -> None:
        self.log = Path(tempfile.mkstemp(prefix="celery-", suffix=".log")[1])
        self.final_output = ""
        full_env = {
            **os.environ,
            "DATABASE_URL": test_database_url(),
            "REDIS_URL": broker_url,
            "DEBUG": "false",
            "SECRET_KEY": os.environ.get("SECRET_KEY", "test-secret"),
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "CELERY_TASK_DEFAULT_QUEUE": TEST_QUEUE,
            **(env or {}),
        }
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [CELERY, "-A", "config", *command],
                cwd=BASE_DIR,
                env=full_env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def output(self) -> str:
        if not self.log.exists():
            return self.final_output
        return self.log.read_text(errors="replace")

    def lines(self, *parts: str) -> int:
        """How many lines of the output contain every one of `parts`."""
        return sum(all(part in line for part in parts) for line in self.output().splitlines())

    def wait_for_lines(self, *parts: str, count: int = 1, timeout: float = 30) -> None:
        try:
            wait_for(lambda: self.lines(*parts) >= count, timeout=timeout, what=repr(parts))
        except AssertionError:
            raise AssertionError(f"{parts!r} not seen {count}x; output:\n{self.output()[-4000:]}") from None

    def kill(self) -> None:
        """SIGKILL the whole process group: the main process and its pool children, no clean-up."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def kill_pool_child(self) -> None:
        """SIGKILL only the prefork child running the task; the main process lives on."""
        children = subprocess.run(
            ["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True, check=True
        ).stdout.split()
        assert len(children) == 1, children
        os.kill(int(children[0]), signal.SIGKILL)

    def stop(self) -> None:
        """SIGTERM (a warm shutdown), keeping the output for the assertions."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
        self.final_output = self.output()
        self.log.unlink(missing_ok=True)


def start_worker(broker_url: str, *, env: dict[str, str] | None = None, name: str = "test") -> CeleryProcess:
    worker = CeleryProcess(
        [
            "worker",
            "-l",
            "info",
            "--pool",
            "prefork",
            "--concurrency",
            "1",
            "-n",
            f"{name}-{os.getpid()}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        broker_url=broker_url,
        env=env,
    )
    worker.wait_for_lines(" ready.")
    return worker


def start_beat(broker_url: str, *, env: dict[str, str] | None = None) -> CeleryProcess:
    directory = tempfile.mkdtemp(prefix="beat-")
    return CeleryProcess(
        ["beat", "-l", "info", "--schedule", f"{directory}/schedule", "--pidfile", f"{directory}/pid"],
        broker_url=broker_url,
        env=env,
    )


@contextlib.contextmanager
def publishing_to(broker_url: str) -> Iterator[None]:
    """Make this (test) process publish tasks to `broker_url` for real, as the web app does."""
    saved = (app.conf.broker_url, app.conf.task_always_eager, app.conf.task_default_queue)
    _reset_connections()
    app.conf.broker_url, app.conf.task_always_eager, app.conf.task_default_queue = broker_url, False, TEST_QUEUE
    try:
        yield
    finally:
        _reset_connections()
        app.conf.broker_url, app.conf.task_always_eager, app.conf.task_default_queue = saved


def _reset_connections() -> None:
    from kombu import pools

    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


def purge(broker_url: str) -> None:
    """Drop the tests' own queue (never the rest of a shared Redis database)."""
    import redis

    client = redis.Redis.from_url(broker_url)
    client.delete(TEST_QUEUE, f"_kombu.binding.{TEST_QUEUE}", f"_kombu.binding_permanent.{TEST_QUEUE}")
