"""`surveys storage migrate` and `verify`: files of an older installation come into the store."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import sqlalchemy as sa

from surveys.export.models import ArchivedWorkbook
from surveys.responses.models import Evidence
from surveys.storage.backends import current_store
from surveys.storage.models import StoredFile

PDF = b"%PDF-1.4 a decree kept on the old disk\n"
XLSX = b"PK\x03\x04 an archived scorecard\n"


@pytest.fixture
def legacy(app, db, tmp_path, monkeypatch, create_country, create_version, create_round):
    """Rows pointing at files that sit where versions before the store kept them."""
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path / "uploads"))
    monkeypatch.setitem(app.config, "ARCHIVE_DIR", str(tmp_path / "archive"))
    monkeypatch.setitem(app.config, "FILE_STORAGE_DIR", str(tmp_path / "files"))
    niger = create_country("NE")
    round_ = create_round(create_version(), [niger])
    from surveys.responses.models import Submission

    submission = Submission(round_id=round_.id, country_id=niger.id, status="draft")
    db.session.add(submission)
    db.session.flush()
    files = {}
    for name, data in (("decree.pdf", PDF), ("missing.pdf", b"%PDF never kept\n")):
        sha = hashlib.sha256(data).hexdigest()
        db.session.add(
            Evidence(
                submission_id=submission.id,
                question_id="legal_notes",
                filename=name,
                content_type="application/pdf",
                size_bytes=len(data),
                sha256=sha,
            )
        )
        files[name] = sha
    old = Path(app.config["UPLOAD_DIR"]) / files["decree.pdf"][:2] / files["decree.pdf"]
    old.parent.mkdir(parents=True)
    old.write_bytes(PDF)
    workbook = ArchivedWorkbook(
        round_id=round_.id,
        language="fr",
        filename="scorecard_mini_2026-H2_fr_20261231T180000Z.xlsx",
        sha256=hashlib.sha256(XLSX).hexdigest(),
        size_bytes=len(XLSX),
    )
    db.session.add(workbook)
    db.session.commit()
    archived = Path(app.config["ARCHIVE_DIR"]) / f"round-{round_.id}" / workbook.filename
    archived.parent.mkdir(parents=True)
    archived.write_bytes(XLSX)
    return files, workbook


def stored(sha: str) -> bytes:
    return b"".join(current_store().chunks(sha))


def test_migrate_copies_old_files_into_the_database_and_names_the_missing_ones(
    app, runner, legacy, db
):
    from surveys.ops.checks import storage_problems

    files, workbook = legacy
    assert storage_problems(app) == [
        "file store: 3 files the database refers to are not in the database store; "
        "run `surveys storage migrate`"
    ]
    result = runner.invoke(args=["storage", "migrate"])
    assert result.exit_code == 1
    assert "2 copied, 0 already there" in result.output
    assert "missing: evidence" in result.output and "(missing.pdf)" in result.output
    assert stored(files["decree.pdf"]) == PDF
    assert stored(workbook.sha256) == XLSX

    again = runner.invoke(args=["storage", "migrate"])
    assert "0 copied, 2 already there" in again.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StoredFile)) == 2

    verified = runner.invoke(args=["storage", "verify"])
    assert verified.exit_code == 1
    assert verified.output.count("missing:") == 1
    assert "3 files checked in the database store, 1 problems." in verified.output
    assert storage_problems(app)[0].startswith("file store: 1 file the database refers to is")


def test_a_changed_old_file_is_refused(app, runner, legacy):
    files, _workbook = legacy
    old = Path(app.config["UPLOAD_DIR"]) / files["decree.pdf"][:2] / files["decree.pdf"]
    old.write_bytes(b"%PDF-1.4 changed on disk\n")
    result = runner.invoke(args=["storage", "migrate"])
    assert result.exit_code == 1
    assert "evidence" in result.output and "does not match its checksum" in result.output
    assert not current_store().has(files["decree.pdf"])


def test_switching_to_a_directory_store_brings_the_files_along(app, runner, legacy, monkeypatch):
    files, workbook = legacy
    runner.invoke(args=["storage", "migrate"])
    monkeypatch.setitem(app.config, "FILE_STORAGE", "directory")
    result = runner.invoke(args=["storage", "migrate"])
    assert "File store (directory): 2 copied" in result.output
    assert stored(files["decree.pdf"]) == PDF
    assert stored(workbook.sha256) == XLSX
    assert (Path(app.config["FILE_STORAGE_DIR"]) / workbook.sha256[:2] / workbook.sha256).is_file()
