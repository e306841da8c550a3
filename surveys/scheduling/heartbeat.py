"""Scheduler heartbeats: each scheduler process writes when it is alive, as leader or standby.

Written on a connection of its own, outside any job's transaction; a database that is down
costs a warning (once), never the scheduler.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from surveys.columns import utcnow
from surveys.scheduling.models import SchedulerHeartbeat

logger = logging.getLogger("surveys.scheduler")

LEADER = "leader"
STANDBY = "standby"
FORGET_AFTER = timedelta(days=1)  # rows of processes long gone are removed


class Heart:
    """The heartbeat of one scheduler process."""

    def __init__(self, engine: Engine, worker: str) -> None:
        self.engine = engine
        self.worker = worker
        self._failing = False

    def beat(self, role: str, *, swept: bool = False, now: datetime | None = None) -> None:
        now = now or utcnow()
        values: dict = {"role": role, "beat_at": now}
        if swept:
            values["swept_at"] = now
        table = SchedulerHeartbeat.__table__
        try:
            with self.engine.begin() as connection:
                updated = connection.execute(
                    sa.update(table).where(table.c.worker == self.worker).values(**values)
                ).rowcount
                if not updated:
                    connection.execute(
                        sa.insert(table).values(worker=self.worker, started_at=now, **values)
                    )
                connection.execute(sa.delete(table).where(table.c.beat_at < now - FORGET_AFTER))
        except sa.exc.DBAPIError as exc:
            if not self._failing:
                logger.warning("heartbeat not written: database unreachable (%s)", exc.orig)
            self._failing = True
            return
        if self._failing:
            logger.warning("heartbeat written again: the database is back")
        self._failing = False

    def stop(self) -> None:
        """A process that stops cleanly leaves no row that looks alive."""
        table = SchedulerHeartbeat.__table__
        try:
            with self.engine.begin() as connection:
                connection.execute(sa.delete(table).where(table.c.worker == self.worker))
        except sa.exc.DBAPIError:
            pass  # the row ages out


@dataclass(frozen=True)
class SchedulerStatus:
    leader: str | None
    leader_age_seconds: float | None  # None: no leader has ever beaten
    swept_at: datetime | None
    standbys: int

    @property
    def swept_age_seconds(self) -> float | None:
        if self.swept_at is None or self.leader_age_seconds is None:
            return None
        return max(0.0, (utcnow() - self.swept_at).total_seconds())

    def fresh(self, max_age_seconds: float) -> bool:
        return self.leader_age_seconds is not None and self.leader_age_seconds <= max_age_seconds


def scheduler_status(connection, max_age_seconds: float, now: datetime | None = None):
    """The most recent leader's heartbeat, and how many standbys beat recently."""
    now = now or utcnow()
    table = SchedulerHeartbeat.__table__
    leader = connection.execute(
        sa.select(table.c.worker, table.c.beat_at, table.c.swept_at)
        .where(table.c.role == LEADER)
        .order_by(table.c.beat_at.desc())
        .limit(1)
    ).first()
    standbys = connection.scalar(
        sa.select(sa.func.count())
        .select_from(table)
        .where(
            table.c.role == STANDBY,
            table.c.beat_at >= now - timedelta(seconds=max_age_seconds),
        )
    )
    if leader is None:
        return SchedulerStatus(None, None, None, standbys)
    return SchedulerStatus(
        leader.worker,
        max(0.0, (now - leader.beat_at).total_seconds()),
        leader.swept_at,
        standbys,
    )
