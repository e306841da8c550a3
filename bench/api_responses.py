"""Benchmark: tidy responses of a 200-country round as CSV through the data API, against a bare
export of the same rows (one SQL query, Python's csv module).

    .venv/bin/python bench/api_responses.py [--countries 200] [--repeat 3] [--postgres URL]

It loads the Niamey questionnaire (v2, 105 questions) into a temporary SQLite database (and a
PostgreSQL schema of its own when TEST_DATABASE_URL or --postgres is given), gives every country
a submitted submission with generated answers and its score snapshot (as submitting does), then
times, best of `--repeat`:

- api: GET /api/v1/responses?round=<id>&format=csv with an analyst's token, through the WSGI
  app (token check, rate limit, scope, labels, lineage, scores, ETag): one row per country and
  question, unanswered questions included;
- bare: one SELECT of the answers joined to their countries, and the same number of rows (one
  per country and question, definition order) written by csv.writer with the question's text.

It prints rows, bytes, both times and the ratio (goal: at most 3).
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GOAL_RATIO = 3.0
NIAMEY = ROOT / "questionnaires" / "niamey-2018" / "v2.yaml"


def seed(countries: int) -> tuple[int, str]:
    """The round's id and an analyst's token, after loading the data (inside an app context)."""
    from datetime import timedelta

    from bench.samples import generated_answers
    from surveys.accounts.models import User
    from surveys.api.tokens import issue_api_token
    from surveys.columns import utcnow
    from surveys.countries.models import Country
    from surveys.extensions import db
    from surveys.questionnaire.loader import load_definition
    from surveys.questionnaire.models import PUBLISHED, Questionnaire, QuestionnaireVersion
    from surveys.questionnaire.serialize import definition_hash, to_canonical_json
    from surveys.responses.models import Answer, Submission
    from surveys.results.operations import snapshot_round_close
    from surveys.rounds.models import Round, RoundCountry

    definition = load_definition(NIAMEY)
    version = QuestionnaireVersion(
        questionnaire=Questionnaire(key=definition.key),
        version=definition.version,
        definition_json=to_canonical_json(definition),
        sha256=definition_hash(definition),
        status=PUBLISHED,
        published_at=utcnow(),
    )
    db.session.add(version)
    rows = [
        Country(
            iso2=f"{chr(65 + i // 26)}{chr(65 + i % 26)}",
            iso3=f"X{i:02d}"[:3] if i < 100 else f"{chr(65 + i // 26)}{chr(65 + i % 26)}Z",
            names={"en": f"Country {i}", "fr": f"Pays {i}"},
        )
        for i in range(countries)
    ]
    db.session.add_all(rows)
    now = utcnow()
    round_ = Round(
        version=version,
        period_label="2026-H1",
        opens_at=now - timedelta(days=60),
        closes_at=now - timedelta(days=1),
    )
    round_.participants = [RoundCountry(country=c) for c in rows]
    db.session.add(round_)
    db.session.flush()
    rng = random.Random(7)
    for country in rows:
        submission = Submission(
            round_id=round_.id, country_id=country.id, status="submitted", submitted_at=now
        )
        db.session.add(submission)
        db.session.flush()
        db.session.add_all(
            Answer(submission_id=submission.id, question_id=q, value=v, not_applicable=na)
            for q, v, na in generated_answers(definition, rng)
        )
    snapshot_round_close(round_.id)
    analyst = User(email="bench@example.org", name="Bench")
    analyst.grant("analyst")
    db.session.add(analyst)
    db.session.flush()
    _, token = issue_api_token(analyst, "bench")
    db.session.commit()
    return round_.id, token


def bare_export(round_id: int) -> tuple[int, int]:
    """One SELECT and csv.writer: the floor any export of these rows stands on."""
    import sqlalchemy as sa

    from surveys.countries.models import Country
    from surveys.extensions import db
    from surveys.questionnaire.schema import localized
    from surveys.responses.models import Answer, Submission
    from surveys.rounds.models import Round

    definition = db.session.get(Round, round_id).version.definition
    questions = [(a.id, q.id, localized(q.text, "en")) for a, q in definition.questions()]
    rows = db.session.execute(
        sa.select(Country.iso2, Country.sort_name("en"), Answer.question_id, Answer.value)
        .join(Submission, Answer.submission_id == Submission.id)
        .join(Country, Submission.country_id == Country.id)
        .where(Submission.round_id == round_id)
    ).all()
    by_country: dict[tuple, dict] = {}
    for iso2, name, question_id, value in rows:
        by_country.setdefault((iso2, name), {})[question_id] = value
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(
        ["round_id", "country", "country_name", "area_id", "question_key", "text", "value"]
    )
    count = 0
    for (iso2, name), answers in sorted(by_country.items()):
        for area_id, question_id, text in questions:
            value = answers.get(question_id)
            writer.writerow([round_id, iso2, name, area_id, question_id, text, value])
            count += 1
    return count, len(buffer.getvalue().encode())


def api_export(app, round_id: int, token: str) -> tuple[int, int]:
    response = app.test_client().get(
        f"/api/v1/responses?round={round_id}&format=csv",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.data[:300]
    body = response.get_data()
    return body.count(b"\r\n") - 1, len(body)


def best_of(repeat: int, action) -> tuple[float, tuple]:
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = action()
        best = min(best, time.perf_counter() - started)
    return best, result


def run(label: str, settings: dict, countries: int, repeat: int) -> bool:
    from surveys import create_app
    from surveys.extensions import db

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench",
            "API_RATE_LIMIT": 1_000_000,
            "STARTUP_CHECKS": False,
            **settings,
        }
    )
    with app.app_context():
        db.create_all()
        round_id, token = seed(countries)
        db.session.remove()
        api_export(app, round_id, token)  # warm: definitions parsed, catalogues loaded
        api_time, (api_rows, api_bytes) = best_of(repeat, lambda: api_export(app, round_id, token))
        bare_time, (bare_rows, bare_bytes) = best_of(repeat, lambda: bare_export(round_id))
        db.session.remove()
        db.drop_all()
        db.engine.dispose()
    ratio = api_time / bare_time
    print(f"{label}: {countries} countries, {api_rows:,} rows")
    api_size, bare_size = api_bytes / 1e6, bare_bytes / 1e6
    print(
        f"  api  (GET /api/v1/responses?format=csv): {api_time * 1000:8.0f} ms  "
        f"{api_size:5.1f} MB  {api_rows / api_time:,.0f} rows/s"
    )
    print(
        f"  bare (one SELECT + csv.writer)        : {bare_time * 1000:8.0f} ms  "
        f"{bare_size:5.1f} MB  ({bare_rows:,} rows)"
    )
    ok = ratio <= GOAL_RATIO and api_rows == bare_rows
    print(f"  ratio api / bare: {ratio:.2f}  (goal <= {GOAL_RATIO:g})  {'ok' if ok else 'MISSED'}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--countries", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", default=os.environ.get("TEST_DATABASE_URL"))
    args = parser.parse_args()
    ok = True
    with tempfile.TemporaryDirectory() as folder:
        ok &= run(
            "SQLite",
            {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.db"},
            args.countries,
            args.repeat,
        )
    if args.postgres:
        import sqlalchemy as sa

        schema = f"bench_{uuid.uuid4().hex[:10]}"
        engine = sa.create_engine(args.postgres)
        with engine.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        try:
            ok &= run(
                "PostgreSQL",
                {
                    "SQLALCHEMY_DATABASE_URI": args.postgres,
                    "SQLALCHEMY_ENGINE_OPTIONS": {
                        "connect_args": {"options": f"-csearch_path={schema}"}
                    },
                },
                args.countries,
                args.repeat,
            )
        finally:
            with engine.begin() as conn:
                conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
            engine.dispose()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
