"""`surveys scheduler`: the one active scheduler process (others wait as standbys).

Once it holds the leader lock it runs an APScheduler BlockingScheduler whose jobs live in the
app database (table `apscheduler_jobs`). Jobs are derived from the rounds table, never the
other way round: at start and every minute `reconcile` adds a date job for each future opening,
reminder moment and closing, and removes jobs of rounds that were cancelled or moved. A
catch-up `sweep` every minute does any round work whose moment has passed (a downtime longer
than the misfire grace time, or a leader killed while running a job: APScheduler removes a date
job from its store when it starts it). Every job is idempotent (see jobs.py), so a job that
runs both as a date job and in a sweep has its effect once.
"""

from __future__ import annotations

import logging
import signal
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.base import STATE_STOPPED
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from surveys.columns import utcnow
from surveys.extensions import db
from surveys.rounds.models import Round
from surveys.rounds.state import reminder_due_at
from surveys.scheduling import jobs
from surveys.scheduling.heartbeat import LEADER, STANDBY, Heart
from surveys.scheduling.leader import LeaderLock, lock_for

logger = logging.getLogger("surveys.scheduler")

JOB_TABLE = "apscheduler_jobs"
JOBS_MODULE = "surveys.scheduling.jobs"
ROUND_JOB_PREFIX = "round-"
DEFAULT_MISFIRE_GRACE_SECONDS = 24 * 3600  # a night of downtime, and then some
DEFAULT_INTERVAL_SECONDS = 60
DEFAULT_EXPORT_POLL_SECONDS = 3
LEADER_CHECK_SECONDS = 10
EXIT_LOST_LEADERSHIP = 3


@dataclass(frozen=True)
class FixedJob:
    id: str
    func: str
    seconds: int
    # "memory" for a frequent job re-added at every start: the database job store would be
    # written every few seconds (on SQLite, lock contention with the web workers).
    jobstore: str = "default"
    # True: the next run is planned `seconds` after this one ends, never while it runs (a job
    # that may take longer than its period: on an interval, APScheduler would skip the runs
    # that fall due meanwhile, each with a warning).
    after_each_run: bool = False


def fixed_jobs(config) -> tuple[FixedJob, ...]:
    every = int(config.get("SCHEDULER_INTERVAL_SECONDS") or DEFAULT_INTERVAL_SECONDS)
    return (
        FixedJob("sweep", "surveys.scheduling.process:sweep_job", every),
        FixedJob("reconcile", "surveys.scheduling.process:reconcile_job", every),
        FixedJob("outbox", f"{JOBS_MODULE}:deliver_outbox", every),
        FixedJob("cadences", f"{JOBS_MODULE}:run_cadences", max(every, 60) * 10),
        # Workbooks asked for on a page: soon after they are queued. Writing one can take
        # longer than the polling period, so the next look is planned once a run has ended.
        FixedJob(
            EXPORTS_JOB,
            "surveys.scheduling.process:exports_job",
            export_poll_seconds(config),
            jobstore="memory",
            after_each_run=True,
        ),
    )


EXPORTS_JOB = "exports"


def export_poll_seconds(config) -> int:
    return int(config.get("EXPORT_POLL_SECONDS") or DEFAULT_EXPORT_POLL_SECONDS)


@dataclass(frozen=True)
class RoundJob:
    id: str
    func: str
    run_date: datetime
    round_id: int


def desired_round_jobs(now: datetime) -> dict[str, RoundJob]:
    """A date job per future opening, reminder moment and closing of every live round."""
    desired: dict[str, RoundJob] = {}
    rounds = db.session.scalars(db.select(Round).where(Round.cancelled_at.is_(None))).all()
    for round_ in rounds:
        moments: list[tuple[str, str, datetime]] = [("opening", "open_round", round_.opens_at)]
        for closes_at in sorted({p.closes_at for p in round_.participants}):
            stamp = jobs.slot_time(closes_at)
            moments.append((f"closing-{stamp}", "close_round", closes_at))
            for offset in round_.reminder_offsets:
                due = reminder_due_at(closes_at, offset)
                if due >= round_.opens_at:
                    moments.append((f"reminder-{jobs.slot_time(due)}", "send_reminders", due))
        for name, function, moment in moments:
            if moment > now:
                job_id = f"{ROUND_JOB_PREFIX}{round_.id}-{name}"
                desired[job_id] = RoundJob(job_id, f"{JOBS_MODULE}:{function}", moment, round_.id)
    return desired


