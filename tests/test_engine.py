"""SQLite and threads: the threads of one process (gthread workers) write one transaction at a
time, each waiting in the process for the previous writer's commit or rollback instead of in
SQLite's busy wait (which backs off in steps of up to 100 ms). PostgreSQL: how transactions that
only read end (below)."""

from __future__ import annotations

import threading
import time

import pytest
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


# PostgreSQL: a transaction that only read ends with COMMIT (psycopg keeps its prepared
# statements, which a ROLLBACK throws away with a DEALLOCATE ALL); one that wrote rolls back.


def _postgresql(db) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: psycopg's connections and prepared statements")


def _prepared(connection) -> int:
    return connection.exec_driver_sql("SELECT count(*) FROM pg_prepared_statements").scalar()


def _country(iso2: str, iso3: str) -> sa.Insert:
    from surveys.countries.models import Country

    return sa.insert(Country).values(iso2=iso2, iso3=iso3, names={"en": iso3})


def _countries(db) -> list[str]:
    from surveys.countries.models import Country

    with db.engine.connect() as connection:
        return connection.execute(sa.select(Country.iso3).order_by(Country.iso3)).scalars().all()


def test_a_transaction_that_only_read_keeps_the_prepared_statements_of_its_connection(db):
    from surveys.countries.models import Country

    _postgresql(db)
    with db.engine.connect() as connection:
        for _ in range(8):  # psycopg prepares a statement from its fifth run
            connection.execute(sa.select(Country.id).where(Country.iso2 == "NE")).all()
        assert _prepared(connection) >= 1
        connection.rollback()
        assert _prepared(connection) >= 1
        connection.rollback()
    with db.session.begin():  # the same through the ORM session, as a page's teardown does
        db.session.execute(sa.select(Country.id).where(Country.iso2 == "NE")).all()
    db.session.rollback()
    db.session.remove()


def test_a_transaction_that_wrote_rolls_back_whatever_it_read_afterwards(db):
    _postgresql(db)
    with db.engine.connect() as connection:
        connection.execute(_country("NE", "NER"))
        connection.execute(sa.text("SELECT 1")).all()
        connection.rollback()
        connection.execute(_country("ML", "MLI"))
        connection.commit()
        connection.execute(sa.text("SELECT 1")).all()
        connection.rollback()
        connection.execute(sa.text("SAVEPOINT s"))  # anything but a SELECT counts as a write
        connection.execute(_country("TD", "TCD"))
        connection.rollback()
    assert _countries(db) == ["MLI"]
    db.session.execute(_country("SN", "SEN"))
    db.session.execute(sa.text("SELECT 1"))
    db.session.rollback()
    db.session.remove()
    assert _countries(db) == ["MLI"]


def test_a_failed_transaction_rolls_back_and_leaves_the_connection_usable(db):
    _postgresql(db)
    with db.engine.connect() as connection:
        with pytest.raises(sa.exc.ProgrammingError):
            connection.execute(sa.text("SELECT * FROM no_such_table"))
        connection.rollback()
        assert connection.execute(sa.text("SELECT 2")).scalar() == 2
        connection.rollback()


# PostgreSQL: the pool pings a connection before lending it only when the server said something
# on its socket meanwhile (an error before closing it, at a restart or a terminated backend).


def _pings(monkeypatch, db) -> list[str]:
    """The pool's pings from now on (the dialect's ping statement, as psycopg is asked to run)."""
    import psycopg

    ping = db.engine.dialect._dialect_specific_select_one
    sent: list[str] = []
    execute = psycopg.Cursor.execute

    def counted(cursor, query, *args, **kwargs):
        if query == ping:
            sent.append(query)
        return execute(cursor, query, *args, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "execute", counted)
    return sent


def _one_connection_pooled(db) -> int:
    """Its backend's pid, alone in a pool emptied of what earlier tests left there."""
    db.session.remove()
    db.engine.dispose()
    return _backend(db)


def _backend(db) -> int:
    with db.engine.connect() as connection:
        return connection.execute(sa.text("SELECT pg_backend_pid()")).scalar()


def _terminate(db, pid: int) -> None:
    """End a backend from a connection of its own, as an administrator or a restart would, and
    wait for it to be gone."""
    import psycopg

    url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        for _ in range(100):
            alive = admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,))
            if alive.fetchone() is None:
                # A backend leaves pg_stat_activity a moment before its process exits and the
                # kernel closes its socket: until then the client's end reads as quiet.
                time.sleep(0.2)
                return
            time.sleep(0.05)
    raise AssertionError(f"backend {pid} still there")


def test_a_connection_lent_again_is_not_pinged_while_the_server_said_nothing(db, monkeypatch):
    _postgresql(db)
    first = _one_connection_pooled(db)
    sent = _pings(monkeypatch, db)
    for _ in range(3):
        assert _backend(db) == first
    assert sent == []


def test_a_connection_the_server_ended_meanwhile_is_replaced_before_it_is_lent(db, monkeypatch):
    _postgresql(db)
    ended = _one_connection_pooled(db)
    _terminate(db, ended)
    sent = _pings(monkeypatch, db)
    with db.engine.connect() as connection:  # no error: the ping found it ended
        assert connection.execute(sa.text("SELECT 2")).scalar() == 2
        assert connection.execute(sa.text("SELECT pg_backend_pid()")).scalar() != ended
    assert len(sent) == 1


def _select_one_in_a_transaction(db):
    def one() -> None:
        with db.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
            connection.commit()

    return one


def test_the_benchmark_counts_psycopg_s_round_trips_but_not_a_quiet_pool_check(app, db):
    """bench.inprocess --statements, which the notes' round-trip counts come from: BEGIN and the
    COMMIT are round trips of their own; the pool's check of a quiet socket sends nothing."""
    from bench.inprocess import statements_of

    _postgresql(db)
    _one_connection_pooled(db)
    assert statements_of(app, _select_one_in_a_transaction(db)) == [
        "BEGIN (sent by psycopg before the statement)",
        "SELECT 1",
        "(end of the transaction: COMMIT or ROLLBACK)",
    ]


def test_the_benchmark_counts_the_pool_s_ping_when_it_reaches_the_server(app, db):
    from bench.inprocess import statements_of

    _postgresql(db)
    _terminate(db, _one_connection_pooled(db))
    sent = statements_of(app, _select_one_in_a_transaction(db))
    assert sent[0] == "(pool pre-ping)"
    assert sent[1:] == [
        "BEGIN (sent by psycopg before the statement)",
        "SELECT 1",
        "(end of the transaction: COMMIT or ROLLBACK)",
    ]


def test_json_values_read_back_as_written_whatever_their_characters(db):
    """On PostgreSQL psycopg hands JSONB values to surveys.columns.json_from_postgresql."""
    from surveys.columns import JSONType

    written = {
        "text": "Comité de suivi — 18 h, Niamey «2018» 中文 🙂",
        "cells": {"row|2025|cases": 12, "row|2025|rate": 0.5, "empty": None},
        "list": ["é", True, False, -3, 1e-7],
    }
    read = db.session.execute(sa.select(sa.literal(written, JSONType))).scalar()
    assert read == written
