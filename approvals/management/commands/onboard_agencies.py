"""manage.py onboard_agencies FOLDER_OR_CSV [--jobs N]: every agency of a province from its ITA reports."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import psycopg
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from approvals.onboarding import EntryError, Outcome, onboard_all, read_entries
from audit import roles


class Command(BaseCommand):
    help = (
        "นำหน่วยงานทั้งจังหวัดเข้าสู่ระบบจากโฟลเดอร์รายงาน ITA หรือไฟล์ CSV / Onboard a province's agencies from a "
        "folder of ITA reports (one per agency) or a CSV naming them: each agency, its divisions, its first "
        "administrator (a temporary password, printed once), its plan imported and activated. Run it again to "
        "finish what failed: what is done is skipped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "source",
            help="a folder of report files, or a CSV (columns: report, agency, slug, "
            "admin_username, admin_first_name, admin_last_name, admin_email)",
        )
        parser.add_argument("--jobs", type=int, default=1, help="agencies onboarded at once, each in its own process")

    def handle(self, *args: Any, source: str, jobs: int, **options: Any) -> None:
        try:
            entries = read_entries(Path(source))
        except EntryError as error:
            raise CommandError(str(error)) from None
        if not entries:
            raise CommandError(f"ไม่พบรายงาน / no reports found in {source}")
        started = time.monotonic()
        progress = Progress(len(entries), self.stderr)
        outcomes: list[Outcome] = []
        for outcome in onboard_all(entries, jobs=max(1, jobs)):
            outcomes.append(outcome)
            progress.step(outcome)
            if outcome.password:
                # Printed once, here: the person changes it at first sign-in.
                self.stdout.write(
                    f"รหัสผ่านชั่วคราว / temporary password: {outcome.agency}: {outcome.username} {outcome.password}"
                )
        progress.finish()
        # Inside a caller's transaction the agencies are not committed yet, and the statistics (read on a connection
        # of their own) would describe the tables without them: they are refreshed when the command is the whole work.
        if any(outcome.status == Outcome.ONBOARDED for outcome in outcomes) and not connection.in_atomic_block:
            self._refresh_statistics()
        self._summary(outcomes, time.monotonic() - started)

    def _refresh_statistics(self) -> None:
        """PostgreSQL's statistics of the tables, now: until autovacuum gets to them, it plans the pages' queries
        for the tables as they were before (a handful of rows), and at a province's size it then reads every
        agency's rows to find one agency's (bench/province.py: a staff member's home page 1.4 times as long, the
        audit list of actions 4 times). ANALYZE reads a sample of each table, seconds even at millions of rows; as
        the owner of the tables, the only role PostgreSQL lets analyse them."""
        started = time.monotonic()
        # A connection of its own, committed work only (each agency was onboarded in its own transaction), so that
        # the command's connection stays the app's.
        params = connection.get_connection_params()
        wanted = {
            key: params[key] for key in ("dbname", "host", "port", "user", "password", "sslmode") if params.get(key)
        }
        owner = roles.owner_credentials()
        if owner is not None:
            wanted.update(user=owner["USER"], password=owner["PASSWORD"])
        with psycopg.connect(**wanted, autocommit=True) as owner_connection:
            owner_connection.execute("ANALYZE")
        self.stderr.write(f"ปรับสถิติของฐานข้อมูลแล้ว / database statistics refreshed ({time.monotonic() - started:.1f} s)")

    def _summary(self, outcomes: list[Outcome], seconds: float) -> None:
        count = {
            status: sum(o.status == status for o in outcomes)
            for status in (Outcome.ONBOARDED, Outcome.DONE_BEFORE, Outcome.FAILED)
        }
        for outcome in outcomes:
            for warning in outcome.warnings:
                self.stderr.write(self.style.WARNING(f"{outcome.entry.label}: {warning}"))
        failed = [o for o in outcomes if o.status == Outcome.FAILED]
        for outcome in failed:
            self.stdout.write(self.style.ERROR(f"ไม่สำเร็จ / failed: {outcome.entry.label}: {outcome.detail}"))
        self.stdout.write(
            f"เริ่มใช้งาน {count[Outcome.ONBOARDED]} หน่วยงาน, ทำไว้แล้ว {count[Outcome.DONE_BEFORE]}, "
            f"ไม่สำเร็จ {count[Outcome.FAILED]} ({seconds:.1f} วินาที) / onboarded {count[Outcome.ONBOARDED]}, "
            f"done before {count[Outcome.DONE_BEFORE]}, failed {count[Outcome.FAILED]} in {seconds:.1f} s"
        )
        if failed:
            raise CommandError(
                f"{len(failed)} หน่วยงานไม่สำเร็จ แก้แล้วสั่งอีกครั้ง / {len(failed)} agencies failed: fix them and run "
                "the command again (what is done is skipped)"
            )


class Progress:
    """A progress bar on a terminal; one line per agency otherwise (a log keeps every line)."""

    WIDTH = 30

    def __init__(self, total: int, out: Any) -> None:
        self.total, self.done, self.failed = total, 0, 0
        self.out = out  # the command's OutputWrapper
        self.tty = bool(out.isatty())

    def step(self, outcome: Outcome) -> None:
        self.done += 1
        self.failed += outcome.status == Outcome.FAILED
        filled = self.WIDTH * self.done // self.total
        bar = "#" * filled + "." * (self.WIDTH - filled)
        line = f"[{bar}] {self.done}/{self.total} ({self.failed} failed) {outcome.entry.label}: {outcome.status}"
        if self.tty:
            self.out.write("\r" + line[:120].ljust(120), ending="")
        else:
            self.out.write(line)
        self.out.flush()

    def finish(self) -> None:
        if self.tty:
            self.out.write("")
