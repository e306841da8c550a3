"""Archived scorecard workbooks: the file generated when a round closed, kept as it was."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from surveys.columns import UTCDateTime, utcnow
from surveys.extensions import db
from surveys.languages import LANGUAGE_CODE_LENGTH
from surveys.rounds.models import Round


class ArchivedWorkbook(db.Model):
    """One stored workbook file. Rows and files are only ever added: a later archive of the same
    round (after a reopened country closes again) is a new file beside the earlier one."""

    __tablename__ = "archived_workbooks"
    __table_args__ = (
        CheckConstraint("length(sha256) = 64", name="sha256_length"),
        CheckConstraint("size_bytes > 0", name="positive_size"),
        Index("ix_archived_workbooks_round", "round_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"))
    language: Mapped[str] = mapped_column(String(LANGUAGE_CODE_LENGTH))  # a configured language
    # The download name, with the generation time (UTC) in it.
    filename: Mapped[str] = mapped_column(String(255), unique=True)
    # Of the file's bytes: its name in the file store; a download is checked against it.
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    round: Mapped[Round] = relationship()

    @property
    def size(self) -> int:
        return self.size_bytes

    def __repr__(self) -> str:
        return f"<ArchivedWorkbook {self.filename}>"


class ExportStatus:
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    ALL = (QUEUED, RUNNING, DONE, FAILED)


class ExportJob(db.Model):
    """A workbook written in the background by the scheduler process (it survives a restart of
    the web workers): the page polls its progress and offers the file when it is done, until
    `expires_at`, when the file is deleted."""

    __tablename__ = "export_jobs"
    __table_args__ = (
        CheckConstraint(
            "status IN ('queued', 'running', 'done', 'failed')", name="known_export_status"
        ),
        CheckConstraint("done_steps >= 0 AND done_steps <= total_steps", name="steps_in_range"),
        CheckConstraint(
            "(status = 'done') = (sha256 IS NOT NULL AND expires_at IS NOT NULL)",
            name="done_has_file",
        ),
        Index("ix_export_jobs_status", "status", "created_at"),
        Index("ix_export_jobs_requested_by", "requested_by_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # "trends": the workbook with every answer
    questionnaire_key: Mapped[str] = mapped_column(String(100))
    language: Mapped[str] = mapped_column(String(LANGUAGE_CODE_LENGTH))  # a configured language
    with_responses: Mapped[bool] = mapped_column(Boolean, default=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(10), default=ExportStatus.QUEUED)
    # Progress: submissions written so far out of all to write (0 of 0 until started).
    done_steps: Mapped[int] = mapped_column(Integer, default=0)
    total_steps: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # The scheduler process running it (host:pid); a stale heartbeat means it died.
    worker: Mapped[str | None] = mapped_column(String(100))
    filename: Mapped[str | None] = mapped_column(String(255))
    sha256: Mapped[str | None] = mapped_column(String(64))  # the file in the file store
    size_bytes: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(Text)  # why it failed, for the requester
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def percent(self) -> int:
        if self.status == ExportStatus.DONE:
            return 100
        return int(100 * self.done_steps / self.total_steps) if self.total_steps else 0

    @property
    def is_active(self) -> bool:
        return self.status in (ExportStatus.QUEUED, ExportStatus.RUNNING)
