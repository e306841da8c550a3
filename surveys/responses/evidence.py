"""Evidence files: type checked by content, size-limited, stored outside the web root by sha256.

Accepted: PDF, PNG, JPEG, and office documents (docx, xlsx, odt, ods), which are zip archives
recognised by their members (`[Content_Types].xml` + `word/` or `xl/`; the ODF `mimetype`
member). The file name's extension must agree with the detected type, so a renamed executable
or a script called `report.pdf` is refused. The bytes go to the file store (surveys.storage: the
database by default) under their sha256; identical contents share one stored file. Download
access is checked by the view (who may see the submission); files are never served as static.
"""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path, PurePath
from typing import IO

import sqlalchemy as sa
from flask import current_app

from surveys.accounts.models import User
from surveys.columns import utcnow
from surveys.extensions import db
from surveys.i18n import file_size
from surveys.i18n import gettext as _
from surveys.inputs import parse_ids
from surveys.responses.models import Evidence, Submission
from surveys.storage.backends import FileDigest, FileStore, incoming_file
from surveys.storage.references import ReferencedFile

CHUNK = 64 * 1024
MAX_FILENAME = 200


@dataclass(frozen=True)
class FileType:
    content_type: str
    extensions: tuple[str, ...]
    label: str


PDF = FileType("application/pdf", (".pdf",), "PDF")
PNG = FileType("image/png", (".png",), "PNG")
JPEG = FileType("image/jpeg", (".jpg", ".jpeg"), "JPEG")
DOCX = FileType(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",), "DOCX"
)
XLSX = FileType(
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",), "XLSX"
)
ODT = FileType("application/vnd.oasis.opendocument.text", (".odt",), "ODT")
ODS = FileType("application/vnd.oasis.opendocument.spreadsheet", (".ods",), "ODS")
ACCEPTED = (PDF, DOCX, XLSX, ODT, ODS, PNG, JPEG)
ACCEPT_ATTRIBUTE = ",".join(ext for t in ACCEPTED for ext in t.extensions)


class EvidenceRejected(ValueError):
    """The upload cannot be kept; the message says why, in the user's language."""


def _office_type(path: Path) -> FileType | None:
    """docx/xlsx/odt/ods from the members of a zip archive (never extracted)."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                with archive.open("mimetype") as member:
                    declared = member.read(100).decode("ascii", "replace").strip()
                return next((t for t in (ODT, ODS) if t.content_type == declared), None)
            if "[Content_Types].xml" in names:
                if any(n.startswith("word/") for n in names):
                    return DOCX
                if any(n.startswith("xl/") for n in names):
                    return XLSX
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError):
        return None
    return None


def detect_type(path: Path) -> FileType | None:
    """The accepted type of a file from its first bytes (and members, for zip archives)."""
    with path.open("rb") as handle:
        head = handle.read(16)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"PK\x03\x04"):
        return _office_type(path)
    return None


def clean_filename(name: str) -> str:
    """The file's own name (no folders, no control characters), shortened if very long."""
    base = PurePath((name or "").replace("\\", "/")).name
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '"<>|:*?')
    base = base.strip(" .") or "file"
    if len(base) > MAX_FILENAME:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: MAX_FILENAME - len(ext) - 1] + dot + ext) if dot else base[:MAX_FILENAME]
    return base


