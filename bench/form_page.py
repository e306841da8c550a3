"""Benchmark: weight of the respondents' form page and time to render and save it.

    .venv/bin/python bench/form_page.py [--definition questionnaires/niamey-2018/v1.yaml]
                                        [--repeat 15] [--language en]

Imports the definition into a temporary SQLite database, starts a submission for one country
and, for every area, fetches the form page through the test client. For the heaviest area it
prints the bytes transferred (HTML, CSS and JS, each gzip-compressed as a server would send them;
goal: under 60 KB), whether the page refers to anything outside the app (goal: no), and the
median time to render the page and to save it with every question answered (each save changes
every value, so every question writes a revision). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import gzip
import re
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from surveys import create_app  # noqa: E402
from surveys.columns import utcnow  # noqa: E402

ASSETS = ("app.css", "responses.css", "responses.js")
EXTERNAL = re.compile(r"""(?:src|href|action)=["'](?:https?:)?//""", re.IGNORECASE)


def build_app(folder: Path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench-only",
            "WTF_CSRF_ENABLED": False,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.db'}",
            "UPLOAD_DIR": str(folder / "uploads"),
            "MAIL_BACKEND": "memory",
        }
    )
    return app


def seed(app, definition_path: Path, language: str):
    """A published version, a country, a respondent, an open round and a started submission."""
    from surveys.accounts.models import User
    from surveys.countries.models import Country
    from surveys.extensions import db
    from surveys.questionnaire.loader import load_definition
    from surveys.questionnaire.models import PUBLISHED, Questionnaire, QuestionnaireVersion
    from surveys.questionnaire.serialize import definition_hash, to_canonical_json
    from surveys.responses.operations import start_submission
    from surveys.roles import Role
    from surveys.rounds.models import Round, RoundCountry

    db.create_all()
    definition = load_definition(definition_path)
    version = QuestionnaireVersion(
        questionnaire=Questionnaire(key=definition.key),
        version=definition.version,
        definition_json=to_canonical_json(definition),
        sha256=definition_hash(definition),
        status=PUBLISHED,
        published_at=utcnow(),
    )
    country = Country(iso2="NE", iso3="NER", names={"en": "Niger", "fr": "Niger"})
    user = User(email="bench@example.org", name="Bench", password_hash=None, language=language)
    user.grant(Role.RESPONDENT)
    user.countries.append(country)
    db.session.add_all([version, country, user])
    db.session.flush()
    round_ = Round(
        questionnaire_version_id=version.id,
        period_label="bench",
        opens_at=utcnow() - timedelta(days=1),
        closes_at=utcnow() + timedelta(days=30),
    )
    round_.participants = [RoundCountry(country_id=country.id)]
    db.session.add(round_)
    db.session.flush()
    submission = start_submission(round_, country, actor=user)
    db.session.commit()
    return definition, user, submission.id


def answers_for(area, variant: int) -> dict[str, object]:
    """Form data answering every question of an area; `variant` changes every value."""
    from surveys.questionnaire.schema import QuestionType
    from surveys.responses.fields import cell_field

    data: dict[str, object] = {}
    for question in area.questions:
        qid = question.id
        kind = question.type
        if kind in (QuestionType.YES_PARTLY_NO, QuestionType.SINGLE_CHOICE, QuestionType.MATURITY):
            data[qid] = question.options[variant % len(question.options)].value
        elif kind == QuestionType.MULTIPLE_CHOICE:
            data[qid] = [question.options[variant % len(question.options)].value]
        elif kind in (QuestionType.INTEGER, QuestionType.DECIMAL, QuestionType.PERCENTAGE):
            low = question.minimum if question.minimum is not None else 0
            data[qid] = str(int(low) + variant % 50)
        elif kind == QuestionType.DATE:
            data[qid] = f"2024-01-{1 + variant % 28:02d}"
        elif kind == QuestionType.STATISTICS:
            table = question.statistics
            for row_id, year, column_id in table.cell_keys():
                data[cell_field(qid, row_id, year, column_id)] = str(variant + len(row_id))
            for meta in ("source", "definition", "period", "coverage"):
                data[f"{qid}-{meta}"] = f"{meta} {variant}"
        else:
            data[qid] = f"Text {variant}"
        data[f"{qid}-comment"] = f"Comment {variant}"
    return data


ACCEPT_GZIP = {"Accept-Encoding": "gzip"}


def gzip_size(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--definition", default=str(ROOT / "questionnaires/niamey-2018/v1.yaml"))
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--language", default="en", choices=("en", "fr"))
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        app = build_app(Path(tmp))
        with app.app_context():
            definition, user, submission_id = seed(app, Path(args.definition), args.language)
            client = app.test_client()
            with client.session_transaction() as session:
                session["_user_id"] = user.get_id()
                session["_fresh"] = True
            # What the app really sends to a browser that accepts gzip (it compresses itself).
            asset_bytes = {
                name: len(client.get(f"/static/{name}", headers=ACCEPT_GZIP).get_data())
                for name in ASSETS
            }
            pages = {}
            for area in definition.areas:
                html = client.get(f"/submissions/{submission_id}/areas/{area.id}").get_data()
                pages[area.id] = html
            heaviest = max(pages, key=lambda a: gzip_size(pages[a]))
            html = pages[heaviest]
            area = definition.area(heaviest)
            url = f"/submissions/{submission_id}/areas/{heaviest}"
            sent = client.get(url, headers=ACCEPT_GZIP)
            html_sent = len(sent.get_data())
            encoding = sent.headers.get("Content-Encoding", "identity")

            render_times = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                client.get(url)
                render_times.append(time.perf_counter() - start)

            save_times = []
            for variant in range(1, args.repeat + 1):
                page = client.get(url).get_data(as_text=True)
                lock = re.search(r'name="lock_version" type="hidden" value="(\d+)"', page)
                base = re.search(r'name="base" type="hidden" value="([^"]*)"', page)
                data = answers_for(area, variant)
                data["lock_version"] = lock.group(1) if lock else "0"
                data["base"] = (base.group(1) if base else "{}").replace("&#34;", '"')
                start = time.perf_counter()
                response = client.post(url, data=data, headers={"Accept": "application/json"})
                save_times.append(time.perf_counter() - start)
                if response.status_code != 200:
                    print(f"save answered {response.status_code}: {response.get_data()[:300]!r}")

    total = html_sent + sum(asset_bytes.values())
    print(f"definition: {args.definition} (language {args.language})")
    print("heaviest area page, by compressed size:")
    for area_id, page in sorted(pages.items(), key=lambda kv: -gzip_size(kv[1]))[:3]:
        print(f"  {area_id:<14} {len(page):>8} B raw  {gzip_size(page):>7} B gzip")
    print(f"page weight, area '{heaviest}' (bytes the app sends, Content-Encoding {encoding}):")
    print(f"  HTML {html_sent:>8} B   ({len(html)} B uncompressed)")
    for name, size in asset_bytes.items():
        print(f"  {name:<14} {size:>6} B")
    print(f"  total {total:>7} B = {total / 1024:.1f} KB   (goal < 60 KB)")
    print(f"external references in the page: {len(EXTERNAL.findall(html.decode()))}")
    print(f"render median: {statistics.median(render_times) * 1000:.1f} ms over {args.repeat}")
    print(f"save median:   {statistics.median(save_times) * 1000:.1f} ms over {args.repeat}")


if __name__ == "__main__":
    main()
