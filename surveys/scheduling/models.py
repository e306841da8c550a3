"""The scheduler processes' heartbeats. (The record that makes round work idempotent, JobRun, is
the rounds' own: surveys.rounds.models.)"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from surveys.columns import UTCDateTime, utcnow
from surveys.extensions import db


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
