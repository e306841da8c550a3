"""Backup and restore: SQLite -> PostgreSQL -> SQLite with byte-identical archives; a damaged
archive or a non-empty target is refused before anything is written."""

from __future__ import annotations

import hashlib
import io
import json
import struct
import uuid
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from surveys import create_app
from surveys.extensions import db
from tests.conftest import postgres_url

pytestmark = pytest.mark.slow

PDF = b"%PDF-1.4 a decree attached as evidence\n" + bytes(range(256)) * 40


@contextmanager
def app_on(settings: dict, tmp: Path) -> Iterator:
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "MAIL_BACKEND": "memory",
            "FILE_STORAGE_DIR": str(tmp / f"files-{uuid.uuid4().hex[:6]}"),
            **settings,
        }
    )
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


@contextmanager
def postgres_schema() -> Iterator[dict]:
    url = postgres_url()
    schema = f"b_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield {
            "SQLALCHEMY_DATABASE_URI": url,
            "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"options": f"-csearch_path={schema}"}},
        }
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def fill(app) -> None:
    """The demo (revisions, audit log, snapshots, archived workbooks, outbox), the job claims
    of a scheduler pass, a job in APScheduler's store and an evidence file."""
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler

    from surveys.demo import load_demo
    from surveys.responses.evidence import store_upload
    from surveys.responses.models import Submission
    from surveys.scheduling import jobs
    from surveys.storage.backends import current_store

    upgrade()
    load_demo()
    jobs.sweep()
    submission = db.session.scalars(sa.select(Submission).order_by(Submission.id)).first()
    store_upload(
        io.BytesIO(PDF),
        "décret.pdf",
        submission=submission,
        question_id="q1",
        actor=None,
        store=current_store(),
        max_bytes=10**6,
    )
    db.session.commit()
    scheduler = BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=db.engine, tablename="apscheduler_jobs")},
        timezone="UTC",
    )
    scheduler.add_job("surveys.scheduling.jobs:sweep", "interval", seconds=60, id="sweep")
    scheduler.start(paused=True)
    scheduler.shutdown(wait=False)


def run(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def table_counts(app) -> dict[str, int]:
    from surveys.ops.backup import backed_up_tables

    with db.engine.connect() as conn:
        return {
            t.name: conn.scalar(sa.select(sa.func.count()).select_from(t))
            for t in backed_up_tables(conn)
        }


def test_sqlite_to_postgresql_and_back_gives_identical_archives(tmp_path):
    if postgres_url() is None:
        pytest.skip("TEST_DATABASE_URL is not set: the round trip needs PostgreSQL")
    first, second, third = (tmp_path / f"{n}.zip" for n in ("first", "second", "third"))
    sqlite_source = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'source.db'}"}
    with app_on(sqlite_source, tmp_path) as source:
        fill(source)
        made = run(source, "backup", str(first))
        assert made.exit_code == 0, made.output
        counts = table_counts(source)
    assert counts["answer_revisions"] and counts["audit_events"] and counts["score_snapshots"]
    assert counts["job_runs"] and counts["apscheduler_jobs"] == 1
    assert counts["evidence"] > 1  # the demo's evidence files and the one uploaded here

    with postgres_schema() as settings, app_on(settings, tmp_path) as target:
        restored = run(target, "restore", str(first))
        assert restored.exit_code == 0, restored.output
        assert table_counts(target) == counts
        assert run(target, "backup", str(second)).exit_code == 0
        # Sequences follow the restored ids: the next row gets a fresh one.
        from surveys.countries.models import Country

        db.session.add(Country(iso2="ZZ", iso3="ZZZ", names={"en": "Test", "fr": "Test"}))
        db.session.commit()
        refused = run(target, "restore", str(first))
        assert refused.exit_code == 1
        assert "the target database is not empty" in refused.output

    assert first.read_bytes() == second.read_bytes()
    with app_on({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'back.db'}"}, tmp_path) as back:
        assert run(back, "restore", str(second)).exit_code == 0
        assert run(back, "backup", str(third)).exit_code == 0
        from surveys.storage.backends import current_store

        manifest = json.loads(zipfile.ZipFile(third).read("manifest.json"))
        sha = hashlib.sha256(PDF).hexdigest()
        assert sha in [entry["sha256"] for entry in manifest["files"]]
        assert b"".join(current_store().chunks(sha)) == PDF
    assert third.read_bytes() == first.read_bytes()


@pytest.fixture
def archive(tmp_path) -> Path:
    path = tmp_path / "good.zip"
    with app_on({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'src.db'}"}, tmp_path) as app:
        upgrade()
        from surveys.countries.models import Country

        db.session.add(Country(iso2="NE", iso3="NER", names={"en": "x", "fr": "x"}))
        db.session.commit()
        assert run(app, "backup", str(path)).exit_code == 0
    return path


def damaged_copies(good: Path, tmp: Path) -> dict[str, tuple[Path, str]]:
    """Ways an archive goes wrong, each with the words the refusal must contain."""
    copies = {}
    truncated = tmp / "truncated.zip"
    truncated.write_bytes(good.read_bytes()[:-400])
    copies["truncated"] = (truncated, "not a readable backup archive")

    changed = tmp / "changed-row.zip"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(changed, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "tables/countries.jsonl":
                data = data.replace(b'"NER"', b'"NEY"')
            target.writestr(info, data)
    copies["changed"] = (changed, "tables/countries.jsonl does not match its checksum")

    flipped = tmp / "flipped-byte.zip"
    raw = bytearray(good.read_bytes())
    with zipfile.ZipFile(good) as source:
        info = source.getinfo("tables/countries.jsonl")
    name_length, extra_length = struct.unpack_from("<HH", raw, info.header_offset + 26)
    raw[info.header_offset + 30 + name_length + extra_length + 3] ^= 0xFF  # in the data
    flipped.write_bytes(bytes(raw))
    copies["flipped"] = (flipped, "tables/countries.jsonl is damaged")

    no_manifest = tmp / "no-manifest.zip"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(no_manifest, "w") as target:
        for info in source.infolist():
            if info.filename != "manifest.json":
                target.writestr(info, source.read(info))
    copies["no manifest"] = (no_manifest, "no manifest.json")
    return copies


@pytest.mark.parametrize("damage", ["truncated", "changed", "flipped", "no manifest"])
def test_a_damaged_archive_is_refused_and_the_target_stays_empty(archive, tmp_path, damage):
    path, reason = damaged_copies(archive, tmp_path)[damage]
    target = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'target.db'}"}
    with app_on(target, tmp_path) as app:
        result = run(app, "restore", str(path))
        assert result.exit_code == 1
        assert str(path) in result.output and reason in result.output
        assert sa.inspect(db.engine).get_table_names() == []  # not even a schema was made
