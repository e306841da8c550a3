"""The scheduler's exports job never overlaps itself: its next run is planned a few seconds
after a run ends, so a workbook that takes longer than the polling period gives no "maximum
number of running instances reached" warning and no skipped run."""

from __future__ import annotations

import itertools
import logging
import threading
import time

import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from surveys.scheduling import process


@pytest.fixture
def running_scheduler(monkeypatch):
    scheduler = BackgroundScheduler(
        timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1}
    )
    scheduler.add_jobstore("memory", alias="memory")
    monkeypatch.setattr(process, "_scheduler", scheduler)
    monkeypatch.setattr(process, "_after_run_jobs", {})
    monkeypatch.setattr(process, "_running", set())
    yield scheduler
    if scheduler.running:
        scheduler.shutdown(wait=True)


def test_a_long_export_run_is_never_overlapped_nor_skipped(
    app, running_scheduler, monkeypatch, caplog
):
    """Runs of 1.5 s polled every second: each next run starts a second after the last ended."""
    runs: list[tuple[float, float]] = []
    active = threading.Lock()
    overlaps = []

    def slow_exports() -> int:
        if not active.acquire(blocking=False):
            overlaps.append(time.monotonic())
            return 0
        started = time.monotonic()
        time.sleep(1.5)
        runs.append((started, time.monotonic()))
        active.release()
        return 1

    monkeypatch.setattr(process.jobs, "run_exports", slow_exports)
    app.config["EXPORT_POLL_SECONDS"] = 1
    job = next(j for j in process.fixed_jobs(app.config) if j.id == process.EXPORTS_JOB)
    assert job.after_each_run and job.seconds == 1
    caplog.set_level(logging.WARNING)
    process._after_run_jobs[job.id] = job
    process._add_date_job(running_scheduler, job, process.utcnow())
    running_scheduler.start()
    time.sleep(6.5)
    running_scheduler.shutdown(wait=True)

    assert len(runs) >= 2 and not overlaps
    for (_, ended), (next_started, _) in itertools.pairwise(runs):
        assert next_started - ended >= 0.9  # the period counts from the end of a run
    assert not [r for r in caplog.records if "maximum number of running instances" in r.message]
    assert not [r for r in caplog.records if "skipped" in r.getMessage()]


def test_a_failed_run_still_plans_the_next(app, running_scheduler, monkeypatch):
    def broken() -> int:
        raise RuntimeError("file store unavailable")

    monkeypatch.setattr(process.jobs, "run_exports", broken)
    running_scheduler.start(paused=True)  # planned jobs wait
    job = next(j for j in process.fixed_jobs(app.config) if j.id == process.EXPORTS_JOB)
    process._after_run_jobs[job.id] = job
    with pytest.raises(RuntimeError):
        process.exports_job()
    planned = running_scheduler.get_job(job.id)
    assert planned is not None and planned.trigger.run_date > process.utcnow()


def test_a_lost_plan_is_planned_again_by_the_sweep(app, running_scheduler, caplog):
    job = next(j for j in process.fixed_jobs(app.config) if j.id == process.EXPORTS_JOB)
    process._after_run_jobs[job.id] = job
    running_scheduler.start(paused=True)
    caplog.set_level(logging.WARNING)
    process.replan_lost_runs()  # not planned, not running: planned again
    assert running_scheduler.get_job(job.id) is not None
    assert "not planned" in caplog.text
    process._running.add(job.id)
    running_scheduler.remove_job(job.id)
    process.replan_lost_runs()  # running: its own end plans the next run
    assert running_scheduler.get_job(job.id) is None
