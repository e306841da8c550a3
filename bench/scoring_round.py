"""Benchmark: scoring a large round, compared with only reading its answers, and the query count
of the round overview.

    .venv/bin/python bench/scoring_round.py [--countries 200] [--questions 150]
                                            [--postgres postgresql+psycopg://...] [--repeat 3]

Builds a round of a generated definition (mixed question types) in a temporary SQLite database
and, when TEST_DATABASE_URL or --postgres is given, in a temporary schema of that PostgreSQL
database. In one run it measures the time to read every answer of the round from the database,
the time to score every submission (goal: at most the read time again), the time to take every
snapshot, and the number of queries of the round overview page for a small and a large round
(goal: the same). Prints a table of figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from surveys import create_app
from surveys.columns import utcnow
from surveys.extensions import db


def _settings(url: str | None, schema: str | None, tmp: Path) -> dict:
    settings = {
        "TESTING": True,
        "SECRET_KEY": "bench-only",
        "WTF_CSRF_ENABLED": False,
        "SERVER_NAME": None,
        "MAIL_BACKEND": "memory",
        "UPLOAD_DIR": str(tmp / "uploads"),
        "SCHEDULER_LOCK_FILE": str(tmp / "scheduler.lock"),
    }
    if url is None:
        settings["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp / 'bench.db'}"
    else:
        settings["SQLALCHEMY_DATABASE_URI"] = url
        settings["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "connect_args": {"options": f"-csearch_path={schema}"}
        }
    return settings


def _build_round(definition, version, countries, period: str, seed: int, now):
    """A round of the version for the countries, every country with a submitted submission."""
    from bench.samples import generated_answers
    from surveys.responses.models import Answer, Submission
    from surveys.rounds.models import Round, RoundCountry

    round_ = Round(
        questionnaire_version_id=version.id,
        period_label=period,
        opens_at=now - timedelta(days=30),
        closes_at=now + timedelta(days=30),
    )
    round_.participants = [RoundCountry(country_id=c.id) for c in countries]
    db.session.add(round_)
    db.session.flush()
    rng = random.Random(seed)
    submission_ids = []
    for country in countries:
        submission = Submission(round_id=round_.id, country_id=country.id, status="submitted")
        db.session.add(submission)
        db.session.flush()
        submission_ids.append(submission.id)
    rows = [
        {"submission_id": sid, "question_id": qid, "value": value, "not_applicable": na}
        for sid in submission_ids
        for qid, value, na in generated_answers(definition, rng)
    ]
    db.session.execute(sa.insert(Answer), rows)
    db.session.commit()
    return round_, submission_ids, len(rows)


def _count_queries(client, url: str) -> tuple[int, float]:
    statements: list[str] = []

    def count(conn, cursor, statement, *_args) -> None:
        statements.append(statement)

    db.session.remove()  # a fresh session, as each production request has
    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        start = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - start
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}")
    if os.environ.get("BENCH_SHOW_QUERIES"):
        print(url, *(" ".join(s.split())[:160] for s in statements), sep="\n  ")
    return len(statements), elapsed


def run_backend(name: str, settings: dict, args) -> list[tuple[str, str]]:
    from bench.samples import generated_definition
    from surveys.accounts.models import User
    from surveys.countries.models import Country
    from surveys.questionnaire.models import PUBLISHED, Questionnaire, QuestionnaireVersion
    from surveys.questionnaire.serialize import definition_hash, to_canonical_json
    from surveys.results.operations import responses_by_submission, snapshot_round_close
    from surveys.roles import Role
    from surveys.scoring import score

    app = create_app(settings)
    figures: list[tuple[str, str]] = []
    with app.app_context():
        db.create_all()
        definition = generated_definition(args.questions)
        version = QuestionnaireVersion(
            questionnaire=Questionnaire(key=definition.key),
            version=definition.version,
            status=PUBLISHED,
            published_at=utcnow(),
            definition_json=to_canonical_json(definition),
            sha256=definition_hash(definition),
        )
        countries = [
            Country(
                iso2=f"{chr(65 + i // 26)}{chr(65 + i % 26)}",
                iso3=f"{chr(65 + i // 26)}{chr(65 + i % 26)}X",
                names={"en": f"Country {i:03d}", "fr": f"Pays {i:03d}"},
            )
            for i in range(args.countries)
        ]
        user = User(email="analyst@example.org", name="Analyst", password_hash="x")
        user.grant(Role.ANALYST)
        db.session.add_all([version, user, *countries])
        db.session.commit()
        stored = version.definition  # the parsed stored definition, as the app scores it
        now = utcnow()  # both rounds open together: neither is the other's previous round

        big, ids, answer_count = _build_round(stored, version, countries, "large", seed=1, now=now)
        small, _, _ = _build_round(stored, version, countries[:20], "small", seed=2, now=now)
        figures.append(("answers in the large round", f"{answer_count}"))

        def read() -> dict:
            db.session.expire_all()
            return responses_by_submission(ids)

        def score_all(answers: list) -> list:
            return [score(stored, r) for r in answers]

        # Reading and scoring alternate, so that both meet the same machine load; the first
        # scoring also builds the per-definition tables (cached afterwards).
        read_times, score_times = [], []
        for _ in range(args.repeat):
            start = time.perf_counter()
            responses = read()
            read_times.append(time.perf_counter() - start)
            answers = [responses[sid] for sid in ids]
            start = time.perf_counter()
            score_all(answers)
            score_times.append(time.perf_counter() - start)
        read_best, score_best = min(read_times), min(score_times)
        figures += [
            ("read all answers (first / best), s", f"{read_times[0]:.3f} / {read_best:.3f}"),
            ("score all submissions (first / best), s", f"{score_times[0]:.3f} / {score_best:.3f}"),
            ("scoring time / read time (best)", f"{score_best / read_best:.2f}"),
            (
                "goal: scoring adds at most the read time",
                "met" if score_best <= read_best else "NOT met",
            ),
        ]

        small_id, big_id = small.id, big.id
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
        client.get(f"/results/rounds/{small_id}")  # warm the template and definition caches
        for label in ("no snapshot: scored on the fly", "every submission has a snapshot"):
            small_queries, small_time = _count_queries(client, f"/results/rounds/{small_id}")
            big_queries, big_time = _count_queries(client, f"/results/rounds/{big_id}")
            figures += [
                (
                    f"overview queries, 20 / {args.countries} countries ({label})",
                    f"{small_queries} / {big_queries}",
                ),
                (
                    f"overview page time, 20 / {args.countries} countries ({label}), s",
                    f"{small_time:.3f} / {big_time:.3f}",
                ),
            ]
            if label.startswith("no snapshot"):
                start = time.perf_counter()
                created = snapshot_round_close(big_id) + snapshot_round_close(small_id)
                db.session.commit()
                figures.append(
                    (
                        f"store {created} snapshots (read + score + write), s",
                        f"{time.perf_counter() - start:.3f}",
                    )
                )
        db.session.remove()
        db.engine.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--countries", type=int, default=200)
    parser.add_argument("--questions", type=int, default=150)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", default=os.environ.get("TEST_DATABASE_URL"))
    args = parser.parse_args()

    results: dict[str, list[tuple[str, str]]] = {}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        results["SQLite"] = run_backend("sqlite", _settings(None, None, tmp), args)
        if args.postgres:
            schema = f"bench_{uuid.uuid4().hex[:10]}"
            engine = sa.create_engine(args.postgres)
            with engine.begin() as conn:
                conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
            try:
                results["PostgreSQL"] = run_backend(
                    "postgresql", _settings(args.postgres, schema, tmp), args
                )
            finally:
                with engine.begin() as conn:
                    conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
                engine.dispose()

    print(f"Scoring a round of {args.countries} countries x {args.questions} questions")
    names = list(results)
    labels = [label for label, _ in results[names[0]]]
    width = max(len(label) for label in labels) + 2
    print("".ljust(width) + "".join(name.rjust(18) for name in names))
    for position, label in enumerate(labels):
        print(label.ljust(width) + "".join(results[n][position][1].rjust(18) for n in names))
    if not args.postgres:
        print("(PostgreSQL skipped: pass --postgres URL or set TEST_DATABASE_URL)")


if __name__ == "__main__":
    main()
