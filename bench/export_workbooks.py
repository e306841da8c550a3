"""Benchmark: Excel exports of a large round and of trends over many rounds, against bare openpyxl.

    .venv/bin/python bench/export_workbooks.py [--countries 200] [--questions 150] [--rounds 10]
                                                [--postgres URL] [--sqlite-only]

In ONE run, for SQLite (a temporary file) and PostgreSQL (TEST_DATABASE_URL or --postgres, in a
schema of its own, dropped at the end), it seeds a synthetic questionnaire of `--questions`
questions and `--rounds` rounds of `--countries` countries (every country answering every
question), then measures, each in a fresh subprocess:

- the round scorecard workbook of the latest round (about 30,000 answers, 200 country sheets);
- the trends workbook with responses over all rounds (about 300,000 response rows);
- for each, "bare": the same cells (read back from our file with python-calamine, beforehand and
  outside the timing) written with bare openpyxl write-only mode, no styles, no checks.

It prints wall time, the ratio to bare openpyxl (goal <= 1.5) and the peak resident memory of the
measuring process (ru_maxrss; goal < 250 MB for our exports).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GOAL_RATIO = 1.5
GOAL_MEMORY_MB = 250
AREAS = 8


# --- The synthetic questionnaire ---------------------------------------------------------------


def synthetic_definition(question_count: int):
    from surveys.questionnaire.schema import (
        Area,
        Definition,
        LineOfAction,
        Option,
        Question,
        QuestionType,
        StatColumn,
        StatisticsTable,
        StatRow,
        Threshold,
    )

    def text(prefix: str, n: int) -> dict[str, str]:
        return {
            "en": f"{prefix} {n}: is the measure in place and applied in practice?",
            "fr": f"{prefix} {n} : la mesure est-elle en place et appliquée en pratique ?",
        }

    ypn = (
        Option("yes", {"en": "Yes", "fr": "Oui"}, 1.0),
        Option("partly", {"en": "Partly", "fr": "En partie"}, 0.5),
        Option("no", {"en": "No", "fr": "Non"}, 0.0),
    )
    levels = tuple(
        Option(str(i), {"en": f"Level {i}", "fr": f"Niveau {i}"}, None) for i in range(5)
    )
    choices = tuple(
        Option(f"c{i}", {"en": f"Choice {i}", "fr": f"Choix {i}"}, round(i / 4, 2))
        for i in range(5)
    )
    many = tuple(
        Option(f"m{i}", {"en": f"Instrument {i}", "fr": f"Instrument {i}"}, 0.25) for i in range(6)
    )
    table = StatisticsTable(
        rows=(
            StatRow("prosecuted", {"en": "Persons prosecuted", "fr": "Personnes poursuivies"}),
            StatRow("convicted", {"en": "Persons convicted", "fr": "Personnes condamnées"}),
        ),
        columns=(
            StatColumn("female", {"en": "Female", "fr": "Femmes"}),
            StatColumn("male", {"en": "Male", "fr": "Hommes"}),
            StatColumn("total", {"en": "Total", "fr": "Total"}),
        ),
        years=(2024, 2025),
    )
    kinds = [
        QuestionType.YES_PARTLY_NO,
        QuestionType.YES_PARTLY_NO,
        QuestionType.YES_PARTLY_NO,
        QuestionType.SINGLE_CHOICE,
        QuestionType.MULTIPLE_CHOICE,
        QuestionType.MATURITY,
        QuestionType.MATURITY,
        QuestionType.INTEGER,
        QuestionType.DECIMAL,
        QuestionType.PERCENTAGE,
        QuestionType.DATE,
        QuestionType.SHORT_TEXT,
        QuestionType.LONG_TEXT,
        QuestionType.YES_PARTLY_NO,
        QuestionType.MATURITY,
        QuestionType.YES_PARTLY_NO,
        QuestionType.SINGLE_CHOICE,
        QuestionType.INTEGER,
    ]
    per_area = [
        question_count // AREAS + (1 if a < question_count % AREAS else 0) for a in range(AREAS)
    ]
    areas = []
    number = 0
    for a in range(AREAS):
        questions = []
        for i in range(per_area[a]):
            number += 1
            qid = f"q{number:03d}"
            kind = QuestionType.STATISTICS if i == per_area[a] - 1 else kinds[i % len(kinds)]
            common = {"id": qid, "type": kind, "text": text("Question", number)}
            if kind is QuestionType.YES_PARTLY_NO:
                q = Question(
                    **common, options=ypn, weight=2.0 if i % 3 == 0 else 1.0, allow_na=i % 5 == 0
                )
            elif kind is QuestionType.SINGLE_CHOICE:
                q = Question(**common, options=choices)
            elif kind is QuestionType.MULTIPLE_CHOICE:
                q = Question(**common, options=many)
            elif kind is QuestionType.MATURITY:
                q = Question(**common, options=levels)
            elif kind in (QuestionType.INTEGER, QuestionType.PERCENTAGE):
                q = Question(
                    **common,
                    minimum=0,
                    maximum=100 if kind is QuestionType.PERCENTAGE else None,
                    thresholds=(Threshold(0, 0.0), Threshold(10, 0.5), Threshold(50, 1.0)),
                )
            elif kind is QuestionType.DECIMAL:
                q = Question(**common, required=False)
            elif kind is QuestionType.DATE:
                q = Question(**common, answered_score=1.0, required=False)
            elif kind in (QuestionType.SHORT_TEXT, QuestionType.LONG_TEXT):
                q = Question(**common, required=False)
            else:
                q = Question(**common, statistics=table, answered_score=1.0)
            questions.append(q)
        areas.append(
            Area(
                id=f"area{a + 1}",
                title={"en": f"Area {a + 1}", "fr": f"Domaine {a + 1}"},
                line_of_action=f"LA{a + 1}",
                questions=tuple(questions),
            )
        )
    return Definition(
        key="bench",
        version=1,
        languages=("en", "fr"),
        title={"en": "Benchmark questionnaire", "fr": "Questionnaire de référence"},
        lines_of_action=tuple(
            LineOfAction(f"LA{i + 1}", {"en": f"Line of action {i + 1}", "fr": f"Axe {i + 1}"})
            for i in range(AREAS)
        ),
        areas=tuple(areas),
    )


def synthetic_answer(question, rng: random.Random):
    from surveys.questionnaire.schema import QuestionType

    kind = question.type
    if kind is QuestionType.STATISTICS:
        cells = {
            f"{row.id}|{year}|{col.id}": rng.randint(0, 500)
            for row in question.statistics.rows
            for year in question.statistics.years
            for col in question.statistics.columns
        }
        return {
            "cells": cells,
            "source": "Ministry of Justice",
            "definition": "",
            "period": "calendar year",
            "coverage": "national",
        }
    if kind in (QuestionType.YES_PARTLY_NO, QuestionType.SINGLE_CHOICE):
        return rng.choice(question.options).value
    if kind is QuestionType.MULTIPLE_CHOICE:
        return sorted(o.value for o in rng.sample(question.options, rng.randint(1, 3)))
    if kind is QuestionType.MATURITY:
        return rng.randint(0, 4)
    if kind is QuestionType.INTEGER:
        return rng.randint(0, 120)
    if kind is QuestionType.DECIMAL:
        return round(rng.uniform(0, 1000), 2)
    if kind is QuestionType.PERCENTAGE:
        return round(rng.uniform(0, 100), 1)
    if kind is QuestionType.DATE:
        return f"20{rng.randint(10, 25)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    if kind is QuestionType.SHORT_TEXT:
        return f"National focal point {rng.randint(1, 999)}"
    return "The law was amended; implementation is under way in the regions. " * rng.randint(1, 4)


# --- Seeding -----------------------------------------------------------------------------------


def make_app(url: str, schema: str | None, archive: Path):
    from surveys import create_app

    settings = {
        "TESTING": True,
        "SECRET_KEY": "bench-only",
        "SQLALCHEMY_DATABASE_URI": url,
        "ARCHIVE_DIR": str(archive),
    }
    if schema:
        settings["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "pool_pre_ping": True,
            "connect_args": {"options": f"-csearch_path={schema}"},
        }
    return create_app(settings)


def seed(app, countries: int, questions: int, rounds: int) -> dict:
    import sqlalchemy as sa

    from surveys.accounts.models import User
    from surveys.countries.models import Country
    from surveys.extensions import db
    from surveys.questionnaire.models import PUBLISHED, Questionnaire, QuestionnaireVersion
    from surveys.questionnaire.serialize import definition_hash, to_canonical_json
    from surveys.responses.models import Answer, Submission
    from surveys.rounds.models import Round, RoundCountry

    rng = random.Random(2018)
    definition = synthetic_definition(questions)
    now = datetime.now(UTC)
    with app.app_context():
        db.create_all()
        user = User(email="focal@example.org", name="Focal Point", password_hash=None)
        db.session.add(user)
        questionnaire = Questionnaire(key=definition.key)
        version = QuestionnaireVersion(
            questionnaire=questionnaire,
            version=1,
            definition_json=to_canonical_json(definition),
            sha256=definition_hash(definition),
            status=PUBLISHED,
            published_at=now,
        )
        db.session.add(version)
        letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        country_rows = []
        for n in range(countries):
            iso2 = letters[n // 26 % 26] + letters[n % 26]
            country_rows.append(
                Country(
                    iso2=iso2,
                    iso3=iso2 + "X",
                    names={"en": f"Country {iso2}", "fr": f"Pays {iso2}"},
                )
            )
        db.session.add_all(country_rows)
        db.session.flush()
        round_ids = []
        for r in range(rounds):
            opens = now - timedelta(days=365 * (rounds - r))
            round_ = Round(
                questionnaire_version_id=version.id,
                period_label=str(2026 - rounds + r + 1),
                opens_at=opens,
                closes_at=opens + timedelta(days=60),
                reminder_offsets=[],
            )
            round_.participants = [RoundCountry(country_id=c.id) for c in country_rows]
            db.session.add(round_)
            db.session.flush()
            round_ids.append(round_.id)
            db.session.execute(
                sa.insert(Submission),
                [
                    {
                        "round_id": round_.id,
                        "country_id": c.id,
                        "status": "validated",
                        "submitted_at": opens + timedelta(days=30),
                        "validated_at": opens + timedelta(days=40),
                    }
                    for c in country_rows
                ],
            )
            submission_ids = db.session.scalars(
                sa.select(Submission.id).where(Submission.round_id == round_.id)
            ).all()
            rows = []
            for submission_id in submission_ids:
                for _, question in definition.questions():
                    rows.append(
                        {
                            "submission_id": submission_id,
                            "question_id": question.id,
                            "value": synthetic_answer(question, rng),
                            "not_applicable": False,
                            "comment": "Source: national report 2025."
                            if rng.random() < 0.3
                            else "",
                            "na_justification": "",
                            "updated_at": opens + timedelta(days=20),
                            "updated_by_id": user.id,
                        }
                    )
                if len(rows) >= 20000:
                    db.session.execute(sa.insert(Answer), rows)
                    rows = []
            if rows:
                db.session.execute(sa.insert(Answer), rows)
        db.session.commit()
        answers = db.session.scalar(sa.select(sa.func.count()).select_from(Answer))
    return {"rounds": round_ids, "answers": answers}


# --- Measurements (each in its own process) ----------------------------------------------------


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    """CPU time of this process: robust when other work shares the machine (wall time is not)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure_ours(args) -> dict:
    app = make_app(args.db, args.schema, Path(args.out).parent)
    # Imports happen before the clock starts: a web worker has them loaded already.
    from surveys.export.scorecard import build_scorecard
    from surveys.export.trends import build_trends

    with app.app_context():
        started, cpu = time.perf_counter(), cpu_seconds()
        if args.measure == "scorecard":
            build_scorecard(args.round, "fr", args.out)
        else:
            build_trends("bench", "fr", args.out, with_responses=True)
        wall = time.perf_counter() - started
    return {"seconds": cpu_seconds() - cpu, "wall": wall, "peak_mb": peak_mb()}


