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
        pytest.skip("PostgreSQL only: psycopg's prepared statements")


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
