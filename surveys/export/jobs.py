"""Workbooks written in the background: queued by a page, written by the scheduler process.

The trends workbook with every answer takes minutes on a large history, longer than a download
may last. The page queues an `ExportJob`; the scheduler's `exports` job (every few seconds)
claims the oldest, writes the workbook with its progress recorded as it goes, and keeps the file
in the file store for EXPORT_KEEP_DAYS days. Nothing runs in a web worker, so restarting the web
workers loses nothing; a job whose scheduler died (no heartbeat for EXPORT_STALE_SECONDS) is
taken up again, up to MAX_ATTEMPTS times.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

import sqlalchemy as sa

from surveys.columns import utcnow
from surveys.export.models import ArchivedWorkbook, ExportJob, ExportStatus
from surveys.extensions import db
from surveys.responses.models import Evidence
from surveys.storage.backends import current_store, digest_of, incoming_file

logger = logging.getLogger("surveys.exports")

TRENDS = "trends"
DEFAULT_KEEP_DAYS = 7
DEFAULT_STALE_SECONDS = 120
MAX_ATTEMPTS = 3
PROGRESS_EVERY_SECONDS = 0.5


def keep_days(config) -> int:
    return int(config.get("EXPORT_KEEP_DAYS") or DEFAULT_KEEP_DAYS)


def queue_trends(key: str, language: str, user, now: datetime | None = None) -> ExportJob:
    """A job for the questionnaire's trends workbook with every answer (flush only)."""
    job = ExportJob(
        kind=TRENDS,
        questionnaire_key=key,
        language=language,
        with_responses=True,
        requested_by_id=user.id,
        status=ExportStatus.QUEUED,
        created_at=now or utcnow(),
    )
    db.session.add(job)
    db.session.flush()
    return job


def _stale_before(config, now: datetime) -> datetime:
    seconds = int(config.get("EXPORT_STALE_SECONDS") or DEFAULT_STALE_SECONDS)
    return now - timedelta(seconds=seconds)


def claim_next(worker: str, config, now: datetime | None = None) -> int | None:
    """Take the oldest queued job (or one whose worker died) for this worker; None if none.

    The claim is one conditional UPDATE: two schedulers never write the same workbook.
    """
    now = now or utcnow()
    stale = _stale_before(config, now)
    candidates = db.session.scalars(
        sa.select(ExportJob.id)
        .where(
            sa.or_(
                ExportJob.status == ExportStatus.QUEUED,
                sa.and_(ExportJob.status == ExportStatus.RUNNING, ExportJob.heartbeat_at < stale),
            )
        )
        .order_by(ExportJob.created_at, ExportJob.id)
        .limit(5)
    ).all()
    for job_id in candidates:
        claimed = db.session.execute(
            sa.update(ExportJob)
            .where(
                ExportJob.id == job_id,
                sa.or_(
                    ExportJob.status == ExportStatus.QUEUED,
                    sa.and_(
                        ExportJob.status == ExportStatus.RUNNING, ExportJob.heartbeat_at < stale
                    ),
                ),
            )
            .values(
                status=ExportStatus.RUNNING,
                worker=worker,
                started_at=now,
                heartbeat_at=now,
                attempts=ExportJob.attempts + 1,
                done_steps=0,
                total_steps=0,
            )
        ).rowcount
        db.session.commit()
        if claimed:
            return job_id
    return None


class ProgressRecorder:
    """Writes a job's progress to the database, at most twice a second (its own commits)."""

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        self.last = 0.0

    def __call__(self, done: int, total: int) -> None:
        if time.monotonic() - self.last < PROGRESS_EVERY_SECONDS and done < total:
            return
        self.last = time.monotonic()
        db.session.execute(
            sa.update(ExportJob)
            .where(ExportJob.id == self.job_id)
            .values(done_steps=min(done, total), total_steps=total, heartbeat_at=utcnow())
        )
        db.session.commit()


def run_job(job_id: int, config) -> str:
    """Write the job's workbook and keep it; returns the job's final status."""
    from surveys.export.trends import build_trends

    job = db.session.get(ExportJob, job_id)
    if job.attempts > MAX_ATTEMPTS:
        return _fail(job, "The export was interrupted too often; ask for it again.")
    generated_at = utcnow().replace(microsecond=0)
    store = current_store()
    try:
        with incoming_file(store) as (temporary, handle):
            handle.close()
            build_trends(
                job.questionnaire_key,
                job.language,
                str(temporary),
                with_responses=job.with_responses,
                generated_at=generated_at,
                progress=ProgressRecorder(job_id),
            )
            digest = digest_of(temporary)
            store.put(temporary, digest)
    except Exception as exc:
        db.session.rollback()
        logger.exception("export %s failed", job_id)
        return _fail(db.session.get(ExportJob, job_id), str(exc).splitlines()[0][:500])
    job = db.session.get(ExportJob, job_id)
    stamp = generated_at.strftime("%Y%m%dT%H%M%SZ")
    suffix = "_responses" if job.with_responses else ""
    finished = utcnow()
    job.filename = f"trends_{job.questionnaire_key}{suffix}_{job.language}_{stamp}.xlsx"
    job.sha256, job.size_bytes = digest.sha256, digest.size
    job.status = ExportStatus.DONE
    job.done_steps = job.total_steps
    job.finished_at = finished
    job.expires_at = finished + timedelta(days=keep_days(config))
    db.session.commit()
    logger.info("export %s written: %s (%s bytes)", job_id, job.filename, digest.size)
    return job.status


def _fail(job: ExportJob, message: str) -> str:
    job.status = ExportStatus.FAILED
    job.error = message or "error"
    job.finished_at = utcnow()
    db.session.commit()
    return job.status


def purge_expired(now: datetime | None = None) -> int:
    """Delete the jobs whose keeping time is over, and their files unless something else
    (another job, an archived workbook, evidence) holds the same content."""

    now = now or utcnow()
    expired = db.session.scalars(
        sa.select(ExportJob).where(
            sa.or_(
                ExportJob.expires_at < now,
                sa.and_(
                    ExportJob.status == ExportStatus.FAILED,
                    ExportJob.finished_at < now - timedelta(days=DEFAULT_KEEP_DAYS),
                ),
            )
        )
    ).all()
    store = current_store()
    for job in expired:
        sha256 = job.sha256
        db.session.delete(job)
        db.session.flush()
        if sha256 and not _still_used(sha256, Evidence):
            store.delete(sha256)
    db.session.commit()
    return len(expired)


def _still_used(sha256: str, evidence_model) -> bool:
    for column in (ExportJob.sha256, ArchivedWorkbook.sha256, evidence_model.sha256):
        if db.session.scalar(sa.select(sa.literal(1)).where(column == sha256).limit(1)):
            return True
    return False


def run_pending(worker: str, config, limit: int = 10) -> int:
    """Purge expired files, then write queued workbooks one after another; returns how many."""
    purge_expired()
    written = 0
    while written < limit:
        job_id = claim_next(worker, config)
        if job_id is None:
            break
        run_job(job_id, config)
        written += 1
    return written
