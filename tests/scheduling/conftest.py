"""Fixtures for scheduler process tests: a PostgreSQL schema of their own and subprocesses."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from surveys import create_app
from surveys.extensions import db as _db
from tests.conftest import ROOT, postgres_url

SURVEYS = Path(sys.executable).parent / "surveys"
PAUSED_SCHEDULER = "tests.scheduling.paused_scheduler"  # `surveys` with a reminder held open


@dataclass
class SchedulerEnv:
    app: object
    url: str  # DATABASE_URL for subprocesses, search_path included
    tmp: Path


@pytest.fixture
def pg_scheduler_env(tmp_path) -> Iterator[SchedulerEnv]:
    """An app on a fresh PostgreSQL schema (tables created), and the URL to reach it."""
    base = postgres_url()
    if base is None:
        pytest.skip("TEST_DATABASE_URL is not set: scheduler process tests need PostgreSQL")
    schema = f"s_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(base)
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    options = f"-csearch_path={schema}"
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-only-not-secret",
            "SQLALCHEMY_DATABASE_URI": base,
            "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"options": options}},
            "MAIL_BACKEND": "memory",
            "BASE_URL": "http://localhost",
            "SCHEDULER_LOCK_FILE": str(tmp_path / "scheduler.lock"),
        }
    )
    with app.app_context():
        _db.create_all()
    separator = "&" if "?" in base else "?"
    url = f"{base}{separator}options={quote(options)}"
    try:
        with app.app_context():
            yield SchedulerEnv(app, url, tmp_path)
            _db.session.remove()
            _db.engine.dispose()
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


@dataclass
class SchedulerProcess:
    process: subprocess.Popen
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for(self, text: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.output():
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError(f"{text!r} not seen within {timeout}s; output:\n{self.output()}")

    def swept(self) -> bool:
        """Whether this process, as leader, has finished a catch-up sweep (its heartbeat says)."""
        from surveys.scheduling.models import SchedulerHeartbeat

        _db.session.rollback()
        return (
            _db.session.scalar(
                sa.select(SchedulerHeartbeat.swept_at).where(
                    SchedulerHeartbeat.worker.endswith(f":{self.process.pid}")
                )
            )
            is not None
        )

    def wait_for_sweep(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.swept():
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        raise AssertionError(f"no sweep within {timeout}s; output:\n{self.output()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


@pytest.fixture
def start_scheduler(pg_scheduler_env) -> Iterator[Callable[..., SchedulerProcess]]:
    """Start `surveys scheduler` subprocesses on the test schema; all stopped at the end."""
    started: list[SchedulerProcess] = []

    def start(name: str, *, paused: bool = False, **extra_env: str) -> SchedulerProcess:
        """`paused`: the first reminder of all the processes holds its transaction open (the
        PAUSE_SECONDS and MARKER_FILE variables say how long and where)."""
        log = pg_scheduler_env.tmp / f"{name}.log"
        env = {
            **os.environ,
            "SURVEYS_ENV": "development",
            "FLASK_APP": "surveys:create_app",
            "DATABASE_URL": pg_scheduler_env.url,
            "MAIL_BACKEND": "console",
            "BASE_URL": "http://localhost",
            "SCHEDULER_LOCK_FILE": str(pg_scheduler_env.tmp / "scheduler.lock"),
            **extra_env,
        }
        handle = log.open("wb")
        command = [sys.executable, "-m", PAUSED_SCHEDULER] if paused else [str(SURVEYS)]
        process = subprocess.Popen(
            [*command, "scheduler", "--poll-seconds", "1"],
            cwd=ROOT,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
        handle.close()
        started.append(SchedulerProcess(process, log))
        return started[-1]

    yield start
    for scheduler in started:
        scheduler.stop()
