"""The `surveys` command: Flask's CLI for this app, with help on every command."""

from __future__ import annotations

import subprocess
import sys

import click

from surveys import create_app


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
