"""The database engine: tuning per database (SQLite gets WAL, a busy timeout and enforced foreign
keys), and transaction-level locks by name. Models' column types are in `surveys.columns`."""

from __future__ import annotations

import contextlib
import hashlib
import select
import threading
import weakref

from flask import Flask, g, request
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from surveys.extensions import db


def configure_engine(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])
    if engine.dialect.name == "postgresql":
        app.teardown_request(_end_reading_outside_a_transaction)
        _end_reads_with_commit(engine)
        _ping_only_connections_the_server_spoke_on(engine)


READING_OUTSIDE = "surveys.reading_outside_a_transaction"
AUTOCOMMIT = "AUTOCOMMIT"


def reads_outside_a_transaction(view):
    """Mark a page whose GET may read PostgreSQL in autocommit (see read_outside_a_transaction):
    one that reads a few rows with plain statements, takes no named lock and streams nothing
    through a server-side cursor (those need a transaction: a scorecard's rows do)."""
    view.reads_outside_a_transaction = True
    return view


def read_outside_a_transaction() -> None:
    """PostgreSQL: this GET or HEAD runs its statements in autocommit, without BEGIN and ROLLBACK
    (web.py asks it before anything is read, for the pages marked reads_outside_a_transaction).

    psycopg forgets its prepared statements at every ROLLBACK, and that is how every read
    request ended: none was ever prepared, so the server parsed and planned each statement
    again on every page. Without the transaction they are prepared from their fifth use, and
    the heaviest area page costs the server 0.55 ms of CPU instead of 1.6 (the worker ~0.7 ms
    less), on a server that shares the machines' cores. Nothing read changes: at READ COMMITTED
    every statement reads its own snapshot inside a transaction too. A GET writes at most an
    audit row (web.refuse_writes_outside_post refuses anything else), which then stands alone
    as its commit would have left it; named locks refuse to be taken there (see lock_names).
    """
    if request.method not in ("GET", "HEAD") or db.engine.dialect.name != "postgresql":
        return
    if db.session().in_transaction():  # begun already (tests share a session across requests)
        return
    db.session.connection(execution_options={"isolation_level": AUTOCOMMIT})
    g.setdefault(READING_OUTSIDE, True)


def _end_reading_outside_a_transaction(_error) -> None:
    """Give the autocommit connection back, so that nothing after the request (a worker's next
    one reuses it otherwise in tests' shared sessions) writes outside a transaction."""
    if g.pop(READING_OUTSIDE, False):
        with contextlib.suppress(SQLAlchemyError):  # a connection lost meanwhile: web.py's teardown
            db.session.rollback()


def _end_reads_with_commit(engine: Engine) -> None:
    """PostgreSQL: a transaction that ran nothing but SELECTs ends with COMMIT, not ROLLBACK.

    For the data the two are the same: nothing was written (and a transaction that wrote
    nothing writes no commit record either); its locks and snapshots end alike. But psycopg
    forgets its prepared statements at a ROLLBACK and sends DEALLOCATE ALL, and every read
    request ended with one (the pages of reads_outside_a_transaction apart): the next requests
    of the worker had their statements parsed and planned again, and the next ROLLBACK threw
    them away again. A transaction that ran anything else (a write, DDL, SET, a savepoint) or
    is in error rolls back as before. Statements sent through SQLAlchemy are all seen here (the
    app never writes through a bare DBAPI cursor).
    """
    from psycopg.pq import TransactionStatus

    wrote: weakref.WeakSet = weakref.WeakSet()  # psycopg connections whose transaction wrote
    dialect = engine.dialect
    rollback, commit = dialect.do_rollback, dialect.do_commit

    @event.listens_for(engine, "before_cursor_execute")
    def _note_writes(_connection, cursor, statement, *_args) -> None:
        if statement.lstrip()[:6].upper() != "SELECT":
            wrote.add(cursor.connection)

    def end_reads_with_commit(connection) -> None:
        driver = getattr(connection, "dbapi_connection", connection)  # a pool proxy or psycopg's
        try:
            reading = driver not in wrote
            if reading and driver.info.transaction_status == TransactionStatus.INTRANS:
                driver.commit()
            else:
                rollback(connection)
        finally:
            wrote.discard(driver)

    def commit_and_forget(connection) -> None:
        commit(connection)
        wrote.discard(getattr(connection, "dbapi_connection", connection))

    dialect.do_rollback = end_reads_with_commit
    dialect.do_commit = commit_and_forget


