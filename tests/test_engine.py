"""SQLite and threads: the threads of one process (gthread workers) write one transaction at a
time, each waiting in the process for the previous writer's commit or rollback instead of in
SQLite's busy wait (which backs off in steps of up to 100 ms)."""

from __future__ import annotations

import threading
import time

import sqlalchemy as sa

from surveys import create_app
from surveys.extensions import db


def reached_sqlite(engine) -> dict[str, float]:
    """When each INSERT got past the turn (a listener added after the engine's own)."""
    seen: dict[str, float] = {}

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _seen(_connection, _cursor, statement, parameters, *_args) -> None:
        if statement.startswith("INSERT"):
            seen[str(parameters[0] if parameters else "")] = time.monotonic()

    return seen


def insert(connection, value: int) -> None:
    connection.exec_driver_sql("INSERT INTO t (x) VALUES (?)", (value,))


def test_a_second_writer_reaches_sqlite_only_after_the_first_commits_or_rolls_back(tmp_path):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/t.db"})
    with app.app_context():
        engine = db.engine
        with engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        seen = reached_sqlite(engine)

        def second_writer() -> None:
            with engine.begin() as connection:
                insert(connection, 2)

        first = engine.connect()
        insert(first, 1)  # holds the turn until its commit
        writer = threading.Thread(target=second_writer)
        writer.start()
        time.sleep(0.3)
        assert writer.is_alive()
        assert "2" not in seen  # waiting in the process, not in SQLite's busy wait
        committed = time.monotonic()
        first.commit()
        first.close()
        writer.join(5)
        assert seen["2"] >= committed

        with engine.connect() as connection:  # a rollback ends the turn too
            insert(connection, 3)
            connection.rollback()
        started = time.monotonic()
        with engine.begin() as connection:
            insert(connection, 4)
        assert time.monotonic() - started < 1
        with engine.connect() as connection:
            values = connection.exec_driver_sql("SELECT x FROM t ORDER BY x").scalars().all()
        assert values == [1, 2, 4]
