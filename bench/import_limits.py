"""How long the importer takes to refuse huge or hostile input, as a ratio to parsing the sample report once.

    DEBUG=true python bench/import_limits.py [--rounds 5]

No database is needed (the parser never touches one). Each case is timed as the median of its rounds, in the
same run as the baseline (the 53 kB sample report, parsed whole), so the ratios hold on any machine:
- a 10 MB line of tab cells (the issue's case: 120 s and more before the limits), refused by the size limit;
- a 4.9 MB line (just under the size limit), refused by the line-length limit;
- the sample report followed by 6,000 rows of 4 cells, refused by the cell limit;
- the sample report followed by 6,400 rows of 3 cells, just under every limit: the most work a file can ask for;
- the sample report pasted 50 times (2.6 MB), read as one copy with a warning;
- a 200 MB file given to the command, refused from its size before it is read.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.core.management import CommandError, call_command  # noqa: E402

from approvals.importer import ReportError, parse_report, parse_report_bytes  # noqa: E402
from approvals.sample import SAMPLE_REPORT  # noqa: E402


def timed(work: Callable[[], object], rounds: int) -> tuple[float, str]:
    times, outcome = [], ""
    for _ in range(rounds):
        start = time.perf_counter()
        try:
            work()
            outcome = "accepted"
        except (ReportError, CommandError) as error:
            outcome = "refused: " + str(error).split(" / ", 1)[-1][:70]
        times.append(time.perf_counter() - start)
    return statistics.median(times), outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    seed = SAMPLE_REPORT.read_text(encoding="utf-8")
    huge = Path(tempfile.mkdtemp()) / "huge.txt"
    with huge.open("wb") as file:
        file.truncate(200 * 1024 * 1024)
    cases = {
        "10 MB line of tab cells": lambda: parse_report_bytes(b"x\t" * (5 * 1024 * 1024)),
        "4.9 MB line of tab cells": lambda: parse_report(seed + "\n" + "x\t" * (2_450_000)),
        "sample + 6,000 rows of 4 cells": lambda: parse_report(seed + "\n" + "ก\tข\tค\tง\n" * 6_000),
        "sample + 6,400 rows of 3 cells": lambda: parse_report(seed + "\n" + "ก\tข\tค\n" * 6_400),
        "sample pasted 50 times": lambda: parse_report("\n".join([seed] * 50)),
        "200 MB file to the command": lambda: call_command("import_ita_report", str(huge), "--dry-run"),
    }
    baseline, _ = timed(lambda: parse_report(seed), rounds)
    print(f"baseline: the sample report parsed once: {baseline * 1000:.1f} ms (median of {rounds})")
    for name, work in cases.items():
        seconds, outcome = timed(work, rounds)
        print(f"{name:28} {seconds * 1000:8.1f} ms  {seconds / baseline:6.1f}x baseline  {outcome}")
    huge.unlink()


if __name__ == "__main__":
    main()
