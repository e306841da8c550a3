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
    exists,
)
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from surveys.accounts.models import User
from surveys.columns import JSONType, UTCDateTime, utcnow
from surveys.countries.models import Country
from surveys.extensions import db
from surveys.rounds.models import Round, RoundCountry
from surveys.rounds.submission_status import Status


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
    # The round's entry for this country (its own closing date), through the composite key:
    # whether the submission may change reads it, not every participant of the round.
    participant: Mapped[RoundCountry] = relationship(viewonly=True)
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
    updated_by: Mapped[User | None] = relationship()  # read on conflict and offline pages only


class RevisionSource(StrEnum):
    """Why a revision was written."""

    SAVED = "saved"  # the respondent saved a change
    CARRIED_OVER = "carried_over"  # pre-filled from the previous round's validated submission
    CONFLICT = "conflict"  # a stale save's value, kept although the stored value won
    RESOLVED = "resolved"  # chosen on the conflict page
    HIDDEN = "hidden"  # dropped because its show_if condition became false


REVISION_SOURCES = tuple(s.value for s in RevisionSource)


class AnswerRevision(db.Model):
    """Every value ever saved for a question, so nothing a respondent typed is lost."""

    __tablename__ = "answer_revisions"
    __table_args__ = (
        Index("ix_answer_revisions_question", "submission_id", "question_id"),
        CheckConstraint(
            "source IN ('saved', 'carried_over', 'conflict', 'resolved', 'hidden')",
            name="known_source",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"))
    question_id: Mapped[str] = mapped_column(String(64))
    value: Mapped[object | None] = mapped_column(JSONType)
    not_applicable: Mapped[bool] = mapped_column(default=False)
    na_justification: Mapped[str] = mapped_column(Text, default="")
    comment: Mapped[str] = mapped_column(Text, default="")
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    saved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    source: Mapped[str] = mapped_column(String(16), default=RevisionSource.SAVED.value)
    # The submission's lock_version the saving form was based on (None: not from a form).
    based_on_version: Mapped[int | None] = mapped_column()

    saved_by: Mapped[User | None] = relationship(lazy="joined")


class Evidence(db.Model):
    """A file supporting the answer to one question, kept in the file store by its sha256.

    Rows are never deleted: removing a file from an answer sets `removed_at`, so what a
    coordinator reviewed stays traceable. Identical contents share one stored file.
    """

    __tablename__ = "evidence"
    __table_args__ = (
        Index("ix_evidence_question", "submission_id", "question_id"),
        CheckConstraint("size_bytes >= 0", name="non_negative_size"),
        CheckConstraint("length(sha256) = 64", name="sha256_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"))
    question_id: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))  # as uploaded, for display and download
    content_type: Mapped[str] = mapped_column(String(120))  # detected from the content
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))  # of the content; also its storage name
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    submission: Mapped[Submission] = relationship()


# Whether any file is attached to the submission's answers: read beside the submission by its
# pages (surveys.responses.operations.submission_for_page), most of which have none to show and
# then need no statement for them. Deferred: nothing else reads it.
Submission.has_live_evidence = column_property(
    exists()
    .where(Evidence.submission_id == Submission.id, Evidence.removed_at.is_(None))
    .correlate_except(Evidence),
    deferred=True,
)


class RuleExplanation(db.Model):
    """The respondent's explanation of a warning (a validation rule the answers break, e.g. a
    figure far from last round's): with it, the submission may be submitted despite the warning.
    Kept when the warning goes away, so that it is there again if the figure comes back."""

    __tablename__ = "rule_explanations"
    __table_args__ = (
        UniqueConstraint("submission_id", "failure_key"),
        CheckConstraint("length(text) > 0", name="not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"))
    # surveys.questionnaire.rules.Failure.key: the rule id, with the cell for table shorthands.
    failure_key: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    updated_by: Mapped[User | None] = relationship(lazy="joined")
