"""What the benchmarks read of the processes they start (CPU time and workers, from Linux's
/proc) and the PostgreSQL databases they make afresh: one place for bench.serving, bench.load and
bench.inprocess."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")
"""Clock ticks a second, the unit of /proc's CPU times."""


def cpu_of(pid: int) -> float:
    """CPU seconds (user and system) a process or thread has used so far; 0 once it has ended."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def cpu_seconds(pids: Iterable[int]) -> float:
    """CPU seconds these processes (or threads) have used so far, together."""
    return sum(cpu_of(pid) for pid in pids)


def workers_of(master: int) -> list[int]:
    """The child processes of a server's master (gunicorn's workers)."""
    path = Path(f"/proc/{master}/task/{master}/children")
    return [int(pid) for pid in path.read_text().split()]


def recreate_database(url: str) -> None:
    """The PostgreSQL database of `url` dropped (its connections closed) and created empty."""
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    target = make_url(url)
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()
