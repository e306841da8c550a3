"""The code stays as ruff wants it (the settings are in pyproject.toml)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PATHS = [
    "surveys",
    "tests",
    "bench",
    "wsgi.py",
    "gunicorn.conf.py",
    "setup.py",
    "migrations/env.py",
]


def ruff(*args: str) -> subprocess.CompletedProcess:
    executable = shutil.which("ruff", path=str(Path(sys.executable).parent)) or "ruff"
    return subprocess.run(
        [executable, *args, *PATHS], cwd=ROOT, capture_output=True, text=True, check=False
    )


def test_ruff_finds_no_problem():
    result = ruff("check", "--no-cache")
    assert result.returncode == 0, result.stdout[-3000:]


def test_code_is_formatted():
    result = ruff("format", "--check", "--no-cache")
    assert result.returncode == 0, result.stdout[-3000:]
