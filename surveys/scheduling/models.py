"""The record that makes scheduled jobs idempotent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from surveys.columns import UTCDateTime, utcnow
from surveys.extensions import db


class JobRun(db.Model):
    """One unit of scheduled work done: inserted in the same transaction as its effect.

    The unique constraint is the idempotence: a job that runs twice (a retry, a crash, two
    schedulers) fails to insert the second row and so has its effect once. `scope` is never
    NULL (NULLs would not collide in a unique constraint): "r12/c3" for a round's country,
    "r12" for a round, "k4" for a cadence.
    """

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("kind", "scope", "slot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))  # "opening", "reminder", "closing", ...
    scope: Mapped[str] = mapped_column(String(60))
    # Which occurrence: "7d" for the 7-day reminder, a timestamp for a closing snapshot, ...
    slot: Mapped[str] = mapped_column(String(60))
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id"), index=True)
    country_id: Mapped[int | None] = mapped_column(ForeignKey("countries.id"))
    cadence_id: Mapped[int | None] = mapped_column(ForeignKey("cadences.id"))
    done_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    messages_queued: Mapped[int] = mapped_column(default=0)
    # Which process did it (host:pid), for the fault report.
    worker: Mapped[str] = mapped_column(String(120), default="")


class SchedulerHeartbeat(db.Model):
    """A scheduler process saying it is alive: one row per process, updated every few seconds.

    `/health` and `surveys check` read the leader's row to tell whether scheduled work is being
    done; standbys write theirs so that an operator sees them waiting.
    """

    __tablename__ = "scheduler_heartbeats"
    __table_args__ = (CheckConstraint("role IN ('leader', 'standby')", name="known_role"),)

    worker: Mapped[str] = mapped_column(String(120), primary_key=True)  # host:pid
    role: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # When this leader last finished its catch-up sweep of round work (None: not yet).
    swept_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
