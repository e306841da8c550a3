"""Archiving a round's scorecard in both languages when it closes (flush only).

The file is stored, never regenerated: an analyst downloading it years later gets the exact bytes
generated at closing, whatever changed in the data since (a reopened country, a new answer).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from datetime import datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from surveys.db import utcnow
from surveys.export.models import ArchivedWorkbook
from surveys.export.queries import load_round
from surveys.export.scorecard import build_scorecard
from surveys.extensions import db

ARCHIVE_LANGUAGES = ("en", "fr")


class ArchiveFileError(RuntimeError):
    """An archived file is missing or its content no longer matches its checksum."""


def archive_dir() -> Path:
    return Path(current_app.config["ARCHIVE_DIR"])


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-") or "round"


def scorecard_filename(key: str, period: str, language: str, generated_at: datetime) -> str:
    """e.g. scorecard_niamey-2018_2026-H2_fr_20261231T180000Z.xlsx (generation time in UTC)."""
    stamp = generated_at.strftime("%Y%m%dT%H%M%SZ")
    return f"scorecard_{_slug(key)}_{_slug(period)}_{language}_{stamp}.xlsx"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _unique_name(folder: Path, name: str) -> str:
    """The name, or name with a counter when two archives are generated within one second."""
    stem, suffix = name.rsplit(".", 1)
    candidate, number = name, 2
    taken = set(db.session.scalars(select(ArchivedWorkbook.filename)))
    while candidate in taken or (folder / candidate).exists():
        candidate = f"{stem}-{number}.{suffix}"
        number += 1
    return candidate


def archive_round(round_id: int, now: datetime | None = None) -> list[ArchivedWorkbook]:
    """Generate and store the round's scorecard in English and French; returns the new rows.

    Called by the scheduler's closing job (which commits). Each file is written to a temporary
    name and renamed into place, so a crash never leaves a half-written archive behind.
    """
    generated_at = (now or utcnow()).replace(microsecond=0)
    loaded = load_round(round_id)
    folder = archive_dir() / f"round-{round_id}"
    folder.mkdir(parents=True, exist_ok=True)
    created = []
    for language in ARCHIVE_LANGUAGES:
        name = _unique_name(
            folder,
            scorecard_filename(
                loaded.info.questionnaire_key, loaded.info.period, language, generated_at
            ),
        )
        final = folder / name
        handle, temporary = tempfile.mkstemp(dir=folder, suffix=".part")
        os.close(handle)
        try:
            build_scorecard(round_id, language, temporary, generated_at=generated_at)
            os.replace(temporary, final)
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
        record = ArchivedWorkbook(
            round_id=round_id,
            language=language,
            filename=name,
            path=str(final.relative_to(archive_dir())),
            sha256=_sha256(final),
            size_bytes=final.stat().st_size,
            created_at=generated_at,
        )
        db.session.add(record)
        created.append(record)
    db.session.flush()
    return created


def archived_workbooks(round_id: int | None = None) -> list[ArchivedWorkbook]:
    query = select(ArchivedWorkbook).order_by(
        ArchivedWorkbook.created_at.desc(), ArchivedWorkbook.language
    )
    if round_id is not None:
        query = query.where(ArchivedWorkbook.round_id == round_id)
    return list(db.session.scalars(query))


def archived_file(record: ArchivedWorkbook) -> Path:
    """The stored file, checked against its size and checksum."""
    root = archive_dir().resolve()
    path = (root / record.path).resolve()
    if root not in path.parents or not path.is_file():
        raise ArchiveFileError(f"{record.filename} is missing from the archive")
    if path.stat().st_size != record.size_bytes or _sha256(path) != record.sha256:
        raise ArchiveFileError(f"{record.filename} does not match its checksum")
    return path
