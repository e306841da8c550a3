"""A web worker's app (surveys.wsgi) is built without what only the command line, the scheduler
and workbooks use: Flask-Migrate and Alembic (with Mako and Pygments), APScheduler and openpyxl,
some 16 MB of memory in every worker. The commands still find them, and a worker serving a
workbook loads openpyxl then (each imports them where it uses them)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from surveys import create_app

COMMAND_LINE_ONLY = {"flask_migrate", "alembic", "mako", "pygments", "apscheduler", "openpyxl"}
PROGRAM = """
import sys
import surveys.wsgi
print(",".join(sorted({name.split(".")[0] for name in sys.modules})))
"""


def packages_loaded_by_a_web_worker(folder: Path) -> set[str]:
    env = {
        **os.environ,
        "SURVEYS_INSTANCE_PATH": str(folder / "instance"),
        "DATABASE_URL": f"sqlite:///{folder / 'worker.db'}",
        "SURVEYS_ENV": "development",
    }
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM], capture_output=True, text=True, env=env, check=True
    )
    return set(done.stdout.strip().split(","))


def test_a_web_worker_loads_nothing_only_commands_use(tmp_path):
    loaded = packages_loaded_by_a_web_worker(tmp_path)
    assert {"flask", "flask_sqlalchemy", "jinja2"} <= loaded  # the app was built
    assert loaded & COMMAND_LINE_ONLY == set()


def test_the_command_line_app_keeps_its_migrations(tmp_path):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})
    assert app.extensions["migrate"].directory.endswith("migrations")
    assert "db" in app.cli.list_commands(None)
    served = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"},
        commands=False,
    )
    assert "migrate" not in served.extensions
