"""Archiving a round's scorecard in both languages when it closes (flush only).

The file is stored, never regenerated: an analyst downloading it years later gets the exact bytes
generated at closing, whatever changed in the data since (a reopened country, a new answer). The
bytes live in the file store (surveys.storage), written in the closing job's transaction.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from surveys.columns import utcnow
from surveys.export.models import ArchivedWorkbook
from surveys.export.queries import load_round
from surveys.extensions import db
from surveys.i18n import language_codes
from surveys.rounds.models import Round
from surveys.storage.backends import current_store, digest_of, incoming_file, verify
from surveys.storage.references import ReferencedFile


class ArchiveFileError(RuntimeError):
    """An archived file is missing or its content no longer matches its checksum."""


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-") or "round"


def scorecard_filename(key: str, period: str, language: str, generated_at: datetime) -> str:
    """e.g. scorecard_niamey-2018_2026-H2_fr_20261231T180000Z.xlsx (generation time in UTC)."""
    stamp = generated_at.strftime("%Y%m%dT%H%M%SZ")
    return f"scorecard_{_slug(key)}_{_slug(period)}_{language}_{stamp}.xlsx"


def _unique_name(name: str) -> str:
    """The name, or name with a counter when two archives are generated within one second."""
    stem, suffix = name.rsplit(".", 1)
    candidate, number = name, 2
    taken = set(db.session.scalars(select(ArchivedWorkbook.filename)))
    while candidate in taken:
        candidate = f"{stem}-{number}.{suffix}"
        number += 1
    return candidate


def archive_of_closing(round_id: int) -> list[ArchivedWorkbook]:
    """The archive made since the round last closed (its latest country closing), if any."""
    round_ = db.session.get(Round, round_id)
    if round_ is None:
        return []
    closed_at = round_.latest_closes_at
    return list(
        db.session.scalars(
            select(ArchivedWorkbook)
            .where(ArchivedWorkbook.round_id == round_id)
            .where(ArchivedWorkbook.created_at >= closed_at)
            .order_by(ArchivedWorkbook.id)
        )
    )


def archive_round(round_id: int, now: datetime | None = None) -> list[ArchivedWorkbook]:
    """Generate and store the round's scorecard in English and French; returns the new rows.

    A round is archived once per closing: when the round has been archived since it last closed
    (the demo step and the scheduler's closing job both ran, or a job ran twice), nothing is made
    and the list is empty. A reopened country closing again is a new closing, archived anew.
    Called by the scheduler's closing job (which commits): the files and their rows are kept
    together or not at all.
    """
    # The workbook builder brings openpyxl: imported when a round is archived, so that web
    # workers (which use this module's names and checks) do not load it.
    from surveys.export.scorecard import build_scorecard

    generated_at = (now or utcnow()).replace(microsecond=0)
    loaded = load_round(round_id)
    if archive_of_closing(round_id):
        return []
    store = current_store()
    created = []
    for language in language_codes():  # one scorecard per language offered
        name = _unique_name(
            scorecard_filename(
                loaded.info.questionnaire_key, loaded.info.period, language, generated_at
            )
        )
        with incoming_file(store) as (temporary, handle):
            handle.close()
            build_scorecard(round_id, language, str(temporary), generated_at=generated_at)
            digest = digest_of(temporary)
            store.put(temporary, digest)
        record = ArchivedWorkbook(
            round_id=round_id,
            language=language,
            filename=name,
            sha256=digest.sha256,
            size_bytes=digest.size,
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


def check_archived(record: ArchivedWorkbook) -> None:
    """Raise ArchiveFileError unless the stored file is there with its size and checksum."""
    store = current_store()
    if not store.has(record.sha256):
        raise ArchiveFileError(f"{record.filename} is missing from the file store")
    if not verify(store, record.sha256, record.size_bytes):
        raise ArchiveFileError(f"{record.filename} does not match its checksum")


def archived_files() -> Iterator[ReferencedFile]:
    """Every archived workbook, for the file store's checks (surveys.storage.references)."""
    archive = Path(current_app.config["ARCHIVE_DIR"])
    for row in db.session.scalars(select(ArchivedWorkbook).order_by(ArchivedWorkbook.id)):
        yield ReferencedFile(
            row.sha256,
            row.size_bytes,
            f"archived workbook {row.filename}",
            (archive / f"round-{row.round_id}" / row.filename,),
        )
