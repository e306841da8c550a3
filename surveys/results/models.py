"""Score snapshots: a submission's scorecard as stored at a moment that matters."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from surveys.columns import JSONType, UTCDateTime, utcnow
from surveys.extensions import db
from surveys.responses.models import Submission


class Trigger(StrEnum):
    """The moment a snapshot was taken."""

    SUBMITTED = "submitted"
    VALIDATED = "validated"
    ROUND_CLOSED = "round_closed"


TRIGGER_VALUES = tuple(t.value for t in Trigger)


class ScoreSnapshot(db.Model):
    """One submission's scorecard, with everything needed to rebuild it and check it later.

    Rows are only ever added: a later snapshot of the same submission supersedes an earlier one
    for display (the highest id wins) but the earlier one stays as the record of its moment.
    """

    __tablename__ = "score_snapshots"
    __table_args__ = (
        CheckConstraint(
            "trigger IN (" + ", ".join(f"'{t}'" for t in TRIGGER_VALUES) + ")",
            name="known_trigger",
        ),
        CheckConstraint("length(definition_sha256) = 64", name="sha256_length"),
        CheckConstraint("length(scoring_version) > 0", name="scoring_version_given"),
        Index("ix_score_snapshots_submission", "submission_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Never cascade-deleted: scores outlive any clean-up of drafts.
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"))
    trigger: Mapped[str] = mapped_column(String(16))
    # The sha256 of the questionnaire version's canonical JSON the scorecard was computed against.
    definition_sha256: Mapped[str] = mapped_column(String(64))
    # surveys.scoring.SCORING_VERSION at the time: explains a difference after a rule change.
    scoring_version: Mapped[str] = mapped_column(String(20))
    # The answers scored, as [{"q": id, "v": value, "na": bool}] sorted by question id, so that
    # the scorecard can be rebuilt (and explained) from the snapshot alone, years later.
    inputs: Mapped[list] = mapped_column(JSONType)
    # surveys.scoring.scorecard_to_dict(scorecard): numbers are decimal strings.
    result: Mapped[dict] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    submission: Mapped[Submission] = relationship()

    def __repr__(self) -> str:
        return f"<ScoreSnapshot {self.id} submission={self.submission_id} {self.trigger}>"
