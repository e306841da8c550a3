"""The database file store's tables: one row per file, its bytes in ordered chunks."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from surveys.columns import UTCDateTime, utcnow
from surveys.extensions import db


class StoredFile(db.Model):
    """A file's identity in the database store; written once, never changed or deleted.

    Its chunks are inserted in the same transaction as the row that refers to the file (an
    evidence row, an archived workbook), so a rolled-back upload leaves nothing behind.
    """

    __tablename__ = "stored_files"
    __table_args__ = (
        CheckConstraint("length(sha256) = 64", name="sha256_length"),
        CheckConstraint("size_bytes >= 0", name="non_negative_size"),
        CheckConstraint("chunk_count >= 0", name="non_negative_chunks"),
    )

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)  # of the whole content
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    # How many rows of stored_file_chunks hold the content (seq 0 .. chunk_count - 1).
    chunk_count: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StoredFileChunk(db.Model):
    """One piece of a stored file: files are written and read a chunk at a time, so a 10 MB
    upload is never held whole in memory."""

    __tablename__ = "stored_file_chunks"
    __table_args__ = (CheckConstraint("seq >= 0", name="non_negative_seq"),)

    sha256: Mapped[str] = mapped_column(ForeignKey("stored_files.sha256"), primary_key=True)
    seq: Mapped[int] = mapped_column(primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
