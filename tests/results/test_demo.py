"""Demo-like rounds: the demo's snapshots are stored once and recompute reproduces them exactly."""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from bench.samples import generated_answers
from surveys.demo import DemoOutput
from surveys.demo import results as demo
from surveys.responses.models import Answer, Submission
from surveys.results.models import ScoreSnapshot
from surveys.results.operations import recompute

NIAMEY = Path(__file__).resolve().parents[2] / "questionnaires" / "niamey-2018"
STATUSES = ("validated", "submitted", "draft", "returned", "validated", "submitted")


def _answer_round(db, round_, countries, seed: int) -> None:
    """Generated answers to the round's real questionnaire, one status per country in turn."""
    rng = random.Random(seed)
    definition = round_.version.definition
    for position, country in enumerate(countries):
        submission = Submission(
            round_id=round_.id, country_id=country.id, status=STATUSES[position % len(STATUSES)]
        )
        db.session.add(submission)
        db.session.flush()
        for question_id, value, not_applicable in generated_answers(definition, rng):
            db.session.add(
                Answer(
                    submission_id=submission.id,
                    question_id=question_id,
                    value=value,
                    not_applicable=not_applicable,
                )
            )
    db.session.commit()


def _demo_like_rounds(db, create_country, create_version, create_round):
    countries = [create_country(code) for code in ("NE", "ML", "BF", "SN", "TD", "CI")]
    v1 = create_version(NIAMEY / "v1.yaml")
    v2 = create_version(NIAMEY / "v2.yaml")
    closed = create_round(
        v1,
        countries,
        period="2025",
        opens_in=timedelta(days=-400),
        closes_in=timedelta(days=-300),
    )
    current = create_round(v2, countries, period="2026")
    _answer_round(db, closed, countries, seed=1)
    _answer_round(db, current, countries, seed=2)
    return closed, current


def test_demo_snapshots_are_stored_once_and_recomputed_exactly(
    db, runner, create_country, create_version, create_round
):
    closed, current = _demo_like_rounds(db, create_country, create_version, create_round)
    out = DemoOutput()
    demo.load_demo(out)
    db.session.commit()
    stored = db.session.scalar(sa.select(sa.func.count(ScoreSnapshot.id)))
    # Submitted: 1 snapshot; validated: 2, in each round; every submission of the closed round
    # also gets a closing one.
    assert stored == 2 * (1 + 2 + 2 + 1) + 6
    assert out.lines == [f"Results: {stored} score snapshots stored."]

    demo.load_demo(DemoOutput())
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(ScoreSnapshot.id))) == stored

    report = recompute()
    assert report.checked == stored
    assert report.ok, [d.describe() for d in report.differences]
    for round_ in (closed, current):
        result = runner.invoke(args=["scores", "recompute", "--round", str(round_.id)])
        assert result.exit_code == 0, result.output


def test_whole_demo_recomputes_exactly(db, runner):
    from surveys.demo import load_demo

    load_demo()
    load_demo()  # idempotent, including the snapshots
    result = runner.invoke(args=["scores", "recompute"])
    assert result.exit_code == 0, result.output
