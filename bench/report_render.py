"""Rendering time of the official report in its three formats, and how it grows with the plan.

Loads the sample agency and plays its sample year (as `make run` does) in a test database of its own,
assembles the 12-month report once, then renders it as PDF, DOCX and XLSX (best of three runs each) and
prints each time and the PDF/DOCX ratio (the goal: at most 2). It then renders a report of ten times the
sample's actions (each indicator's actions repeated ten times, with their approved results) and prints
each format's time against the sample's (the goal: about 10, i.e. linear). Nothing is asserted.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/khunatham SECRET_KEY=x python bench/report_render.py
"""

from __future__ import annotations

import copy
import os
import sys
import time
from io import StringIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from approvals.models import Plan, User  # noqa: E402
from reports import renderers  # noqa: E402
from reports.assembly import ReportData, assemble_report  # noqa: E402

FORMATS = ("pdf", "docx", "xlsx")
RUNS = 3
GROWTH = 10


def best_time(data: ReportData, report_format: str) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        renderers.render(data, report_format)
        times.append(time.perf_counter() - start)
    return min(times)


def grown(data: ReportData, factor: int) -> ReportData:
    """The same report with every indicator's actions repeated `factor` times."""
    bigger = copy.deepcopy(data)
    for measure in bigger.measures:
        for indicator in measure.indicators:
            indicator.actions = [copy.deepcopy(action) for _ in range(factor) for action in indicator.actions]
    return bigger


def main() -> None:
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        call_command("load_sample_agency", stdout=StringIO())
        call_command("play_sample_year", stdout=StringIO())
        plan = Plan.objects.select_related("agency", "fiscal_year").get(agency__slug="ko-loi-bang-hak")
        data = assemble_report(
            plan,
            12,
            prepared_by=User.objects.get(username="admin"),
            verification_url="https://khunatham.example.go.th/public/ko-loi-bang-hak/2566/",
        )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    for report_format in FORMATS:  # warm up: fonts loaded, modules imported
        renderers.render(data, report_format)
    actions = len(data.actions())
    sample = {report_format: best_time(data, report_format) for report_format in FORMATS}
    big_data = grown(data, GROWTH)
    big = {report_format: best_time(big_data, report_format) for report_format in FORMATS}
    print(f"12-month report of the sample year: {actions} actions (best of {RUNS} runs)")
    for report_format in FORMATS:
        print(f"  {report_format.upper():5} {sample[report_format]:7.3f} s")
    print(f"  PDF / DOCX: {sample['pdf'] / sample['docx']:.2f} (goal: at most 2)")
    print(f"Report of {GROWTH}x the actions: {len(big_data.actions())} actions")
    for report_format in FORMATS:
        ratio = big[report_format] / sample[report_format]
        seconds = big[report_format]
        print(f"  {report_format.upper():5} {seconds:7.3f} s   x{ratio:.1f} the sample's time (goal: ~{GROWTH})")
    print(f"  PDF / DOCX: {big['pdf'] / big['docx']:.2f}")


if __name__ == "__main__":
    main()
