"""Jobs derived from the rounds table, the leader locks and the Alembic hook."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from apscheduler.schedulers.blocking import BlockingScheduler

from surveys.columns import utcnow
from surveys.rounds.operations import cancel_round
from surveys.scheduling.alembic import include_object
from surveys.scheduling.leader import FileLock, PostgresAdvisoryLock, lock_key
from surveys.scheduling.process import desired_round_jobs, reconcile


@pytest.fixture
def scheduler():
    return BlockingScheduler(timezone="UTC")  # not started: jobs stay pending in memory


def test_reconcile_derives_round_jobs_and_follows_changes(
    db, scheduler, create_country, create_version, create_round
):
    niger = create_country("NE")
    mali = create_country("ML")
    round_ = create_round(
        create_version(),
        [niger, mali],
        opens_in=timedelta(days=2),
        closes_in=timedelta(days=30),
        reminder_offsets=(14, 7, 1),
    )
    added, removed = reconcile(scheduler)
    ids = sorted(job.id for job in scheduler.get_jobs())
    assert (added, removed) == (5, 0)  # opening, three reminders, closing
    assert ids[0].startswith(f"round-{round_.id}-closing-")
    assert f"round-{round_.id}-opening" in ids
    job = scheduler.get_job(f"round-{round_.id}-opening")
    assert job.func_ref == "surveys.scheduling.jobs:open_round"
    assert job.args == (round_.id,)

    # Nothing changed: nothing re-added.
    assert reconcile(scheduler) == (0, 0)

    # One country's extension adds its own reminder and closing moments.
    round_.participant(niger.id).closes_at_override = round_.closes_at + timedelta(days=5)
    db.session.commit()
    added, removed = reconcile(scheduler)
    assert (added, removed) == (4, 0)

    # Cancelling removes every job of the round.
    round_.participant(niger.id).closes_at_override = None
    db.session.commit()
    cancel_round(round_)
    db.session.commit()
    assert reconcile(scheduler)[1] == 9
    assert scheduler.get_jobs() == []


def test_past_moments_are_left_to_the_sweep(db, create_country, create_version, create_round):
    round_ = create_round(
        create_version(),
        [create_country("NE")],
        opens_in=timedelta(days=-20),
        closes_in=timedelta(days=3),
    )
    planned = desired_round_jobs(utcnow())
    assert sorted(job.id.split("-")[2] for job in planned.values()) == ["closing", "reminder"]
    assert all(job.run_date > utcnow() for job in planned.values())
    assert round_.id


def test_file_lock_admits_one_holder(tmp_path):
    first, second = FileLock(tmp_path / "s.lock"), FileLock(tmp_path / "s.lock")
    assert first.try_acquire()
    assert not second.try_acquire()
    first.release()
    assert second.try_acquire()
    second.release()


def test_postgres_advisory_lock_admits_one_holder(app):
    from tests.conftest import postgres_url

    url = postgres_url()
    if url is None:
        pytest.skip("TEST_DATABASE_URL is not set")
    engine = sa.create_engine(url)
    name = f"test-lock-{id(engine)}"
    first, second = PostgresAdvisoryLock(engine, name), PostgresAdvisoryLock(engine, name)
    try:
        assert first.try_acquire() and first.still_held()
        assert not second.try_acquire() and not second.still_held()
        first.release()
        assert second.try_acquire()
    finally:
        first.release()
        second.release()
        engine.dispose()


def test_lock_keys_are_stable_signed_64_bit():
    assert lock_key("a") == lock_key("a") != lock_key("b")
    assert -(2**63) <= lock_key("surveys-scheduler") < 2**63


def test_alembic_hook_leaves_the_job_table_out():
    metadata = sa.MetaData()
    jobs = sa.Table("apscheduler_jobs", metadata, sa.Column("id", sa.String, primary_key=True))
    rounds = sa.Table("rounds", metadata, sa.Column("id", sa.Integer, primary_key=True))
    assert include_object(jobs, "apscheduler_jobs", "table", True, None) is False
    assert include_object(jobs.c.id, "id", "column", True, None) is False
    assert include_object(rounds, "rounds", "table", False, None) is True
    assert include_object(rounds.c.id, "id", "column", False, None) is True
