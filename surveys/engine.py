"""The database engine: tuning per database (SQLite gets WAL, a busy timeout and enforced foreign
keys), and transaction-level locks by name. Models' column types are in `surveys.columns`."""

from __future__ import annotations

import hashlib

from flask import Flask
from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from surveys.extensions import db


def configure_engine(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])


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
    for key in sorted({lock_key(name) for name in names}):
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