def measure_bare(args) -> dict:
    """Write the cells of our workbook again with bare openpyxl (values read beforehand)."""
    from openpyxl import Workbook
    from python_calamine import CalamineWorkbook

    source = CalamineWorkbook.from_path(args.source)
    workbook = Workbook(write_only=True)
    seconds = wall = 0.0
    cells = 0
    for name in source.sheet_names:
        rows = [
            [None if value == "" else value for value in row]
            for row in source.get_sheet_by_name(name).to_python(skip_empty_area=False)
        ]
        cells += sum(len(r) for r in rows)
        started, cpu = time.perf_counter(), cpu_seconds()
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
        seconds += cpu_seconds() - cpu
        wall += time.perf_counter() - started
        del rows
    started, cpu = time.perf_counter(), cpu_seconds()
    workbook.save(args.out)
    seconds += cpu_seconds() - cpu
    wall += time.perf_counter() - started
    return {"seconds": seconds, "wall": wall, "peak_mb": peak_mb(), "cells": cells}


def run_measurement(*extra: str) -> dict:
    output = subprocess.run(
        [sys.executable, __file__, *extra], check=True, capture_output=True, text=True
    )
    return json.loads(output.stdout.strip().splitlines()[-1])


# --- The run -----------------------------------------------------------------------------------