def reconcile(scheduler: BlockingScheduler, now: datetime | None = None) -> tuple[int, int]:
    """Make the job store match the rounds table; returns (added or replaced, removed)."""
    now = now or utcnow()
    desired = desired_round_jobs(now)
    db.session.commit()
    existing = {job.id: job for job in scheduler.get_jobs() if job.id.startswith(ROUND_JOB_PREFIX)}
    added = removed = 0
    for job_id, wanted in desired.items():
        job = existing.get(job_id)
        if (
            job is not None
            and getattr(job.trigger, "run_date", None) == wanted.run_date
            and job.func_ref == wanted.func
            and tuple(job.args) == (wanted.round_id,)
        ):
            continue
        scheduler.add_job(
            wanted.func,
            trigger="date",
            run_date=wanted.run_date,
            args=[wanted.round_id],
            id=job_id,
            name=job_id,
            replace_existing=True,
        )
        added += 1
    for job_id in existing.keys() - desired.keys():
        scheduler.remove_job(job_id)
        removed += 1
    if added or removed:
        logger.info("reconciled round jobs: %s added or moved, %s removed", added, removed)
    return added, removed


_scheduler: BlockingScheduler | None = None
_lock: LeaderLock | None = None
_heart: Heart | None = None


@jobs.in_app_context
def reconcile_job() -> tuple[int, int]:
    if _scheduler is None:
        return (0, 0)
    return reconcile(_scheduler)


def sweep_job() -> int:
    """The catch-up sweep; the heartbeat then records when it last completed."""
    queued = jobs.sweep()
    replan_lost_runs()
    if _heart is not None:
        _heart.beat(LEADER, swept=True)
    return queued


def exports_job() -> int:
    """Write the queued workbooks, then plan the next look a few seconds after this one ends:
    runs never overlap, however long a workbook takes."""
    _running.add(EXPORTS_JOB)
    try:
        return jobs.run_exports()
    finally:
        _running.discard(EXPORTS_JOB)
        plan_next_run(EXPORTS_JOB)


# The jobs planned after each run (FixedJob.after_each_run), by id, as added at start, and
# those of them running now (their next run is not planned yet).
_after_run_jobs: dict[str, FixedJob] = {}
_running: set[str] = set()


def replan_lost_runs() -> None:
    """Plan again a job planned after each run that is neither planned nor running (its date
    job was dropped, e.g. missed beyond the grace time): it would otherwise never run again."""
    scheduler = _scheduler
    if scheduler is None or scheduler.state == STATE_STOPPED:
        return
    for job_id in list(_after_run_jobs):
        if job_id not in _running and scheduler.get_job(job_id) is None:
            logger.warning("the %s job was not planned: planned again", job_id)
            plan_next_run(job_id)


def plan_next_run(job_id: str, now: datetime | None = None) -> None:
    """Plan the job's next run its period after now (nothing once the scheduler stopped)."""
    scheduler, job = _scheduler, _after_run_jobs.get(job_id)
    if scheduler is None or job is None or scheduler.state == STATE_STOPPED:
        return
    _add_date_job(scheduler, job, (now or utcnow()) + timedelta(seconds=job.seconds))


def _add_date_job(scheduler: BlockingScheduler, job: FixedJob, at: datetime) -> None:
    scheduler.add_job(
        job.func,
        trigger="date",
        run_date=at,
        id=job.id,
        name=job.id,
        replace_existing=True,
        jobstore=job.jobstore,
    )


def check_leadership() -> None:
    """Stop at once if the lock was lost (its connection died): a standby may be leading."""
    if _lock is not None and not _lock.still_held():
        logger.critical("leader lock lost; stopping so that only one scheduler runs")
        if _scheduler is not None and _scheduler.state != STATE_STOPPED:
            _scheduler.shutdown(wait=False)
        return
    if _heart is not None:
        _heart.beat(LEADER)