def _copy_limited(
    stream: IO[bytes], target: IO[bytes], max_bytes: int, name: str
) -> tuple[str, int]:
    """Copy at most max_bytes; returns (sha256, size); raises EvidenceRejected when larger."""
    digest = hashlib.sha256()
    size = 0
    while chunk := stream.read(CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise EvidenceRejected(
                _(
                    "“%(name)s” was not attached: it is larger than %(size)d MB.",
                    name=name,
                    size=max_bytes // (1024 * 1024),
                )
            )
        digest.update(chunk)
        target.write(chunk)
    return digest.hexdigest(), size


def store_upload(
    stream: IO[bytes],
    filename: str,
    *,
    submission: Submission,
    question_id: str,
    actor: User | None,
    store: FileStore,
    max_bytes: int,
) -> Evidence:
    """Check and keep an uploaded file as evidence for one question. Flushes. A refusal names
    the file (the page that says it can no longer hold the chosen file)."""
    name = clean_filename(filename)
    with incoming_file(store) as (temp_path, target):
        sha256, size = _copy_limited(stream, target, max_bytes, name)
        target.flush()
        if size == 0:
            raise EvidenceRejected(_("“%(name)s” was not attached: the file is empty.", name=name))
        file_type = detect_type(temp_path)
        if file_type is None:
            raise EvidenceRejected(
                _(
                    "“%(name)s” was not attached: this type of file is not accepted. Attach a "
                    "PDF, an office document (docx, xlsx, odt, ods) or an image (PNG, JPEG).",
                    name=name,
                )
            )
        if not name.lower().endswith(file_type.extensions):
            raise EvidenceRejected(
                _(
                    "“%(name)s” was not attached: its content is %(type)s but its name does not "
                    "end with %(extension)s.",
                    name=name,
                    type=file_type.label,
                    extension=file_type.extensions[0],
                )
            )
        store.put(temp_path, FileDigest(sha256, size))
    evidence = Evidence(
        submission_id=submission.id,
        question_id=question_id,
        filename=name,
        content_type=file_type.content_type,
        size_bytes=size,
        sha256=sha256,
        uploaded_at=utcnow(),
        uploaded_by_id=actor.id if actor else None,
    )
    db.session.add(evidence)
    db.session.flush()
    _files_changed(submission)
    return evidence


def evidence_by_question(submission: Submission) -> dict[str, list[Evidence]]:
    """The files currently attached to each question (removed ones left out)."""
    if _known_to_have_none(submission):
        return {}
    rows = db.session.scalars(_evidence_statement(), {"submission_id": submission.id})
    grouped: dict[str, list[Evidence]] = {}
    for row in rows:
        grouped.setdefault(row.question_id, []).append(row)
    return grouped


def _known_to_have_none(submission: Submission) -> bool:
    """Its page's statement said the submission has no file (submission_for_page): no need to
    ask. Uploads and removals expire what it said (`_files_changed`)."""
    said = sa.inspect(submission).dict.get("has_live_evidence")
    return said is not None and not said


def _files_changed(submission: Submission) -> None:
    db.session.expire(submission, ["has_live_evidence"])


@cache
def _evidence_statement() -> sa.Select:
    # Built once: every area page runs it, and composing it costs more than running it.
    return (
        sa.select(Evidence)
        .where(Evidence.submission_id == sa.bindparam("submission_id"))
        .where(Evidence.removed_at.is_(None))
        .order_by(Evidence.uploaded_at, Evidence.id)
    )


def remove_evidence(
    submission: Submission, question_id: str, evidence_ids: Iterable[str], *, actor: User | None
) -> int:
    """Detach files from a question (the rows and files stay, for the record)."""
    ids = parse_ids(evidence_ids)
    if not ids:
        return 0
    rows = db.session.scalars(
        sa.select(Evidence).where(
            Evidence.id.in_(ids),
            Evidence.submission_id == submission.id,
            Evidence.question_id == question_id,
            Evidence.removed_at.is_(None),
        )
    ).all()
    now = utcnow()
    for row in rows:
        row.removed_at = now
        row.removed_by_id = actor.id if actor else None
    db.session.flush()
    _files_changed(submission)
    return len(rows)


def human_size(size: int) -> str:
    """A file size in the reader's language (1,5 Mo in French)."""
    return file_size(size)


def evidence_files() -> Iterator[ReferencedFile]:
    """Every evidence file, for the file store's checks (surveys.storage.references)."""
    uploads = Path(current_app.config["UPLOAD_DIR"])
    for row in db.session.scalars(sa.select(Evidence).order_by(Evidence.id)):
        yield ReferencedFile(
            row.sha256,
            row.size_bytes,
            f"evidence {row.id} ({row.filename})",
            (uploads / row.sha256[:2] / row.sha256,),
        )