def _ping_only_connections_the_server_spoke_on(engine: Engine) -> None:
    """PostgreSQL: the pool's check before lending a connection (pool_pre_ping) asks the socket
    first, and sends a statement only when the server said something on it meanwhile.

    A connection lent again is idle: the server sends nothing on it unless it ends it. A
    restart, a terminated backend or an idle timeout sends the client an error and closes the
    socket, which then reads as ready; so does a backend that died (its kernel closes the
    socket). On a quiet socket the ping (one of a page's 4-5 round trips, and under gthread one
    more hand-over of Python's lock) would learn nothing more. What a socket cannot tell (a
    network cut, a machine gone without closing its connections) a ping cannot either: it
    waits as long as the statement it precedes would. Anything else (the socket readable, the
    connection not idle or closed) gets the real ping, which replaces a lost connection as
    before. (tests/test_engine.py; `bench.load --restart-at` restarts PostgreSQL under load.)
    """
    from psycopg.pq import ConnStatus, TransactionStatus

    ping = engine.dialect.do_ping

    def ping_unless_quiet(dbapi_connection) -> bool:
        driver = getattr(dbapi_connection, "driver_connection", dbapi_connection)
        info = driver.info
        quiet = (
            not driver.closed
            and info.status == ConnStatus.OK
            and info.transaction_status == TransactionStatus.IDLE
            and not _readable(driver.fileno())
        )
        return True if quiet else ping(dbapi_connection)

    engine.dialect.do_ping = ping_unless_quiet


def _readable(descriptor: int) -> bool:
    """Whether something (data, an end of file, an error) waits on the socket, without waiting."""
    poller = select.poll()
    poller.register(descriptor, select.POLLIN | select.POLLPRI)
    return bool(poller.poll(0))


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    in_memory = engine.url.database in (None, "", ":memory:")

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    if not in_memory:
        _take_turns_to_write(engine, busy_timeout_ms / 1000)


WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER")
_HOLDS_TURN = "surveys.write_turn"


def _take_turns_to_write(engine: Engine, timeout: float) -> None:
    """The threads of one process write to SQLite one transaction at a time, in turn.

    SQLite has one write lock; a connection that finds it taken sleeps in steps of up to 100 ms
    (its busy timeout) before trying again, so with several threads a worker (gthread) a save
    could wait ~100 ms after the lock was free: autosaves' p99 was 1.8-2.4x that of sync
    workers (bench.serving --compare-workers; with turns 0.77x). A thread's first write in a
    transaction waits here instead, woken as soon as the previous writer of its process commits
    or rolls back. Processes still meet at SQLite's lock. A turn not had within the busy
    timeout is skipped: SQLite then decides, as before.
    """
    turn = threading.Lock()

    @event.listens_for(engine, "before_cursor_execute")
    def _wait_for_turn(connection, _cursor, statement, *_args) -> None:
        info = connection.info
        if _HOLDS_TURN in info or not statement.lstrip()[:7].upper().startswith(WRITES):
            return  # this transaction has had its turn (or waited for it in vain) already
        info[_HOLDS_TURN] = turn.acquire(timeout=timeout)

    def end_turn(info: dict) -> None:
        if info.pop(_HOLDS_TURN, False):
            turn.release()

    # Just before the commit or rollback (the next writer's first try may find the lock still
    # held for the commit's few milliseconds: SQLite's first waits are 1, 2, 5 ms); and when a
    # connection goes back to the pool or is closed without either.
    event.listen(engine, "commit", lambda connection: end_turn(connection.info))
    event.listen(engine, "rollback", lambda connection: end_turn(connection.info))
    for moment in ("checkin", "close", "invalidate"):
        event.listen(
            engine.pool, moment, lambda _dbapi, record, *_: record and end_turn(record.info)
        )


def lock_key(name: str) -> int:
    """A stable signed 64-bit PostgreSQL advisory lock key for a lock name."""
    digest = hashlib.sha256(name.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def lock_names(*names: str) -> None:
    """Make the current transaction wait for any other holding one of these names, until commit.

    PostgreSQL: transaction-level advisory locks, taken in a fixed order (no deadlock). SQLite
    needs nothing: once a transaction has written, other writers wait for its commit, so a
    caller that writes first and reads after is already alone.
    """
    if db.session.get_bind().dialect.name != "postgresql":
        return
    if db.session.connection().get_execution_options().get("isolation_level") == AUTOCOMMIT:
        raise RuntimeError("a named lock needs a transaction: this request reads in autocommit")
    for key in sorted({lock_key(name) for name in names}):
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