def build_scheduler(app: Flask) -> BlockingScheduler:
    grace = int(app.config.get("SCHEDULER_MISFIRE_GRACE_SECONDS") or DEFAULT_MISFIRE_GRACE_SECONDS)
    with app.app_context():
        engine = db.engine
    return BlockingScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename=JOB_TABLE)},
        executors={"default": ThreadPoolExecutor(max_workers=4)},
        job_defaults={"coalesce": True, "misfire_grace_time": grace, "max_instances": 1},
        timezone=UTC,
    )


def add_fixed_jobs(scheduler: BlockingScheduler, app: Flask, now: datetime) -> None:
    """The periodic jobs, with fixed ids; each also runs right away at start."""
    for job in fixed_jobs(app.config):
        if job.after_each_run:
            _after_run_jobs[job.id] = job
            _add_date_job(scheduler, job, now)
            continue
        scheduler.add_job(
            job.func,
            trigger="interval",
            seconds=job.seconds,
            id=job.id,
            name=job.id,
            replace_existing=True,
            next_run_time=now,
            jobstore=job.jobstore,
        )
    scheduler.add_job(
        check_leadership,
        trigger="interval",
        seconds=LEADER_CHECK_SECONDS,
        id="leader-check",
        name="leader-check",
        replace_existing=True,
        jobstore="memory",
    )


def wait_for_leadership(
    lock: LeaderLock, poll_seconds: float, stop: threading.Event, heart: Heart | None = None
) -> bool:
    """Block until this process holds the lock (True) or is asked to stop (False)."""
    announced = False
    while not stop.is_set():
        if lock.try_acquire():
            return True
        if heart is not None:
            heart.beat(STANDBY)
        if not announced:
            logger.warning(
                "another scheduler is active: standing by (checking every %ss)", poll_seconds
            )
            announced = True
        stop.wait(poll_seconds)
    return False


def run(app: Flask, *, poll_seconds: float, once: bool = False) -> int:
    """Run the scheduler until stopped; returns the process exit status."""
    global _scheduler, _lock, _heart
    stop = threading.Event()
    with app.app_context():
        lock = lock_for(db.engine, app.config)
        heart = Heart(db.engine, jobs.worker_name())
    _lock = lock

    def on_signal(signum, _frame):
        logger.info("signal %s: stopping", signum)
        stop.set()
        if _scheduler is not None and _scheduler.state != STATE_STOPPED:
            _scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    if not wait_for_leadership(lock, poll_seconds, stop, None if once else heart):
        heart.stop()
        return 0
    logger.warning("this scheduler is now the leader")
    jobs.bind_app(app)
    try:
        if once:
            status = run_once(app)
            heart.beat(LEADER, swept=True)  # `--once` from cron: each run shows in /health
            return status
        heart.beat(LEADER)
        _heart = heart
        scheduler = build_scheduler(app)
        scheduler.add_jobstore("memory", alias="memory")
        _scheduler = scheduler
        add_fixed_jobs(scheduler, app, utcnow())
        with app.app_context():
            reconcile(scheduler)
        if stop.is_set():
            return 0
        scheduler.start()
        return 0 if stop.is_set() else EXIT_LOST_LEADERSHIP
    finally:
        _scheduler = None
        _heart = None
        if not once:
            heart.stop()
        lock.release()


def run_once(app: Flask) -> int:
    """Do everything due now, once, and return (cron-style use, or a quick check)."""
    now = utcnow()
    created = jobs.run_cadences(now=now)
    queued = jobs.sweep(now=now)
    delivered = jobs.deliver_outbox(now=now)
    jobs.run_exports()
    logger.warning(
        "one pass: %s round(s) created, %s message(s) queued, delivery %s",
        len(created),
        queued,
        delivered,
    )
    return 0


def next_moments(app: Flask, now: datetime | None = None, horizon_days: int = 60) -> list[RoundJob]:
    """The round jobs due in the coming days (for `surveys scheduler --plan`)."""
    now = now or utcnow()
    with app.app_context():
        planned = desired_round_jobs(now)
    limit = now + timedelta(days=horizon_days)
    return sorted(
        (job for job in planned.values() if job.run_date <= limit), key=lambda j: j.run_date
    )
