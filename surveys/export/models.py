"""Archived scorecard workbooks: the file generated when a round closed, kept as it was."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from surveys.db import UTCDateTime, utcnow
from surveys.extensions import db
from surveys.rounds.models import Round


class ArchivedWorkbook(db.Model):
    """One stored workbook file. Rows and files are only ever added: a later archive of the same
    round (after a reopened country closes again) is a new file beside the earlier one."""

    __tablename__ = "archived_workbooks"
    __table_args__ = (
        CheckConstraint("language IN ('en', 'fr')", name="known_language"),
        CheckConstraint("length(sha256) = 64", name="sha256_length"),
        CheckConstraint("size_bytes > 0", name="positive_size"),
        Index("ix_archived_workbooks_round", "round_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"))
    language: Mapped[str] = mapped_column(String(2))
    # The download name, with the generation time (UTC) in it.
    filename: Mapped[str] = mapped_column(String(255), unique=True)
    # Of the file's bytes: its name in the file store; a download is checked against it.
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    round: Mapped[Round] = relationship()

    @property
    def size(self) -> int:
        return self.size_bytes

    def __repr__(self) -> str:
        return f"<ArchivedWorkbook {self.filename}>"
