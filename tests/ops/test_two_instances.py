"""Several machines: two app processes with their own instance folders on one PostgreSQL
database. A file uploaded through one downloads through the other; the workbooks the scheduler
archives when a round closes download from both; neither instance folder holds a file."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from surveys import create_app
from surveys.export.models import ArchivedWorkbook
from surveys.extensions import db
from surveys.responses.models import Evidence
from surveys.rounds.models import Round
from tests.conftest import MINI_V1, ROOT, postgres_url
from tests.live import Browser, free_port, running
from tests.responses.conftest import hidden_value

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
PASSWORD = "correct horse battery staple"
PDF = b"%PDF-1.7\n% evidence uploaded on machine one\n" + os.urandom(200_000)


@pytest.fixture
def shared_database(tmp_path) -> Iterator[tuple[str, object]]:
    """A fresh PostgreSQL schema with a round open for Niger; the URL to reach it."""
    base = postgres_url()
    if base is None:
        pytest.skip("TEST_DATABASE_URL is not set: the several-machines test needs PostgreSQL")
    schema = f"w_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(base)
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    options = f"-csearch_path={schema}"
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "SQLALCHEMY_DATABASE_URI": base,
            "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"options": options}},
        }
    )
    separator = "&" if "?" in base else "?"
    try:
        with app.app_context():
            db.create_all()
            world = _world()
            yield f"{base}{separator}options={quote(options)}", world
            db.session.remove()
            db.engine.dispose()
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def _world():
    from surveys.accounts.models import User
    from surveys.accounts.passwords import hash_password
    from surveys.columns import utcnow
    from surveys.countries.models import Country
    from surveys.questionnaire.loader import load_definition
    from surveys.questionnaire.models import PUBLISHED, Questionnaire, QuestionnaireVersion
    from surveys.questionnaire.serialize import definition_hash, to_canonical_json
    from surveys.responses.models import Submission
    from surveys.roles import Role
    from surveys.rounds.models import Round, RoundCountry

    definition = load_definition(MINI_V1)
    version = QuestionnaireVersion(
        questionnaire=Questionnaire(key=definition.key),
        version=definition.version,
        definition_json=to_canonical_json(definition),
        sha256=definition_hash(definition),
        status=PUBLISHED,
        published_at=utcnow(),
    )
    niger = Country(iso2="NE", iso3="NER", names={"en": "Niger", "fr": "Niger"})
    now = utcnow()
    round_ = Round(
        version=version,
        period_label="2026-H2",
        opens_at=now - timedelta(days=10),
        closes_at=now + timedelta(days=10),
        reminder_offsets=[],
    )
    round_.participants.append(RoundCountry(country=niger))
    people = {}
    for role, email in ((Role.RESPONDENT, "resp@example.org"), (Role.ANALYST, "ana@example.org")):
        person = User(email=email, name=email, password_hash=hash_password(PASSWORD))
        person.grant(role)
        if role == Role.RESPONDENT:
            person.countries.append(niger)
        db.session.add(person)
        people[role.value] = person
    db.session.add(round_)
    db.session.flush()
    submission = Submission(round_id=round_.id, country_id=niger.id, status="draft")
    db.session.add(submission)
    db.session.commit()
    return {"round": round_.id, "submission": submission.id}


def _environment(url: str, instance: Path, port: int) -> dict:
    return {
        "PATH": f"{BIN}:/usr/bin:/bin",
        "SURVEYS_ENV": "development",
        "SECRET_KEY": "the-same-secret-on-every-machine-" + "x" * 16,
        "DATABASE_URL": url,
        "SURVEYS_INSTANCE_PATH": str(instance),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        "MAIL_BACKEND": "console",
    }


def _files_under(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and p.suffix not in (".lock", ".db")]


def test_two_machines_share_evidence_and_archives(shared_database, tmp_path):
    url, world = shared_database
    server = [str(BIN / "gunicorn"), "-c", "python:surveys.gunicorn_conf", "surveys.wsgi:app"]
    one, two = free_port(), free_port()
    env_one = _environment(url, tmp_path / "machine-one", one)
    env_two = _environment(url, tmp_path / "machine-two", two)
    with (
        running(server, env_one, ROOT, one, tmp_path / "one.log") as first,
        running(server, env_two, ROOT, two, tmp_path / "two.log") as second,
    ):
        uploader = Browser(first)
        uploader.sign_in("resp@example.org", PASSWORD)
        area = f"/submissions/{world['submission']}/areas/legal"
        page = uploader.get(area).text
        saved = uploader.post(
            area,
            {
                "lock_version": hidden_value(page, "lock_version"),
                "base": hidden_value(page, "base"),
                "legal_notes": "See the decree",
            },
            files={"legal_notes-evidence": ("décret 2024.pdf", PDF)},
        )
        assert saved.status == 200, saved.text[:400]
        db.session.rollback()
        [evidence] = db.session.scalars(sa.select(Evidence)).all()

        reader = Browser(second)
        reader.sign_in("resp@example.org", PASSWORD)
        download = reader.get(f"/evidence/{evidence.id}")
        assert download.status == 200
        assert download.body == PDF
        assert "d%C3%A9cret%202024.pdf" in download.headers["Content-Disposition"]

        # The round closes; the scheduler (a third machine) archives its workbooks.
        round_ = db.session.get(Round, world["round"])
        round_.closes_at = round_.opens_at + timedelta(days=9)
        db.session.commit()
        scheduler_env = {**env_one, "SURVEYS_INSTANCE_PATH": str(tmp_path / "machine-three")}
        subprocess.run(
            [str(BIN / "surveys"), "scheduler", "--once"],
            env=scheduler_env,
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        archived = db.session.scalars(sa.select(ArchivedWorkbook)).all()
        assert sorted(a.language for a in archived) == ["en", "fr"]
        for base_url in (first, second):
            analyst = Browser(base_url)
            analyst.sign_in("ana@example.org", PASSWORD)
            for workbook in archived:
                reply = analyst.get(f"/exports/archive/{workbook.id}")
                assert reply.status == 200
                assert hashlib.sha256(reply.body).hexdigest() == workbook.sha256
    for machine in ("machine-one", "machine-two", "machine-three"):
        assert _files_under(tmp_path / machine) == []  # nothing kept on any one machine