def bench_backend(label: str, url: str, schema: str | None, options, work: Path) -> list[tuple]:
    app = make_app(url, schema, work)
    started = time.perf_counter()
    seeded = seed(app, options.countries, options.questions, options.rounds)
    print(
        f"[{label}] seeded {seeded['answers']:,} answers in {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    common = ["--db", url] + (["--schema", schema] if schema else [])
    results = []
    for kind in ("scorecard", "trends"):
        ours_file = work / f"{label}-{kind}.xlsx"
        extra = ["--round", str(seeded["rounds"][-1])] if kind == "scorecard" else []
        ours = run_measurement("--measure", kind, "--out", str(ours_file), *common, *extra)
        bare = run_measurement(
            "--measure",
            "bare",
            "--source",
            str(ours_file),
            "--out",
            str(work / f"bare-{kind}.xlsx"),
        )
        results.append((label, kind, ours, bare, ours_file.stat().st_size))
        ratio = ours["seconds"] / bare["seconds"]
        print(
            f"[{label}] {kind}: ours {ours['seconds']:.1f} s CPU ({ours['wall']:.1f} s wall), "
            f"{ours['peak_mb']:.0f} MB; bare {bare['seconds']:.1f} s CPU "
            f"({bare['wall']:.1f} s wall, {bare['cells']:,} cells); ratio {ratio:.2f}",
            flush=True,
        )
    return results


def print_table(results: list[tuple]) -> None:
    print()
    print("Times: CPU seconds of the measuring process (wall seconds in brackets). Other work on")
    print("the machine inflates wall time, not CPU time; the ratio is ours / bare in CPU time.")
    print("Bare: the same cells, read back from our file beforehand, written with bare openpyxl.")
    print("Cells read: every cell of each sheet's used range, blanks included.")
    header = (
        f"{'database':<10} {'workbook':<10} {'cells read':>10} {'size MB':>8} {'ours s':>14} "
        f"{'bare s':>14} {'ratio':>6} {'peak MB':>8}  goals (<= {GOAL_RATIO}x, "
        f"< {GOAL_MEMORY_MB} MB)"
    )
    print(header)
    print("-" * len(header))
    for label, kind, ours, bare, size in results:
        ratio = ours["seconds"] / bare["seconds"]
        met = "met" if ratio <= GOAL_RATIO and ours["peak_mb"] < GOAL_MEMORY_MB else "NOT MET"
        ours_s = f"{ours['seconds']:.1f} ({ours['wall']:.1f})"
        bare_s = f"{bare['seconds']:.1f} ({bare['wall']:.1f})"
        print(
            f"{label:<10} {kind:<10} {bare['cells']:>10,} {size / 1e6:>8.1f} {ours_s:>14} "
            f"{bare_s:>14} {ratio:>6.2f} {ours['peak_mb']:>8.0f}  {met}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--countries", type=int, default=200)
    parser.add_argument("--questions", type=int, default=150)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--postgres", default=os.environ.get("TEST_DATABASE_URL"))
    parser.add_argument("--sqlite-only", action="store_true")
    # Internal: one measurement in this (fresh) process.
    parser.add_argument("--measure", choices=("scorecard", "trends", "bare"))
    parser.add_argument("--db")
    parser.add_argument("--schema")
    parser.add_argument("--round", type=int)
    parser.add_argument("--out")
    parser.add_argument("--source")
    options = parser.parse_args()
    if options.measure:
        result = measure_bare(options) if options.measure == "bare" else measure_ours(options)
        print(json.dumps(result))
        return

    print(
        f"{options.countries} countries x {options.questions} questions x {options.rounds} rounds",
        flush=True,
    )
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-export-") as folder:
        work = Path(folder)
        results += bench_backend("sqlite", f"sqlite:///{work / 'bench.db'}", None, options, work)
        if options.postgres and not options.sqlite_only:
            import sqlalchemy as sa

            schema = f"bench_{uuid.uuid4().hex[:10]}"
            engine = sa.create_engine(options.postgres)
            with engine.begin() as conn:
                conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
            try:
                results += bench_backend("postgresql", options.postgres, schema, options, work)
            finally:
                with engine.begin() as conn:
                    conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
                engine.dispose()
        else:
            print("PostgreSQL skipped: set TEST_DATABASE_URL or pass --postgres URL")
    print_table(results)


if __name__ == "__main__":
    main()
