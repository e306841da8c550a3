from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from surveys.countries.models import Country
from surveys.db import JSONType, UTCDateTime, utcnow
from surveys.extensions import db
from surveys.rounds.models import Round


class Status(StrEnum):
    # "not started" is the absence of a submission row.
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    VALIDATED = "validated"


STATUS_VALUES = tuple(s.value for s in Status)


class Submission(db.Model):
    """One country's response to one round."""

    __tablename__ = "submissions"
    __table_args__ = (
        UniqueConstraint("round_id", "country_id"),
        # Only a participating country can have a submission in a round.
        ForeignKeyConstraint(
            ["round_id", "country_id"], ["round_countries.round_id", "round_countries.country_id"]
        ),
        CheckConstraint(
            "status IN ('draft', 'submitted', 'returned', 'validated')", name="known_status"
        ),
        CheckConstraint("lock_version > 0", name="positive_lock_version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"))
    country_id: Mapped[int] = mapped_column(ForeignKey("countries.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default=Status.DRAFT.value)
    # Optimistic lock: every save bumps it; a form carrying an older value is a stale edit.
    lock_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    validated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    validated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    round: Mapped[Round] = relationship()
    country: Mapped[Country] = relationship(lazy="joined")
    answers: Mapped[list[Answer]] = relationship(back_populates="submission")

    __mapper_args__ = {"version_id_col": lock_version}

    @property
    def is_editable(self) -> bool:
        return self.status in (Status.DRAFT, Status.RETURNED)


class Answer(db.Model):
    """The current answer to one question of a submission (history in AnswerRevision)."""

    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("submission_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"))
    question_id: Mapped[str] = mapped_column(String(64))  # stable id from the definition
    # Shape per question type: see surveys.questionnaire.schema.Response. None: unanswered.
    value: Mapped[object | None] = mapped_column(JSONType)
    not_applicable: Mapped[bool] = mapped_column(default=False)
    na_justification: Mapped[str] = mapped_column(Text, default="")
    comment: Mapped[str] = mapped_column(Text, default="")
    # Pre-filled from the previous round and not yet confirmed or edited by the respondent.
    carried_over: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    submission: Mapped[Submission] = relationship(back_populates="answers")


class AnswerRevision(db.Model):
    """Every value ever saved for a question, so nothing a respondent typed is lost."""

    __tablename__ = "answer_revisions"
    __table_args__ = (Index("ix_answer_revisions_question", "submission_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"))
    question_id: Mapped[str] = mapped_column(String(64))
    value: Mapped[object | None] = mapped_column(JSONType)
    not_applicable: Mapped[bool] = mapped_column(default=False)
    na_justification: Mapped[str] = mapped_column(Text, default="")
    comment: Mapped[str] = mapped_column(Text, default="")
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    saved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
