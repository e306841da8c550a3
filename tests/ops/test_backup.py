"""Backup and restore: SQLite -> PostgreSQL -> SQLite with byte-identical archives; a damaged
archive or a non-empty target is refused before anything is written."""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat
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
from surveys.scheduling.heartbeat import LEADER, Heart
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
    Heart(db.engine, "sched1:1").beat(LEADER)  # a running scheduler: not data, not backed up


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
    assert "scheduler_heartbeats" not in counts
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
        Heart(db.engine, "sched1:1").beat(LEADER)
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


# ---------------------------------------------------------------- archives of earlier versions


COUNTRY_NAMES = "7b3d9e5f1a2c"  # the migration that turned name_en/name_fr into names


@contextmanager
def target_on(backend: str, tmp: Path, name: str) -> Iterator:
    """An app on an empty database of the backend (SQLite, or a PostgreSQL schema)."""
    if backend == "sqlite":
        with app_on({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / name}.db"}, tmp) as app:
            yield app
        return
    if postgres_url() is None:
        pytest.skip("TEST_DATABASE_URL is not set: PostgreSQL restores skipped")
    with postgres_schema() as settings, app_on(settings, tmp) as app:
        yield app


def revision_before(revision: str) -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from surveys.config import shipped_folder

    config = Config()
    config.set_main_option("script_location", str(shipped_folder("migrations")))
    return ScriptDirectory.from_config(config).get_revision(revision).down_revision


def archive_as_an_earlier_version_made_it(app, path: Path) -> None:
    """The database is at an earlier migration: write the archive its version wrote, every
    table as that schema has it (heartbeats included, as earlier versions did)."""
    from surveys.ops import backup
    from surveys.storage.backends import current_store

    with backup.snapshot(db.engine) as connection:
        tables = [
            table
            for table in backup.tables_in_database(connection).values()
            if table.name not in backup.STORE_TABLES
        ]
        backup.write_backup(path, connection, current_store(), tables=tables)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_an_archive_of_an_earlier_migration_restores_and_is_brought_to_this_version(
    tmp_path, backend
):
    from flask_migrate import downgrade

    from surveys.countries.models import Country
    from surveys.ops.backup import alembic_revision
    from surveys.ops.checks import run_checks
    from surveys.scheduling.models import SchedulerHeartbeat

    old = tmp_path / "old.zip"
    with target_on(backend, tmp_path, "source") as source:
        upgrade()
        head = alembic_revision_of(db.engine)
        downgrade(revision=revision_before(COUNTRY_NAMES))
        with db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO countries (iso2, iso3, name_en, name_fr, active) "
                    "VALUES ('CI', 'CIV', 'Côte d''Ivoire', 'Côte d’Ivoire', true)"
                )
            )
        Heart(db.engine, "sched1:1").beat(LEADER)
        archive_as_an_earlier_version_made_it(source, old)
    manifest = json.loads(zipfile.ZipFile(old).read("manifest.json"))
    assert manifest["alembic_revision"] == revision_before(COUNTRY_NAMES)
    columns = next(t["columns"] for t in manifest["tables"] if t["name"] == "countries")
    assert "name_en" in columns and "names" not in columns

    with target_on(backend, tmp_path, "target") as target:
        restored = run(target, "restore", str(old))
        assert restored.exit_code == 0, restored.output
        assert f"schema upgraded from migration {manifest['alembic_revision']} to {head}" in (
            restored.output
        )
        with db.engine.connect() as conn:
            assert alembic_revision(conn) == head
        country = db.session.scalars(sa.select(Country)).one()
        assert (country.iso2, country.names) == (
            "CI",
            {"en": "Côte d'Ivoire", "fr": "Côte d’Ivoire"},
        )
        # The heartbeat of the scheduler that ran then is not restored: none runs here.
        assert db.session.scalars(sa.select(SchedulerHeartbeat)).all() == []
        assert any(p.startswith("scheduler: no heartbeat") for p in run_checks(target))
        # And the restored database backs up as this version's.
        assert run(target, "backup", str(tmp_path / "again.zip")).exit_code == 0


def alembic_revision_of(engine) -> str:
    from surveys.ops.backup import alembic_revision

    with engine.connect() as conn:
        return alembic_revision(conn)


def test_check_reports_no_scheduler_after_a_restore(archive, tmp_path):
    """The source had a fresh heartbeat when it was backed up (see the fixture): a restore
    must not make a scheduler look alive where none runs."""
    from surveys.ops.checks import run_checks

    manifest = json.loads(zipfile.ZipFile(archive).read("manifest.json"))
    assert "scheduler_heartbeats" not in [t["name"] for t in manifest["tables"]]
    target = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'target.db'}"}
    with app_on(target, tmp_path) as app:
        assert run(app, "restore", str(archive)).exit_code == 0
        problems = run_checks(app)
    assert any(p.startswith("scheduler: no heartbeat") for p in problems), problems


