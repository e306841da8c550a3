"""Settings an operator gets wrong: each gives one line naming the variable and what is
expected, and a non-zero exit, from every entry point (the `surveys` command, `surveys check`,
the web server's `surveys.wsgi`); never a traceback. Production never falls back to SQLite."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from surveys import create_app
from surveys.config import StartupError, production_problems, settings_from_environment
from tests.conftest import ROOT, STRONG_SECRET

BIN = Path(sys.executable).parent
PSYCOPG2_HINT = (
    "uses the psycopg2 driver, which the platform does not install; write "
    "postgresql+psycopg://user:password@host:5432/surveys (psycopg 3)"
)
BROKEN = [
    (
        "SMTP_PORT",
        "abc",
        "SMTP_PORT: expected a whole number (from 1 to 65535, e.g. 587), got 'abc'",
    ),
    ("SMTP_PORT", "70000", "SMTP_PORT: expected a whole number (from 1 to 65535, e.g. 587)"),
    ("MAX_UPLOAD_MB", "ten", "MAX_UPLOAD_MB: expected a whole number (1 or more), got 'ten'"),
    (
        "TRUSTED_PROXIES",
        "yes",
        "TRUSTED_PROXIES: expected a whole number (0 or more: the reverse proxies in front of "
        "the app, usually 1), got 'yes'",
    ),
    (
        "HSTS_SECONDS",
        "abc",
        "HSTS_SECONDS: expected a whole number (0 or more seconds; 0 sends no HSTS), got 'abc'",
    ),
    ("SMTP_USE_TLS", "ture", "SMTP_USE_TLS: expected true or false, got 'ture'"),
    ("SURVEYS_ENV", "prod", "SURVEYS_ENV: expected development or production, got 'prod'"),
    (
        "LOG_LEVEL",
        "verbose",
        "LOG_LEVEL: expected DEBUG, INFO, WARNING, ERROR or CRITICAL, got 'verbose'",
    ),
    ("LOG_FORMAT", "xml", "LOG_FORMAT: expected json or text, got 'xml'"),
    (
        "DATABASE_URL",
        "postgres://surveys:pw@db/surveys",
        "DATABASE_URL: postgres:// is not a name SQLAlchemy knows; write "
        "postgresql+psycopg://user:password@host:5432/surveys",
    ),
    (
        "DATABASE_URL",
        "postgresql+psycopg2://surveys:pw@db/surveys",
        f"DATABASE_URL: postgresql+psycopg2:// {PSYCOPG2_HINT}",
    ),
    (
        "DATABASE_URL",
        "postgresql://surveys:pw@db/surveys",
        f"DATABASE_URL: postgresql:// {PSYCOPG2_HINT}",
    ),
    (
        "DATABASE_URL",
        "db.example.org/surveys",
        "DATABASE_URL: not a database URL; expected postgresql+psycopg://user:password@host:5432/surveys",
    ),
]


def clean_env(tmp_path: Path, **variables: str) -> dict[str, str]:
    """An operator's environment: nothing of the test run's, an instance folder of its own."""
    return {
        "PATH": f"{BIN}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "SURVEYS_INSTANCE_PATH": str(tmp_path / "instance"),
        **variables,
    }


def run(args: list[str], env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        args, env=env, cwd=ROOT, capture_output=True, text=True, check=False, timeout=timeout
    )


@pytest.mark.parametrize(("name", "value", "line"), BROKEN, ids=[f"{n}={v}" for n, v, _ in BROKEN])
def test_a_setting_that_cannot_be_used_is_one_line_and_a_refusal(tmp_path, name, value, line):
    done = run([str(BIN / "surveys"), "rounds", "list"], clean_env(tmp_path, **{name: value}))
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    [header, problem] = done.stderr.splitlines()
    assert header == "surveys cannot start:"
    assert problem.strip().startswith(line), problem
    if name == "DATABASE_URL":
        assert "pw" not in done.stderr  # the URL's password is never repeated


def test_every_problem_is_told_at_once_and_check_lists_them(tmp_path):
    env = clean_env(tmp_path, SMTP_PORT="abc", LOG_LEVEL="verbose")
    done = run([str(BIN / "surveys"), "check"], env)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("SMTP_PORT: expected a whole number")
    assert lines[1].startswith("LOG_LEVEL: expected DEBUG")


def test_the_web_entry_point_prints_the_lines_and_exits_as_gunicorn_understands(tmp_path):
    env = clean_env(tmp_path, HSTS_SECONDS="abc")
    done = run([sys.executable, "-c", "import surveys.wsgi"], env)
    assert done.returncode == 4  # gunicorn's "App failed to load": it stops, no restart loop
    assert done.stderr.splitlines() == [
        "surveys cannot start:",
        "  HSTS_SECONDS: expected a whole number (0 or more seconds; 0 sends no HSTS), got 'abc'",
    ]


def test_settings_are_read_when_the_app_is_built_not_at_import(monkeypatch, tmp_path):
    monkeypatch.setenv("MAX_UPLOAD_MB", "3")
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})
    assert app.config["MAX_UPLOAD_MB"] == 3


def test_the_environment_names_offered_leave_the_test_suite_s_own_out():
    _settings, problems = settings_from_environment({"SURVEYS_ENV": "prod"})
    assert problems == ["SURVEYS_ENV: expected development or production, got 'prod'"]
    assert "testing" not in problems[0]


@pytest.mark.parametrize(
    ("name", "written", "read"),
    [
        ("LOG_FORMAT", "JSON", "json"),
        ("LOG_FORMAT", " Json ", "json"),
        ("LOG_FORMAT", "text", "text"),
        ("LOG_LEVEL", "debug", "DEBUG"),
        ("LOG_LEVEL", "WARNING", "WARNING"),
        ("SURVEYS_ENV", "Production", "production"),
        ("SMTP_USE_TLS", "yes", True),
        ("SMTP_USE_TLS", "0", False),
        ("TRUSTED_PROXIES", " 1 ", 1),
    ],
)
def test_good_values_are_read_in_any_case_and_spacing(name, written, read):
    settings, problems = settings_from_environment({name: written})
    assert problems == []
    assert settings[name] == read


# ---------------------------------------------------------------- production


def test_production_without_a_database_url_refuses_to_start_instead_of_using_sqlite(
    monkeypatch, tmp_path
):
    monkeypatch.setenv("SURVEYS_ENV", "production")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("SURVEYS_INSTANCE_PATH", str(tmp_path / "instance"))
    with pytest.raises(StartupError) as refused:
        create_app({"SECRET_KEY": STRONG_SECRET})
    assert refused.value.problems == [
        "DATABASE_URL: must be set in production (postgresql+psycopg://...)."
    ]
    assert not (tmp_path / "instance").exists()  # no SQLite file was made


def production_env(tmp_path: Path, **variables: str) -> dict[str, str]:
    return clean_env(
        tmp_path,
        SURVEYS_ENV="production",
        SECRET_KEY=STRONG_SECRET,
        BASE_URL="https://monitoring.example.org",
        **variables,
    )


def test_production_commands_refuse_without_a_database_url(tmp_path):
    env = production_env(tmp_path)
    upgrade = run([str(BIN / "surveys"), "db", "upgrade"], env)
    assert upgrade.returncode == 2
    assert upgrade.stderr.splitlines() == [
        "surveys cannot start:",
        "  DATABASE_URL: must be set in production (postgresql+psycopg://...).",
    ]
    check = run([str(BIN / "surveys"), "check"], env)
    assert check.returncode == 1
    assert "DATABASE_URL: must be set in production (postgresql+psycopg://...)." in check.stdout
    assert "database:" not in check.stdout  # no database was looked at in its place
    assert "Traceback" not in upgrade.stderr + check.stderr
    assert not (tmp_path / "instance").exists()


def test_gunicorn_stops_with_the_line_when_production_has_no_database_url(tmp_path):
    env = production_env(tmp_path, GUNICORN_BIND="127.0.0.1:0", WEB_CONCURRENCY="1")
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", "python:surveys.gunicorn_conf", "surveys.wsgi:app"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _out, err = server.communicate(timeout=60)
    finally:
        if server.poll() is None:
            os.kill(server.pid, signal.SIGTERM)
            server.wait(timeout=10)
    assert server.returncode != 0
    assert "  DATABASE_URL: must be set in production (postgresql+psycopg://...)." in err
    assert "Traceback" not in err
    assert not (tmp_path / "instance").exists()


# ---------------------------------------------------------------- the secret


@pytest.mark.parametrize(
    ("secret", "refused"),
    [
        ("a" * 40, "SECRET_KEY: only 1 different characters, so not random"),
        ("ab" * 32, "SECRET_KEY: only 2 different characters, so not random"),
        ("short", "SECRET_KEY: must be a random string of at least 32"),
        (STRONG_SECRET, None),
        ("3f9a0c7be15d42a8961fce07b3d5e2a4", None),  # hexadecimal: 16 possible characters
    ],
)
def test_a_secret_must_be_long_and_varied(secret, refused):
    problems = production_problems(
        {"SECRET_KEY": secret, "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://x"}
    )
    if refused is None:
        assert problems == []
    else:
        [problem] = problems
        assert problem.startswith(refused)


# ---------------------------------------------------------------- the instance folder


def unwritable_instance(tmp_path: Path) -> Path:
    """A folder no one can create (root included: its parent is a file), as the default
    <venv>/var/surveys-instance is for a service user when root made the venv."""
    (tmp_path / "venv-file").write_text("")
    return tmp_path / "venv-file" / "surveys-instance"


def test_production_needs_no_instance_folder(monkeypatch, tmp_path):
    from surveys.extensions import db

    instance = unwritable_instance(tmp_path)
    monkeypatch.setenv("SURVEYS_ENV", "production")
    monkeypatch.setenv("SURVEYS_INSTANCE_PATH", str(instance))
    app = create_app(
        {"SECRET_KEY": STRONG_SECRET, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.db"}
    )
    with app.app_context():
        db.create_all()
        assert app.test_client().get("/health").status_code == 200
        db.engine.dispose()
    assert not instance.exists()


def test_an_instance_folder_that_cannot_be_made_is_one_line(tmp_path):
    instance = unwritable_instance(tmp_path)
    env = {**clean_env(tmp_path), "SURVEYS_INSTANCE_PATH": str(instance)}
    done = run([str(BIN / "surveys"), "rounds", "list"], env)  # the default SQLite file is there
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "surveys cannot start:",
        f"  SURVEYS_INSTANCE_PATH: cannot create {instance}: not a directory; set "
        "SURVEYS_INSTANCE_PATH to a folder the service user can write",
    ]


def test_a_scheduler_lock_file_that_cannot_be_made_is_one_line(tmp_path):
    instance = unwritable_instance(tmp_path)
    env = {
        **clean_env(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path}/s.db"),
        "SURVEYS_INSTANCE_PATH": str(instance),
    }
    assert run([str(BIN / "surveys"), "db", "upgrade"], env).returncode == 0
    done = run([str(BIN / "surveys"), "scheduler", "--once"], env)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.splitlines()[-2:] == [
        "surveys cannot start:",
        f"  SCHEDULER_LOCK_FILE: cannot create {instance}/scheduler.lock: not a directory; set "
        "SCHEDULER_LOCK_FILE (or SURVEYS_INSTANCE_PATH) to a place the service user can write",
    ]


def test_a_gunicorn_setting_that_is_not_a_number_is_one_line(tmp_path):
    # (Not WEB_CONCURRENCY: gunicorn reads that one itself, before our settings, and fails.)
    env = clean_env(tmp_path, WEB_TIMEOUT="two minutes")
    server = [str(BIN / "gunicorn"), "-c", "python:surveys.gunicorn_conf", "surveys.wsgi:app"]
    done = run(server, env)
    assert done.returncode != 0
    assert done.stderr.splitlines() == [
        "surveys cannot start:",
        "  WEB_TIMEOUT: expected a whole number (0 or more), got 'two minutes'",
    ]
