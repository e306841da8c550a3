from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint, and_, or_
from sqlalchemy.orm import Mapped, mapped_column, relationship

from surveys.columns import JSONType, UTCDateTime, utcnow
from surveys.countries.models import Country
from surveys.extensions import db
from surveys.questionnaire.models import Questionnaire, QuestionnaireVersion

DEFAULT_REMINDER_OFFSETS = [14, 7, 1]


class Round(db.Model):
    """An assessment round: one pinned questionnaire version, a set of countries and dates.

    Its state (scheduled, open, closed, cancelled) is derived from the dates and overrides,
    never stored.
    """

    __tablename__ = "rounds"
    __table_args__ = (
        CheckConstraint("closes_at > opens_at", name="closes_after_opening"),
        UniqueConstraint("questionnaire_version_id", "period_label"),
        # A cadence creates each of its occurrences once, even when two schedulers race.
        UniqueConstraint("cadence_id", "opens_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_version_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_versions.id"))
    period_label: Mapped[str] = mapped_column(String(40))  # e.g. "2026-H2"
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Days before the (effective) closing date on which late countries are reminded.
    reminder_offsets: Mapped[list[int]] = mapped_column(
        JSONType, default=lambda: list(DEFAULT_REMINDER_OFFSETS)
    )
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The cadence that created it automatically (None: created by a coordinator).
    cadence_id: Mapped[int | None] = mapped_column(ForeignKey("cadences.id"), index=True)

    version: Mapped[QuestionnaireVersion] = relationship(lazy="joined")
    participants: Mapped[list[RoundCountry]] = relationship(
        back_populates="round", order_by="RoundCountry.country_id", lazy="selectin"
    )

    @property
    def countries(self) -> list[Country]:
        return [p.country for p in self.participants]

    @property
    def latest_closes_at(self) -> datetime:
        """When the last country closes: the round's date or a later extension or reopening."""
        return max([self.closes_at, *(p.closes_at for p in self.participants)])

    def participant(self, country_id: int) -> RoundCountry | None:
        return next((p for p in self.participants if p.country_id == country_id), None)


def earlier_than(opens_at: datetime, round_id: int):
    """SQL condition: the round comes before round `round_id` opening at `opens_at`, in the
    order rounds follow one another everywhere (opening, then creation: of two rounds opening
    together, the first created comes first)."""
    return or_(
        Round.opens_at < opens_at,
        and_(Round.opens_at == opens_at, Round.id < round_id),
    )


class RoundCountry(db.Model):
    """A country taking part in a round, with its own closing date when extended or reopened."""

    __tablename__ = "round_countries"

    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), primary_key=True)
    country_id: Mapped[int] = mapped_column(ForeignKey("countries.id"), primary_key=True)
    # Per-country extension or reopening: replaces the round's closing date for this country.
    closes_at_override: Mapped[datetime | None] = mapped_column(UTCDateTime)

    round: Mapped[Round] = relationship(back_populates="participants")
    country: Mapped[Country] = relationship(lazy="joined")

    @property
    def closes_at(self) -> datetime:
        if self.closes_at_override is None:
            return self.round.closes_at
        # A later round-wide extension also benefits a country that already had its own.
        return max(self.closes_at_override, self.round.closes_at)


class Cadence(db.Model):
    """A recurring schedule: the platform creates the next round of a questionnaire by itself."""

    __tablename__ = "cadences"
    __table_args__ = (
        CheckConstraint("every_months BETWEEN 1 AND 36", name="every_months_range"),
        CheckConstraint("open_weeks BETWEEN 1 AND 104", name="open_weeks_range"),
        CheckConstraint("lead_days BETWEEN 0 AND 365", name="lead_days_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaires.id"), index=True)
    every_months: Mapped[int]  # a round opens every N months ...
    open_weeks: Mapped[int]  # ... and stays open W weeks
    lead_days: Mapped[int]  # the round is created D days before it opens
    # The first opening; later ones are N, 2N, ... months after it (same day and time, UTC).
    first_opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reminder_offsets: Mapped[list[int]] = mapped_column(
        JSONType, default=lambda: list(DEFAULT_REMINDER_OFFSETS)
    )
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    questionnaire: Mapped[Questionnaire] = relationship(lazy="joined")


class JobRun(db.Model):
    """One unit of scheduled work done: inserted in the same transaction as its effect.

    The unique constraint is the idempotence: a job that runs twice (a retry, a crash, two
    schedulers) fails to insert the second row and so has its effect once. `scope` is never
    NULL (NULLs would not collide in a unique constraint): "r12/c3" for a round's country,
    "r12" for a round, "k4" for a cadence.
    """

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("kind", "scope", "slot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))  # "opening", "reminder", "closing", ...
    scope: Mapped[str] = mapped_column(String(60))
    # Which occurrence: "7d@2027-01-10T17:00" for the 7-day reminder before that closing date
    # ("7d" before 0.3.0), a timestamp for a closing snapshot, ...
    slot: Mapped[str] = mapped_column(String(60))
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id"), index=True)
    country_id: Mapped[int | None] = mapped_column(ForeignKey("countries.id"))
    cadence_id: Mapped[int | None] = mapped_column(ForeignKey("cadences.id"))
    done_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    messages_queued: Mapped[int] = mapped_column(default=0)
    # Which process did it (host:pid), for the fault report.
    worker: Mapped[str] = mapped_column(String(120), default="")