def rewritten(good: Path, target: Path, change) -> Path:
    """A copy of the archive whose countries table `change` rewrites (rows, manifest entry),
    with its checksums made right again: the archive is sound, its content is not."""
    with zipfile.ZipFile(good) as source:
        manifest = json.loads(source.read("manifest.json"))
        entry = next(t for t in manifest["tables"] if t["name"] == "countries")
        data = change(source.read(entry["entry"]), entry)
        entry.update(size=len(data), sha256=hashlib.sha256(data).hexdigest())
        with zipfile.ZipFile(target, "w") as copy:
            for info in source.infolist():
                if info.filename == "manifest.json":
                    copy.writestr(info, json.dumps(manifest))
                elif info.filename == entry["entry"]:
                    copy.writestr(info, data)
                else:
                    copy.writestr(info, source.read(info))
    return target


def unknown_column(data: bytes, entry: dict) -> bytes:
    entry["columns"].append("capital")
    return data.replace(b"]\n", b',"Niamey"]\n')


def duplicated_row(data: bytes, entry: dict) -> bytes:
    entry["rows"] *= 2
    return data + data


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (unknown_column, "countries has unknown columns ['capital']"),
        (duplicated_row, "cannot be restored (IntegrityError: "),
    ],
    ids=["unknown column", "duplicated row"],
)
def test_a_restore_that_fails_once_the_schema_is_made_leaves_the_target_empty(
    archive, tmp_path, backend, change, reason
):
    broken = rewritten(archive, tmp_path / "broken.zip", change)
    with target_on(backend, tmp_path, "target") as app:
        result = run(app, "restore", str(broken))
        assert result.exit_code == 1
        [line] = [x for x in result.output.splitlines() if x.startswith("Error: ")]
        assert reason in line
        assert line.endswith("what it had written was removed: the target database is empty again")
        assert sa.inspect(db.engine).get_table_names() == []  # no schema, no job table
        # And the same archive, sound, restores into it afterwards.
        assert run(app, "restore", str(archive)).exit_code == 0


def test_an_archive_of_a_newer_version_is_refused_before_anything_is_written(archive, tmp_path):
    def newer(data: bytes, entry: dict) -> bytes:
        return data

    copy = rewritten(archive, tmp_path / "newer.zip", newer)
    with zipfile.ZipFile(copy) as source:
        manifest = json.loads(source.read("manifest.json"))
    manifest["alembic_revision"] = "ffffffffffff"
    newer_archive = tmp_path / "newer-version.zip"
    with zipfile.ZipFile(copy) as source, zipfile.ZipFile(newer_archive, "w") as target:
        for info in source.infolist():
            data = json.dumps(manifest) if info.filename == "manifest.json" else source.read(info)
            target.writestr(info, data)
    with app_on({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 't.db'}"}, tmp_path) as app:
        result = run(app, "restore", str(newer_archive))
        assert result.exit_code == 1
        assert "made at migration ffffffffffff, which this version of the code does not have" in (
            result.output
        )
        assert sa.inspect(db.engine).get_table_names() == []


# ---------------------------------------------------------------- what a backup refuses or keeps


def test_the_archive_is_readable_by_its_owner_only(tmp_path):
    path = tmp_path / "private.zip"
    path.write_bytes(b"an older archive, world-readable")
    path.chmod(0o644)
    previous = os.umask(0o022)
    try:
        with app_on({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 's.db'}"}, tmp_path) as app:
            upgrade()
            assert run(app, "backup", str(path), "--force").exit_code == 0
    finally:
        os.umask(previous)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_database_behind_this_version_is_not_backed_up(tmp_path):
    from flask_migrate import downgrade

    path = tmp_path / "behind.zip"
    with app_on({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 's.db'}"}, tmp_path) as app:
        upgrade()
        head = alembic_revision_of(db.engine)
        downgrade(revision="-1")
        behind = alembic_revision_of(db.engine)
        result = run(app, "backup", str(path))
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"Error: the database is at migration {behind}, but this version of the code expects "
        f"{head}; run `surveys db upgrade` first"
    ]
    assert not path.exists() and not (tmp_path / "behind.zip.part").exists()


def test_into_a_schema_made_beforehand_a_failed_restore_leaves_its_tables_empty(archive, tmp_path):
    """`surveys db upgrade` was run on the target first: restore keeps that schema, and a
    failure empties its tables again instead of dropping them."""
    broken = rewritten(archive, tmp_path / "broken.zip", duplicated_row)
    with app_on({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 't.db'}"}, tmp_path) as app:
        upgrade()
        tables = set(sa.inspect(db.engine).get_table_names())
        result = run(app, "restore", str(broken))
        assert result.exit_code == 1
        assert "the target database is empty again" in result.output
        assert set(sa.inspect(db.engine).get_table_names()) == tables
        from surveys.ops.backup import non_empty_tables

        with db.engine.connect() as conn:
            assert non_empty_tables(conn) == []
        restored = run(app, "restore", str(archive))
        assert restored.exit_code == 0, restored.output
        assert "; migration " in restored.output  # at this version's already: no upgrade
