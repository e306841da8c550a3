"""Fault tests with real `surveys scheduler` processes on PostgreSQL.

Two schedulers run; the active one is killed (SIGKILL) in the middle of a reminder job; the
standby takes over and every reminder is queued exactly once. A scheduler started after a
downtime spanning two reminder dates catches both up, once, and a restart adds nothing.
"""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa

from surveys.accounts.models import User
from surveys.columns import utcnow
from surveys.countries.models import Country
from surveys.extensions import db
from surveys.notifications.models import OutboxMessage
from surveys.roles import Role
from surveys.rounds import notices
from surveys.rounds.models import JobRun, Round, RoundCountry
from tests.conftest import MINI_V1

pytestmark = pytest.mark.slow

COUNTRIES = ("NE", "ML", "SN", "TD", "BF", "GN")
SUBMITTED = "GN"  # has submitted: never reminded
DEADLINE = 40.0  # seconds any single wait may take


def _make_round(closes_in: timedelta) -> Round:
    """Six countries with two respondents each; the round opened ten days ago."""
    from surveys.questionnaire.loader import load_definition
    from surveys.questionnaire.models import PUBLISHED, Questionnaire, QuestionnaireVersion
    from surveys.questionnaire.serialize import definition_hash, to_canonical_json
    from surveys.responses.models import Submission

    definition = load_definition(MINI_V1)
    version = QuestionnaireVersion(
        questionnaire=Questionnaire(key=definition.key),
        version=definition.version,
        definition_json=to_canonical_json(definition),
        sha256=definition_hash(definition),
        status=PUBLISHED,
        published_at=utcnow(),
    )
    db.session.add(version)
    now = utcnow()
    round_ = Round(
        version=version,
        period_label="2026-H2",
        opens_at=now - timedelta(days=10),
        closes_at=now + closes_in,
        reminder_offsets=[14, 7, 1],
    )
    for iso2 in COUNTRIES:
        country = Country(iso2=iso2, iso3=iso2 + "X", names={"en": iso2, "fr": iso2})
        db.session.add(country)
        round_.participants.append(RoundCountry(country=country))
        for n in range(2):
            user = User(email=f"{iso2.lower()}{n}@example.org", name=f"{iso2} {n}")
            user.language = "fr" if n else "en"
            user.grant(Role.RESPONDENT)
            user.countries.append(country)
            db.session.add(user)
    db.session.add(round_)
    db.session.flush()
    gn = next(p for p in round_.participants if p.country.iso2 == SUBMITTED)
    db.session.add(Submission(round_id=round_.id, country_id=gn.country_id, status="submitted"))
    db.session.commit()
    return round_


def _reminder_runs() -> Counter:
    db.session.rollback()
    rows = db.session.execute(
        sa.select(Country.iso2, JobRun.slot)
        .join(Country, Country.id == JobRun.country_id)
        .where(JobRun.kind == "reminder")
    )
    return Counter((iso2, slot.split("@")[0]) for iso2, slot in rows)  # "7d" of "7d@<closing>"


def _reminder_messages() -> Counter:
    db.session.rollback()
    rows = db.session.scalars(
        sa.select(OutboxMessage.recipient_email).where(OutboxMessage.kind == notices.REMINDER)
    )
    return Counter(rows)


def _wait_until(condition, timeout: float = DEADLINE) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)
    raise AssertionError("condition not met in time")


def _expected_runs(slots: tuple[str, ...]) -> Counter:
    return Counter({(c, s): 1 for c in COUNTRIES if c != SUBMITTED for s in slots})


def _expected_messages(per_person: int) -> Counter:
    return Counter(
        {
            f"{c.lower()}{n}@example.org": per_person
            for c in COUNTRIES
            if c != SUBMITTED
            for n in range(2)
        }
    )


def test_standby_takes_over_when_the_leader_is_killed_mid_job(pg_scheduler_env, start_scheduler):
    # Due now: the 14- and 7-day reminders (closing in 5 days).
    _make_round(closes_in=timedelta(days=5))
    marker = pg_scheduler_env.tmp / "paused"
    pause = {"PAUSE_SECONDS": "60", "MARKER_FILE": str(marker)}

    leader = start_scheduler("leader", paused=True, **pause)
    leader.wait_for("now the leader", DEADLINE)
    standby = start_scheduler("standby", paused=True, **pause)
    standby.wait_for("standing by", DEADLINE)
    _wait_until(marker.exists)
    assert int(marker.read_text()) == leader.process.pid  # the leader is inside a reminder

    os.kill(leader.process.pid, signal.SIGKILL)
    leader.process.wait(timeout=10)
    killed_at = time.monotonic()

    standby.wait_for("now the leader", DEADLINE)
    assert time.monotonic() - killed_at < 60  # takes over within a minute
    expected = _expected_runs(("14d", "7d"))
    _wait_until(lambda: sum(_reminder_runs().values()) >= sum(expected.values()))
    standby.wait_for_sweep(DEADLINE)
    time.sleep(1)  # anything extra would show now

    assert _reminder_runs() == expected  # 0 duplicates, 0 missing
    assert _reminder_messages() == _expected_messages(2)
    # The killed leader's half-done reminder left nothing behind: all done by the standby.
    workers = set(db.session.scalars(sa.select(JobRun.worker).where(JobRun.kind == "reminder")))
    assert all(w.endswith(f":{standby.process.pid}") for w in workers)


def test_restart_after_downtime_catches_up_two_reminders_once(pg_scheduler_env, start_scheduler):
    round_ = _make_round(closes_in=timedelta(days=30))  # nothing due but the opening
    first = start_scheduler("first")
    first.wait_for_sweep(DEADLINE)
    first.stop()
    assert _reminder_runs() == Counter()

    # Twenty-five days of downtime pass: move the round as the clock would have.
    db.session.rollback()
    round_ = db.session.get(Round, round_.id)
    round_.opens_at -= timedelta(days=25)
    round_.closes_at -= timedelta(days=25)
    db.session.commit()

    second = start_scheduler("second")
    second.wait_for_sweep(DEADLINE)
    second.stop()
    assert _reminder_runs() == _expected_runs(("14d", "7d"))
    assert _reminder_messages() == _expected_messages(2)

    third = start_scheduler("third")
    third.wait_for_sweep(DEADLINE)
    third.stop()
    assert _reminder_runs() == _expected_runs(("14d", "7d"))
    assert _reminder_messages() == _expected_messages(2)
