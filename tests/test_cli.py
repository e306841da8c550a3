"""The `surveys` command: Flask's CLI for this app, with help on every command."""

from __future__ import annotations

import subprocess
import sys
import tomllib

import click

from surveys import create_app
from tests.conftest import ROOT


def every_command(group: click.Group, prefix=()):
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        yield (*prefix, name), command
        if isinstance(command, click.Group):
            yield from every_command(command, (*prefix, name))


def test_every_project_command_has_help(tmp_path):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})
    runner = app.test_cli_runner()
    names = [" ".join(path) for path, _ in every_command(app.cli)]
    for expected in (
        "questionnaire validate",
        "questionnaire import",
        "questionnaire publish",
        "questionnaire diff",
        "questionnaire list",
        "countries add",
        "users invite",
        "rounds create",
        "rounds list",
        "scores recompute",
        "export scorecard",
        "export trends",
        "scheduler",
        "demo",
        "demo-logins",
    ):
        assert expected in names, f"`surveys {expected}` is missing"
    for path, command in every_command(app.cli):
        result = runner.invoke(args=[*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        assert command.help or command.short_help, f"`surveys {' '.join(path)}` has no help text"


def test_the_console_script_wraps_flask_commands():
    result = subprocess.run(
        [sys.executable, "-c", "from surveys.cli import main; main()", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0
    for command in ("db", "run", "shell", "questionnaire", "rounds", "scheduler"):
        assert command in result.stdout


def _surveys(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "from surveys.cli import main; main()", *args],
        capture_output=True,
        text=True,
        check=False,
    )


def test_version_is_the_platform_s_own_from_its_package_metadata():
    """An operator checks an upgrade with `surveys --version`: the version of the wheel that
    is installed (pyproject.toml's), not Flask's."""
    with (ROOT / "pyproject.toml").open("rb") as handle:
        declared = tomllib.load(handle)["project"]["version"]
    assert declared != "0.1.0"  # the version every wheel had, so an upgrade installed nothing
    result = _surveys("--version")
    assert result.returncode == 0
    assert result.stdout == f"surveys {declared}\n"


def test_flask_s_env_file_option_is_not_offered():
    """Settings are read from the environment (systemd's EnvironmentFile); Flask's --env-file
    needs python-dotenv, which the platform does not install."""
    result = _surveys("--env-file", "/etc/surveys/env", "check")
    assert result.returncode == 2
    assert "No such option '--env-file'" in result.stderr
    assert "--env-file" not in _surveys("--help").stdout


def test_a_command_on_a_database_without_its_schema_is_one_line(tmp_path):
    """Run before `surveys db upgrade`, a command says so in one line (it printed SQLAlchemy's
    traceback, 'no such table: rounds')."""
    import os

    env = {
        **os.environ,
        "SURVEYS_ENV": "development",
        "SURVEYS_INSTANCE_PATH": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}",
        "SECRET_KEY": "cli-test-secret-0123456789abcdefghijklmnopqrstuvwxyz",
    }
    result = subprocess.run(
        [sys.executable, "-c", "from surveys.cli import main; main()", "rounds", "list"],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "surveys: the database has no table this version reads: run `surveys db upgrade` "
        "first (`surveys check` says which migration it is at)"
    )


def test_postgresql_s_missing_table_and_column_read_as_a_schema_to_upgrade():
    import psycopg
    from sqlalchemy.exc import ProgrammingError

    from surveys.cli import schema_problem

    table = ProgrammingError("SELECT", {}, psycopg.errors.UndefinedTable('"rounds"'))
    column = ProgrammingError("SELECT", {}, psycopg.errors.UndefinedColumn('"names"'))
    other = ProgrammingError("SELECT", {}, psycopg.errors.SyntaxError("near x"))
    assert "has no table" in schema_problem(table)
    assert "lacks a column" in schema_problem(column)
    assert schema_problem(other) is None


def test_db_downgrade_takes_alembic_s_relative_revision(tmp_path):
    """Going back one migration is `surveys db downgrade -1`, as Alembic writes it (Click took
    the -1 for an unknown option: "No such option '-1'")."""
    import os

    from alembic.script import ScriptDirectory

    env = {
        **os.environ,
        "SURVEYS_ENV": "development",
        "SURVEYS_INSTANCE_PATH": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'back.db'}",
        "SECRET_KEY": "cli-test-secret-0123456789abcdefghijklmnopqrstuvwxyz",
    }

    def surveys(*args):
        return subprocess.run(
            [sys.executable, "-c", "from surveys.cli import main; main()", *args],
            capture_output=True,
            text=True,
            check=False,
            env=env,
        )

    script = ScriptDirectory(str(ROOT / "migrations"))
    head = script.get_revision(script.get_current_head())
    assert surveys("db", "upgrade").returncode == 0
    result = surveys("db", "downgrade", "-1")
    assert result.returncode == 0, result.stderr
    assert surveys("db", "current").stdout.split()[0] == head.down_revision
    assert surveys("db", "upgrade").returncode == 0
    assert surveys("db", "current").stdout.split() == [head.revision, "(head)"]


# The migration each released version shipped with (add a line when a version is released).
RELEASED_HEADS = {"0.2.0": "7b3d9e5f1a2c"}


def test_a_schema_changed_since_a_release_comes_with_a_new_version():
    """A version is released once: code that needs another migration than the release of its
    number had must carry a new number, or `pip install --upgrade` of its wheel installs
    nothing on a machine that has that release (and `surveys --version` cannot tell them
    apart)."""
    from alembic.script import ScriptDirectory

    with (ROOT / "pyproject.toml").open("rb") as handle:
        declared = tomllib.load(handle)["project"]["version"]
    head = ScriptDirectory(str(ROOT / "migrations")).get_current_head()
    assert RELEASED_HEADS.get(declared, head) == head, (
        f"version {declared} was released with migration {RELEASED_HEADS.get(declared)}; "
        f"this code is at {head}: raise the version in pyproject.toml"
    )
