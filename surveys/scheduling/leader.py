"""The leader lock: only one scheduler process is active; the others wait as standbys.

PostgreSQL: a session-level advisory lock held on a dedicated connection for the life of the
process. When the process dies, the server ends its session and releases the lock, so a standby
polling `pg_try_advisory_lock` takes over within one poll interval. SQLite (one machine): an
exclusive `fcntl.flock` on a lock file, released by the kernel when the process dies.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
from pathlib import Path
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool

from surveys.config import StartupError
from surveys.engine import lock_key

logger = logging.getLogger("surveys.scheduler")

# TCP keepalives on the lock connection: a dead network is noticed, not waited on forever.
KEEPALIVE_ARGS = {
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
}


class LeaderLock(Protocol):
    def try_acquire(self) -> bool: ...

    def still_held(self) -> bool: ...

    def release(self) -> None: ...


class PostgresAdvisoryLock:
    """`pg_try_advisory_lock` on a connection of its own (not from the app's pool)."""

    def __init__(self, engine: Engine, name: str, connect_args: dict | None = None) -> None:
        self.key = lock_key(name)
        self.name = name
        self._engine = sa.create_engine(
            engine.url,
            poolclass=NullPool,
            connect_args={**(connect_args or {}), **KEEPALIVE_ARGS},
        )
        self._connection: Connection | None = None
        self._held = False

    def _connect(self) -> Connection:
        if self._connection is None or self._connection.closed:
            self._connection = self._engine.connect()
            # Autocommit: the lock belongs to the session, no transaction stays open.
            self._connection = self._connection.execution_options(isolation_level="AUTOCOMMIT")
        return self._connection

    def try_acquire(self) -> bool:
        try:
            connection = self._connect()
            self._held = bool(
                connection.scalar(sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key})
            )
        except sa.exc.DBAPIError as exc:
            logger.warning("leader lock: database unreachable (%s); will retry", exc)
            self._drop_connection()
            self._held = False
        return self._held

    def still_held(self) -> bool:
        """Keep the connection alive and check that our session still holds the lock."""
        if not self._held or self._connection is None:
            return False
        try:
            held = self._connection.scalar(
                sa.text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                    "AND pid = pg_backend_pid() AND granted AND objsubid = 1 "
                    "AND classid::bigint = :high AND objid::bigint = :low"
                ),
                {"high": (self.key >> 32) & 0xFFFFFFFF, "low": self.key & 0xFFFFFFFF},
            )
        except sa.exc.DBAPIError as exc:
            logger.error("leader lock: connection lost (%s)", exc)
            self._drop_connection()
            self._held = False
            return False
        self._held = bool(held)
        return self._held

    def release(self) -> None:
        if self._connection is not None and not self._connection.closed:
            try:
                if self._held:
                    self._connection.execute(
                        sa.text("SELECT pg_advisory_unlock(:key)"), {"key": self.key}
                    )
            except sa.exc.DBAPIError:
                pass  # the session is gone, and the lock with it
        self._drop_connection()
        self._held = False
        self._engine.dispose()

    def _drop_connection(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(sa.exc.DBAPIError):
                self._connection.close()
        self._connection = None


class FileLock:
    """An exclusive flock on a file (SQLite deployments run on a single machine)."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        if self._fd is not None:
            return True
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            reason = (exc.strerror or str(exc)).lower()
            raise StartupError(
                [
                    f"SCHEDULER_LOCK_FILE: cannot create {self.path}: {reason}; set "
                    "SCHEDULER_LOCK_FILE (or SURVEYS_INSTANCE_PATH) to a place the service "
                    "user can write"
                ]
            ) from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    def still_held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def lock_for(engine: Engine, config: dict) -> LeaderLock:
    """The right lock for the app's database."""
    if engine.dialect.name == "postgresql":
        connect_args = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS", {}).get("connect_args", {}))
        # One lock per database (and schema, when the URL or settings choose one).
        options = engine.url.query.get("options", "") or connect_args.get("options", "")
        name = config.get("SCHEDULER_LOCK_NAME") or (
            f"surveys-scheduler:{engine.url.database}:{options}"
        )
        return PostgresAdvisoryLock(engine, name, connect_args)
    return FileLock(config["SCHEDULER_LOCK_FILE"])
