"""Benchmark: the offline workbook of the largest questionnaires, made, filled in and imported.

    .venv/bin/python bench/offline_workbook.py [--repeat 5] [--questions 150]

For the heaviest questionnaire shipped (questionnaires/niamey-2018, its newest version) and for a
synthetic one of `--questions` questions (the export benchmark's, 8 areas, a statistics table
per area), on a temporary SQLite database, it prints:

- template generation: the blank workbook and the pre-filled one (every question answered),
  median and slowest of `--repeat` runs, and their sizes in bytes;
- import of a full workbook (every answer cell filled in as a person would, with openpyxl):
  the preview (read, check, merge every area) and the confirmation (preview again + store);
- round-trip identity: the filled cells against the cells of a workbook downloaded again after
  the import (goal: 0 differences), and a pre-filled workbook uploaded unchanged (goal: 0 changes).
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

SECRET = "bench-offline-not-secret"


def _app(folder: Path):
    from surveys import create_app
    from surveys.extensions import db

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": SECRET,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.db'}",
            "WTF_CSRF_ENABLED": False,
            "MAIL_BACKEND": "memory",
            "UPLOAD_DIR": str(folder / "uploads"),
            "ARCHIVE_DIR": str(folder / "archive"),
            "SCHEDULER_LOCK_FILE": str(folder / "scheduler.lock"),
            "DEMO_ENABLED": False,
        }
    )
    with app.app_context():
        db.create_all()
    return app


def _seed(definition, source_name: str):
    """A published version, an open round of one country, a respondent."""
    from surveys.accounts.models import User
    from surveys.columns import utcnow
    from surveys.countries.models import Country
    from surveys.extensions import db
    from surveys.questionnaire.models import PUBLISHED, Questionnaire, QuestionnaireVersion
    from surveys.questionnaire.serialize import definition_hash, to_canonical_json
    from surveys.roles import Role
    from surveys.rounds.models import Round, RoundCountry

    country = Country(iso2="NE", iso3="NER", names={"en": "Niger", "fr": "Niger"})
    version = QuestionnaireVersion(
        questionnaire=Questionnaire(key=definition.key),
        version=definition.version,
        definition_json=to_canonical_json(definition),
        sha256=definition_hash(definition),
        source_name=source_name,
        status=PUBLISHED,
        published_at=utcnow(),
    )
    db.session.add_all([country, version])
    db.session.flush()
    round_ = Round(
        questionnaire_version_id=version.id,
        period_label="2026-H2",
        opens_at=utcnow() - timedelta(days=1),
        closes_at=utcnow() + timedelta(days=30),
    )
    round_.participants = [RoundCountry(country_id=country.id)]
    user = User(email="focal@example.org", name="Focal", password_hash="x", language="en")
    user.grant(Role.RESPONDENT)
    user.countries.append(country)
    db.session.add_all([round_, user])
    db.session.commit()
    return round_, country, user


def _typed_values(layout) -> dict[tuple[str, int, int], object]:
    """A value for every answer cell a person would fill in, skipping questions their
    conditions hide (computed from the choices typed) and "not applicable"."""
    from surveys.offline.layout import Entry
    from surveys.questionnaire.expressions import hidden_questions

    choice = {}
    for _sheet, _row, cell in layout.field_cells():
        if cell.entry == Entry.CHOICE:
            choice[cell.field] = cell.choices[0]
    values = {qid: value for qid, (value, _) in choice.items()}
    for qid in list(values):
        question = layout.definition.question(qid)
        if question and question.type.value == "maturity":
            values[qid] = int(values[qid])
    hidden = hidden_questions(layout.definition, values)
    typed = {}
    for n, (sheet, row, cell) in enumerate(layout.field_cells()):
        qid = cell.field.split("-", 1)[0]
        if qid in hidden or cell.entry == Entry.TICK or cell.field.endswith("-na_reason"):
            continue
        if cell.field.endswith("-rule_explanation"):
            continue  # an explanation only where a warning is raised (none with these figures)
        if cell.entry == Entry.CHOICE:
            value = cell.choices[0][1]
        elif cell.entry == Entry.OPTION:
            value = cell.choices[0][1] if n % 2 else None
        elif cell.entry == Entry.NUMBER and _is_statistics(layout.definition, qid):
            # Figures that respect the validation rules (parts within their total, children
            # among all, executed no more than received), as a careful person types them.
            value = 100 if cell.field.endswith("-total") else 10
        elif cell.entry in (Entry.NUMBER, Entry.INTEGER):
            low = cell.low if cell.low is not None else 0
            high = cell.high if cell.high is not None else low + 1000
            value = int(low + (n % max(int(high - low), 1)))
        elif cell.entry == Entry.DATE:
            value = date(2024, 1 + n % 12, 1 + n % 28)
        else:
            value = f"Answer {n} typed offline"
        if value is not None:
            typed[(sheet.title, row, cell.column)] = value
    return typed


def _is_statistics(definition, question_id: str) -> bool:
    question = definition.question(question_id)
    return question is not None and question.statistics is not None


def _fill(data: bytes, typed) -> bytes:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data))
    for (title, row, column), value in typed.items():
        workbook[title].cell(row=row, column=column).value = value
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _cells(data: bytes, keys) -> dict:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data))
    found = {}
    for title, row, column in keys:
        value = workbook[title].cell(row=row, column=column).value
        found[(title, row, column)] = value.date() if hasattr(value, "date") else value
    return found


def _timed(repeat: int, action) -> tuple[list[float], object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - started)
    return times, result


def _figure(times: list[float]) -> str:
    return f"median {statistics.median(times) * 1000:7.0f} ms, slowest {max(times) * 1000:7.0f} ms"


def bench_definition(name: str, definition, repeat: int) -> None:
    from surveys.extensions import db
    from surveys.offline import operations as offline
    from surveys.responses.operations import find_submission, start_submission

    with tempfile.TemporaryDirectory() as folder:
        app = _app(Path(folder))
        with app.app_context(), app.test_request_context(method="POST"):
            round_, country, user = _seed(definition, name)
            submission = start_submission(round_, country, actor=user)
            db.session.commit()
            cells = sum(1 for _ in offline.layout_for(definition, "en", []).field_cells())
            questions = sum(1 for _ in definition.questions())
            print(
                f"\n{name}: {questions} questions in {len(definition.areas)} areas, "
                f"{cells} answer cells"
            )

            def template() -> bytes:
                out = io.BytesIO()
                offline.make_template(out, round_, country, "en", secret=SECRET)
                return out.getvalue()

            times, blank = _timed(repeat, template)
            print(f"  template, blank      : {_figure(times)}, {len(blank):,} bytes")

            layout = offline.layout_for(definition, "en", [])
            typed = _typed_values(layout)
            filled = _fill(blank, typed)
            path = Path(folder) / "filled.xlsx"
            path.write_bytes(filled)

            def preview():
                db.session.expire_all()
                return offline.preview_import(
                    round_, country, [(path, "filled.xlsx")], secret=SECRET
                )

            times, result = _timed(repeat, preview)
            problems = [(p.sheet, p.cell, p.message) for _f, p in result.problems]
            changed = len(result.changes("changed"))
            print(
                f"  import preview (full): {_figure(times)}, {len(typed)} cells typed, "
                f"{changed} questions changed, {len(problems)} problems {problems[:3]}"
            )

            started = time.perf_counter()
            result = preview()
            outcome = offline.apply_import(result, submission, actor=user, choices={})
            db.session.commit()
            stored_in = time.perf_counter() - started
            print(
                f"  import confirm (full): {stored_in * 1000:7.0f} ms (preview again + store "
                f"{outcome.saved} answers in one transaction)"
            )

            times, prefilled = _timed(repeat, template)
            print(f"  template, pre-filled : {_figure(times)}, {len(prefilled):,} bytes")
            again = _cells(prefilled, typed)
            differences = [k for k, v in typed.items() if again[k] != v]
            print(
                f"  round trip: {len(differences)} of {len(typed)} typed cells differ in the "
                f"workbook downloaded after the import {differences[:3]}"
            )
            path.write_bytes(prefilled)
            db.session.expire_all()
            unchanged = offline.preview_import(
                round_, country, [(path, "same.xlsx")], secret=SECRET
            )
            print(
                f"  pre-filled workbook uploaded unchanged: "
                f"{len(unchanged.changes('changed', 'conflict'))} changes, "
                f"{len(unchanged.problems)} problems"
            )
            assert find_submission(round_.id, country.id) is not None
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--questions", type=int, default=150)
    args = parser.parse_args()
    from export_workbooks import synthetic_definition

    from surveys.questionnaire.loader import load_definition

    newest = sorted((ROOT / "questionnaires" / "niamey-2018").glob("v*.yaml"))[-1]
    bench_definition(f"niamey-2018 {newest.stem}", load_definition(newest), args.repeat)
    bench_definition(
        f"synthetic {args.questions}", synthetic_definition(args.questions), args.repeat
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
