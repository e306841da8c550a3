"""`make bench` / `python -m bench`: run every benchmark in turn; each prints its own figures.

Each script also runs alone, with options (`python bench/export_workbooks.py --help`).
PostgreSQL figures are added when TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = (
    ("Respondent form page: weight, render and save time", ["form_page.py"]),
    ("Respondent form page in French", ["form_page.py", "--language", "fr"]),
    ("Scoring a large round vs reading its answers", ["scoring_round.py"]),
    ("Scoring a large round with three dimensions vs without", ["dimension_scoring.py"]),
    ("Excel scorecard and trends workbooks vs bare openpyxl", ["export_workbooks.py"]),
    ("Offline workbook: template, full import, round trip", ["offline_workbook.py"]),
    ("Data API: tidy responses as CSV vs one SELECT + csv", ["api_responses.py"]),
    ("Results overview at 16 and 200 countries", ["overview.py"]),
    ("Heaviest area page in-process: CPU a request", ["inprocess.py", "page"]),
    ("One-field autosave in-process: CPU a request", ["inprocess.py", "save"]),
)


def main() -> int:
    failures = 0
    for title, command in BENCHMARKS:
        print(f"\n=== {title} ===", flush=True)
        result = subprocess.run([sys.executable, str(HERE / command[0]), *command[1:]], check=False)
        failures += result.returncode != 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
