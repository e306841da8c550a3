"""A coordinator's query on a submission, and the respondent's answer to it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from surveys.accounts.models import User
from surveys.columns import UTCDateTime, utcnow
from surveys.extensions import db
from surveys.responses.models import Submission


class ReviewQuery(db.Model):
    """A question a coordinator asks about one answer (or, without question, the whole submission).

    A query stays open until a coordinator resolves it (or validates the submission); the
    respondent's answer does not close it, so the coordinator decides whether it satisfies them.
    """

    __tablename__ = "review_queries"
    __table_args__ = (
        Index("ix_review_queries_submission", "submission_id", "question_id"),
        CheckConstraint("length(text) > 0", name="query_not_empty"),
        # An answer always says who gave it and when.
        CheckConstraint(
            "(responded_at IS NULL) = (responded_by_id IS NULL)", name="response_attributed"
        ),
        CheckConstraint("(resolved_at IS NULL) = (resolved = false)", name="resolution_dated"),
        # A query about a failed check names the check and is on the check's question.
        CheckConstraint("(rule_key IS NULL) = (rule_text IS NULL)", name="rule_named"),
        CheckConstraint("rule_key IS NULL OR question_id IS NOT NULL", name="rule_on_question"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"))
    # Stable question id from the definition; None: a note about the whole submission.
    question_id: Mapped[str | None] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    # The failed check the query is about (its failure key, e.g. "total:row|2025|total" or
    # "rule:<rule id>"); None: a query about the answer itself.
    rule_key: Mapped[str | None] = mapped_column(String(200))
    # The check as the coordinator saw it failing when asking: it stays readable once the
    # figures are corrected and the check passes.
    rule_text: Mapped[str | None] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The respondent's latest answer ("" until answered; "" once answered, i.e. with
    # responded_at set, means the respondent closed it with "no change": the answer stands).
    response: Mapped[str] = mapped_column(Text, default="")
    responded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved: Mapped[bool] = mapped_column(default=False)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    submission: Mapped[Submission] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id], lazy="joined")
    responded_by: Mapped[User | None] = relationship(foreign_keys=[responded_by_id], lazy="joined")

    @property
    def is_open(self) -> bool:
        return not self.resolved

    @property
    def is_answered(self) -> bool:
        """Answered in words, or closed by the respondent with "no change"."""
        return self.responded_at is not None

    @property
    def no_change(self) -> bool:
        """The respondent closed it saying the answer stands as it is."""
        return self.is_answered and not self.response

    @property
    def awaits_country(self) -> bool:
        """Open and not answered: blocks a returned submission from going back."""
        return not self.resolved and not self.is_answered

    def __repr__(self) -> str:
        return f"<ReviewQuery {self.id} on {self.question_id or 'submission'}>"
